"""Console entry point `sundhedsaftale`.

`sundhedsaftale indicators ...` runs the indicator engine without loading Django; every other
subcommand (`serve`, `demo`, `migrate`, `import_population`, ...) is a Django management command.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "indicators":
        from indicator_engine.cli import main as engine_main

        return engine_main(args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sundhedsaftale.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["sundhedsaftale", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
