"""The engine is a plain Python library: no module of indicator_engine imports Django."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import indicator_engine

PACKAGE = Path(indicator_engine.__file__).parent


def test_importing_the_engine_does_not_load_django():
    code = ("import indicator_engine.api, indicator_engine.cli, indicator_engine.compiler, "
            "indicator_engine.backends; import sys; "
            "assert 'django' not in sys.modules, 'django was imported'")
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_no_module_mentions_django_in_an_import():
    offenders = []
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) >= 8
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module"
                  and node.args and isinstance(node.args[0], ast.Constant)):
                names = [str(node.args[0].value)]
            offenders += [f"{path.name}: {n}" for n in names
                          if n.split(".")[0] in ("django", "sundhedsaftale")]
    assert offenders == []
