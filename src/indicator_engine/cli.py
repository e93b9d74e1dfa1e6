"""Command line: `sundhedsaftale indicators generate|compute|list ...`.

Exit codes: 0 success, 2 malformed input (each problem printed with file, row and column) or
bad arguments, 1 any other failure. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .backends import BACKENDS

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sundhedsaftale indicators",
        description="Indikatormotoren: syntetiske data og beregning af sundhedsaftalens "
                    "indikatorer.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="skriv et syntetisk datasæt efter inddatakontrakten")
    gen.add_argument("--persons", type=int, default=1_900_000, help="antal personer")
    gen.add_argument("--years", type=int, default=6, help="antal år")
    gen.add_argument("--seed", type=int, default=1, help="frø (samme frø, samme data)")
    gen.add_argument("--start-year", type=int, default=2020, help="første år")
    gen.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    gen.add_argument("--out", type=Path, required=True, help="datamappe")

    comp = sub.add_parser("compute", help="beregn indikatorerne og skriv resultatet")
    comp.add_argument("--data", type=Path, required=True, help="datamappe med inddata")
    comp.add_argument("--out", type=Path, required=True,
                      help="resultatfil (.parquet, eller .csv)")
    comp.add_argument("--backend", choices=BACKENDS, default="duckdb")
    comp.add_argument("--indicators", default=None,
                      help="kommasepareret liste af indikator-id'er (standard: alle)")
    comp.add_argument("--standard-population", type=Path, default=None,
                      help="CSV med age_from,age_to,sex,weight (standard: ESP 2013)")
    comp.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, fx 2GB")
    comp.add_argument("--threads", type=int, default=None, help="DuckDB threads")
    comp.add_argument("--quiet", action="store_true", help="ingen fremdriftsvisning")

    sub.add_parser("list", help="vis de kendte indikatorer")
    return parser


def _generate(args: argparse.Namespace) -> int:
    from .generator import generate

    start = time.monotonic()
    counts = generate(args.out, persons=args.persons, years=args.years, seed=args.seed,
                      start_year=args.start_year, fmt=args.format, progress=True)
    for table, rows in counts.items():
        print(f"{table}: {rows} rækker", file=sys.stderr)
    print(f"[{time.monotonic() - start:7.1f} s] skrevet til {args.out}", file=sys.stderr)
    return EXIT_OK


def _compute(args: argparse.Namespace) -> int:
    from .api import compute_indicators
    from .io import write_results_atomically

    indicators = ([i.strip() for i in args.indicators.split(",") if i.strip()]
                  if args.indicators else None)
    options = {}
    if args.backend == "duckdb":
        options = {"memory_limit": args.memory_limit, "threads": args.threads}
    results = compute_indicators(args.data, backend=args.backend, indicators=indicators,
                                 progress=not args.quiet,
                                 standard_population=args.standard_population,
                                 backend_options=options)
    write_results_atomically(results, args.out)
    print(f"{len(results)} rækker skrevet til {args.out}", file=sys.stderr)
    return EXIT_OK


def _list() -> int:
    from .definitions import load_indicators

    for ind in load_indicators():
        flag = " (foreløbig kodeliste)" if ind.provisional else ""
        print(f"{ind.id}\tv{ind.version}\t{ind.unit}\t{ind.title_da}{flag}")
    return EXIT_OK


def main(argv: list[str]) -> int:
    from .contract import ValidationError
    from .definitions import DefinitionError

    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) if exc.code in (0, None) else EXIT_INPUT
    try:
        if args.command == "generate":
            return _generate(args)
        if args.command == "compute":
            return _compute(args)
        return _list()
    except ValidationError as exc:
        print(f"Inddata afvist ({len(exc.problems)} fejl; intet er beregnet eller skrevet):",
              file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_INPUT
    except DefinitionError as exc:
        print(f"Fejl i definition: {exc}", file=sys.stderr)
        return EXIT_INPUT
