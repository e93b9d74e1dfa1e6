"""Command line: `sundhedsaftale indicators generate|compute|list ...`.

Exit codes: 0 success, 2 malformed input (each problem printed with file, row and column) or
bad arguments, 1 any other failure. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
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
                      help="resultatfil; formatet følger endelsen: .parquet, .csv eller .xlsx")
    comp.add_argument("--backend", choices=BACKENDS, default="duckdb")
    comp.add_argument("--indicators", default=None,
                      help="kommasepareret liste af indikator-id'er (standard: alle)")
    comp.add_argument("--standard-population", type=Path, default=None,
                      help="CSV med age_from,age_to,sex,weight (standard: ESP 2013)")
    comp.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, fx 2GB")
    comp.add_argument("--threads", type=int, default=None, help="DuckDB threads")
    comp.add_argument("--quiet", action="store_true", help="ingen fremdriftsvisning")
    comp.add_argument("--geography-as-of", type=dt.date.fromisoformat, default=None,
                      metavar="DATO",
                      help="beregn hele historikken på klyngeinddelingen på denne dag (ÅÅÅÅ-MM-DD)")
    comp.add_argument("--earliest-date", type=dt.date.fromisoformat, default=None,
                      metavar="DATO", help="tidligste plausible dato i inddata (standard 1977-01-01)")
    comp.add_argument("--latest-date", type=dt.date.fromisoformat, default=None,
                      metavar="DATO",
                      help="seneste plausible dato i inddata (standard: i dag + 1 år)")

    sub.add_parser("list", help="vis de kendte indikatorer")
    _audit_parser(sub)
    return parser


def _audit_parser(sub: argparse._SubParsersAction) -> None:
    aud = sub.add_parser("audit", help="revidér diskretioneringen af en resultatfil (LP-angriber)")
    aud.add_argument("results", type=Path, help="resultatfil (.parquet eller .csv)")
    aud.add_argument("--geography", type=Path, default=None,
                     help="den geografi.csv der blev brugt (ellers revideres klyngerne ikke)")


def _audit(args: argparse.Namespace) -> int:
    """Re-run the interval audit on an output file: per indicator hidden cells, the narrowest
    interval and pass/fail. Exit 0 pass, 1 fail, 2 bad input."""
    import pandas as pd

    from .audit import audit_results
    from .io import read_manifest

    path: Path = args.results
    if not path.is_file():
        print(f"{path}: filen findes ikke", file=sys.stderr)
        return EXIT_INPUT
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        elif path.suffix.lower() == ".csv":
            frame = pd.read_csv(path, dtype={"geo_code": str, "definition_version": str})
        elif path.suffix.lower() == ".xlsx":
            frame = pd.read_excel(path, dtype={"geo_code": str, "definition_version": str})
        else:
            print(f"{path}: ukendt filtype (.parquet, .csv eller .xlsx)", file=sys.stderr)
            return EXIT_INPUT
    except Exception:  # noqa: BLE001 - never echo file contents
        print(f"{path}: filen kan ikke læses som {path.suffix.lstrip('.')}", file=sys.stderr)
        return EXIT_INPUT
    try:
        manifest = read_manifest(path)
    except (ValueError, OSError):
        manifest = None
    if args.geography is not None and not args.geography.is_file():
        print(f"{args.geography}: filen findes ikke", file=sys.stderr)
        return EXIT_INPUT
    if "suppressed" in frame.columns and frame["suppressed"].dtype == object:
        frame["suppressed"] = frame["suppressed"].astype(str).str.lower().isin(["true", "1"])
    try:
        report = audit_results(frame, geography=args.geography, manifest=manifest)
    except (ValueError, KeyError) as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if report.geography == "codes":
        print("Bemærk: uden --geography revideres klyngernes relationer ikke.", file=sys.stderr)
    print("indikator\tskjulte celler\tsnævreste interval\tresultat")
    for r in report.indicators:
        interval = "-" if r.narrowest_interval is None else \
            f"[{r.narrowest_interval[0]}, {r.narrowest_interval[1]}]"
        verdict = "bestået" if r.passed else f"FEJL ({r.failed_counts} tal)"
        print(f"{r.indicator_id}\t{r.hidden_cells}\t{interval}\t{verdict}")
    print(f"{report.lps_solved} LP'er løst på {report.seconds:.1f} s", file=sys.stderr)
    return EXIT_OK if report.passed else EXIT_FAILURE


def _generate(args: argparse.Namespace) -> int:
    from .generator import generate

    start = time.monotonic()
    counts = generate(args.out, persons=args.persons, years=args.years, seed=args.seed,
                      start_year=args.start_year, fmt=args.format, progress=True)
    for table, rows in counts.items():
        print(f"{table}: {rows} rækker", file=sys.stderr)
    print(f"[{time.monotonic() - start:7.1f} s] skrevet til {args.out}", file=sys.stderr)
    return EXIT_OK


def _validation_options(args: argparse.Namespace) -> object:
    from .contract import EARLIEST_DATE, ValidationOptions

    return ValidationOptions(earliest=args.earliest_date or EARLIEST_DATE,
                             latest=args.latest_date, geography_as_of=args.geography_as_of)


def _compute(args: argparse.Namespace) -> int:
    from .api import compute_indicators
    from .io import output_format, write_results_atomically

    output_format(args.out)  # an unknown extension is refused before any work
    indicators = ([i.strip() for i in args.indicators.split(",") if i.strip()]
                  if args.indicators else None)
    options = {}
    if args.backend == "duckdb":
        options = {"memory_limit": args.memory_limit, "threads": args.threads}
    manifest_extra: dict[str, object] = {}
    results = compute_indicators(args.data, backend=args.backend, indicators=indicators,
                                 progress=not args.quiet,
                                 standard_population=args.standard_population,
                                 backend_options=options,
                                 validation=_validation_options(args),  # type: ignore[arg-type]
                                 manifest_extra=manifest_extra)
    write_results_atomically(results, args.out)
    print(f"{len(results)} rækker skrevet til {args.out}", file=sys.stderr)
    as_of = manifest_extra.get("geography", {}).get("as_of")  # type: ignore[attr-defined]
    print("klyngeinddeling: " + (f"som pr. {as_of} for hele perioden" if as_of
                                 else "den gældende på hver begivenheds dato"), file=sys.stderr)
    return EXIT_OK


def _list() -> int:
    from .definitions import load_indicators

    print("indicator_id\tdefinition_version\tunit\tprovisional\ttitle_da")
    for ind in load_indicators():
        flag = "true" if ind.provisional else "false"
        print(f"{ind.id}\t{ind.version}\t{ind.unit}\t{flag}\t{ind.title_da}")
    return EXIT_OK


def main(argv: list[str]) -> int:
    from .contract import ValidationError
    from .definitions import DefinitionError
    from .io import OutputFormatError

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
        if args.command == "audit":
            return _audit(args)
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
    except OutputFormatError as exc:
        print(f"Uddata afvist: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:
        # An unexpected error's message or traceback may quote input values (a reader error
        # prints the offending line): only its kind is shown unless debugging is asked for.
        if os.environ.get("SUNDHEDSAFTALE_ENGINE_DEBUG"):
            raise
        print(f"Uventet fejl ({type(exc).__name__}); intet er skrevet. Detaljerne vises ikke, "
              f"da de kan indeholde inddata (SUNDHEDSAFTALE_ENGINE_DEBUG=1 viser dem).",
              file=sys.stderr)
        return EXIT_FAILURE
