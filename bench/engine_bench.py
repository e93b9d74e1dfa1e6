"""Engine benchmark: figures printed side by side (never a timed test).

    uv run --frozen python bench/engine_bench.py [--scale small|region|national] [--skip-spark]

Generates synthetic data once (cached by its arguments in bench/out/, git-ignored), then runs
each step in a fresh subprocess and measures wall time and peak memory (the largest resident
set of the step's whole process tree, sampled from /proc, and the kernel's ru_maxrss):

- generator: the synthetic data itself (only when not cached);
- baseline: hand-written DuckDB SQL for ONE indicator (30-day acute somatic readmission share
  per municipality and year, stay linking included, the engine's rules). It does NOT cover
  the suite's work (every indicator x 4 geography levels x 3 grains, disclosure control and
  its audit), so "x baseline" of the suite compares unequal jobs: read it as "the whole
  suite against one indicator at one level and grain", not as overhead on equal work;
- suite (duckdb): the engine's whole suite via compute_indicators (every indicator, geography
  level and grain, disclosure control included);
- pandas: the single baseline indicator in pandas (a reference point);
- suite (spark): the whole suite on Spark local mode (skip with --skip-spark).

The baseline's and pandas' municipality-year figures are checked against the engine's
(published rows) and the result of the check is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
CODELISTS = ROOT.parent / "src" / "indicator_engine" / "definitions" / "codelists"
SCALES = {"small": 20_000, "region": 1_891_871, "national": 5_900_000}
YEARS = 6
WINDOW_DAYS = 30


# ---------------------------------------------------------------------------------------------
# Measurement
# ---------------------------------------------------------------------------------------------
def _tree_rss_kb(root: int) -> int:
    """Sum of VmRSS over a process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        rss[int(entry)] = int(line.split()[1])
                        break
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def run_step(step: str, data: Path, result: Path, env: dict[str, str] | None = None
             ) -> dict[str, float]:
    """Run one step in a fresh interpreter; return seconds and peak MB."""
    cmd = [sys.executable, __file__, "--step", step, "--data", str(data), "--result",
           str(result)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})})
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            stop.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    stop.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"step {step} failed (exit {os.waitstatus_to_exitcode(status)})")
    peak_mb = max(peak[0], usage.ru_maxrss) / 1024
    return {"seconds": seconds, "peak_mb": peak_mb}


# ---------------------------------------------------------------------------------------------
# Steps (each runs in its own subprocess)
# ---------------------------------------------------------------------------------------------
def _prefixes(name: str) -> list[str]:
    lines = (CODELISTS / f"{name}.csv").read_text("utf-8").splitlines()
    rows = [ln for ln in lines if ln and not ln.startswith("#")][1:]
    return [r.split(",", 1)[0].strip() for r in rows]


def _like_any(column: str, prefixes: list[str]) -> str:
    return "(" + " OR ".join(f"starts_with({column}, '{p}')" for p in prefixes) + ")"


def baseline_sql(data: Path) -> str:
    """The single indicator in plain DuckDB SQL, the same rules as the engine (blocks.py)."""
    cancer, hospice = _prefixes("cancer_v1"), _prefixes("hospice_v1")
    births = _prefixes("readmission_births_v1")
    return f"""
    WITH contacts AS (
        SELECT dw_ek_kontakt AS contact_id, cpr,
               epoch(dato_start + tidspunkt_start) AS start_s,
               epoch(dato_slut + tidspunkt_slut) AS end_s,
               dato_start AS start_date, dato_slut AS end_date,
               prioritet = 'ATA1' AS acute,
               hovedspeciale_ans IN ('psykiatri', 'børne- og ungdomspsykiatri') AS psychiatric,
               aktionsdiagnose AS action_dx, kontaktaarsag AS reason
        FROM read_parquet('{data}/kontakter.parquet') WHERE kontakttype = 'ALCA00'
    ), flagged AS (
        SELECT *, coalesce(start_s > max(end_s) OVER (PARTITION BY cpr
                  ORDER BY start_s, end_s, contact_id ROWS BETWEEN UNBOUNDED PRECEDING
                  AND 1 PRECEDING) + 14400, true) AS is_first
        FROM contacts
    ), linked AS (
        SELECT *, sum(is_first::INT) OVER (PARTITION BY cpr ORDER BY start_s, end_s, contact_id
                  ROWS UNBOUNDED PRECEDING) AS stay_no
        FROM flagged
    ), stays AS (
        SELECT cpr, stay_no, min(start_s) AS start_s, max(end_s) AS end_s,
               min(start_date) AS start_date, max(end_date) AS end_date,
               bool_or(is_first AND acute) AS acute,
               bool_or(is_first AND psychiatric) AS psychiatric,
               max(CASE WHEN is_first THEN action_dx END) AS action_dx,
               max(CASE WHEN is_first THEN reason END) AS reason
        FROM linked GROUP BY cpr, stay_no
        HAVING max(end_s) - min(start_s) >= 43200
    ), adm AS (
        SELECT * FROM stays WHERE NOT psychiatric
    ), adm_contacts AS (
        SELECT l.contact_id, l.cpr, l.stay_no FROM linked l
        SEMI JOIN adm a ON l.cpr = a.cpr AND l.stay_no = a.stay_no
    ), dx AS (
        SELECT c.cpr, c.stay_no, d.diagnosekode AS code
        FROM read_parquet('{data}/diagnoser.parquet') d
        JOIN adm_contacts c ON d.dw_ek_kontakt = c.contact_id
        WHERE NOT d.senere_afkraeftet
        UNION ALL SELECT cpr, stay_no, action_dx FROM adm
    ), hospice AS (
        SELECT DISTINCT cpr, stay_no FROM dx WHERE {_like_any('code', hospice)}
    ), data_end AS (
        SELECT max(dato_start) AS d FROM read_parquet('{data}/kontakter.parquet')
    ), idx AS (
        SELECT a.* FROM adm a
        ANTI JOIN hospice h ON a.cpr = h.cpr AND a.stay_no = h.stay_no
        WHERE NOT {_like_any('a.action_dx', cancer)}
          AND a.end_date <= (SELECT d FROM data_end) - INTERVAL {WINDOW_DAYS} DAY
    ), re AS (
        SELECT a.cpr, a.start_s FROM adm a
        WHERE a.acute AND NOT {_like_any('a.action_dx', births)}
          AND coalesce(a.reason NOT IN ('ALCC02', 'ALCC03', 'ALCC04'), true)
    ), flagged_idx AS (
        SELECT i.cpr, i.stay_no, i.start_date, i.end_date,
               EXISTS (SELECT 1 FROM re WHERE re.cpr = i.cpr AND re.start_s > i.end_s
                       AND re.start_s <= i.end_s + {WINDOW_DAYS * 86400}) AS readmitted
        FROM idx i
    ), pop AS (
        SELECT cpr, kom, ref_dato AS valid_from,
               CASE WHEN row_number() OVER (PARTITION BY cpr ORDER BY ref_dato) = 1
                    THEN DATE '1900-01-01' ELSE ref_dato END AS from_date,
               coalesce(lead(ref_dato) OVER (PARTITION BY cpr ORDER BY ref_dato),
                        DATE '9999-12-31') AS to_date
        FROM read_parquet('{data}/befolkning.parquet')
    )
    SELECT p.kom, year(f.end_date) AS year, sum(f.readmitted::INT) AS numerator,
           count(*) AS denominator
    FROM flagged_idx f JOIN pop p ON f.cpr = p.cpr AND f.end_date >= p.from_date
         AND f.end_date < p.to_date
    GROUP BY ALL ORDER BY ALL
    """


def step_generate(data: Path, result: Path, persons: int, seed: int) -> None:
    from indicator_engine.generator import generate

    counts = generate(data, persons=persons, years=YEARS, seed=seed, progress=False)
    result.write_text(json.dumps(counts))


def step_baseline(data: Path, result: Path) -> None:
    import duckdb

    con = duckdb.connect()
    frame = con.execute(baseline_sql(data)).df()
    frame.to_parquet(result)


def step_suite(data: Path, result: Path, backend: str) -> None:
    from indicator_engine.api import compute_indicators

    t0 = time.perf_counter()
    out = compute_indicators(data, backend=backend)
    seconds = time.perf_counter() - t0
    audit = out.attrs.get("indicator_engine_manifest", {}).get("audit", {})
    interval = out.attrs.get("indicator_engine_report", {}).get("suppression", {}).get(
        "interval_pass") or {}
    # The bench's own bookkeeping below without the output's attrs (manifest and run report):
    # pandas deep-copies them into every frame it makes, which is not the engine's time.
    out.attrs = {}
    keep = out[(out.indicator_id == "readmission_somatic_30d") & (out.period_grain == "year")
               & (out.geo_level == "municipality")]
    keep = keep.assign(period_start=keep.period_start.astype(str))
    keep.to_parquet(result)
    result.with_suffix(".meta.json").write_text(json.dumps({
        "rows": len(out), "suppressed": int(out.suppressed.sum()), "seconds_inside": seconds,
        "indicators": int(out.indicator_id.nunique()),
        "audit_seconds": audit.get("seconds"), "audit_lps": audit.get("lps_solved"),
        "audit_passed": audit.get("passed"), "interval_pass_lps": interval.get("lps_solved")}))


def step_pandas(data: Path, result: Path) -> None:
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    not_counted = tuple(_prefixes("readmission_births_v1")
                        + _prefixes("readmission_injury_fallback_v1"))
    external = tuple(_prefixes("external_cause_v1"))
    cancer, hospice = tuple(_prefixes("cancer_v1")), tuple(_prefixes("hospice_v1"))
    import pyarrow as pa

    table = pq.read_table(data / "kontakter.parquet", columns=[
        "dw_ek_kontakt", "cpr", "dato_start", "tidspunkt_start", "dato_slut", "tidspunkt_slut",
        "aktionsdiagnose", "prioritet", "kontakttype", "hovedspeciale_ans"])

    def seconds(d: str, t: str) -> np.ndarray:
        days = table.column(d).cast(pa.int32()).to_numpy().astype(np.int64) * 86400
        return days + table.column(t).cast(pa.int64()).to_numpy() // 1_000_000

    start_s = seconds("dato_start", "tidspunkt_start")
    end_s = seconds("dato_slut", "tidspunkt_slut")
    k = table.drop_columns(["tidspunkt_start", "tidspunkt_slut"]).to_pandas()
    k["start_s"], k["end_s"] = start_s, end_s
    data_end = k.dato_start.max()
    k = k[k.kontakttype == "ALCA00"]
    day = np.timedelta64(1, "D")
    k = k.sort_values(["cpr", "start_s", "end_s", "dw_ek_kontakt"], kind="mergesort")
    running = k.groupby("cpr", sort=False).end_s.cummax()
    prev_max = running.shift().where(k.cpr.eq(k.cpr.shift()))
    k["is_first"] = prev_max.isna() | (k.start_s > prev_max + 4 * 3600)
    k["stay_no"] = k.groupby("cpr", sort=False).is_first.cumsum()
    first = k[k.is_first].set_index(["cpr", "stay_no"])
    g = k.groupby(["cpr", "stay_no"], sort=False)
    stays = pd.DataFrame({"start_s": g.start_s.min(), "end_s": g.end_s.max(),
                          "start_date": g.dato_start.min(), "end_date": g.dato_slut.max()})
    stays = stays.join(first[["prioritet", "hovedspeciale_ans", "aktionsdiagnose"]])
    adm = stays[(stays.end_s - stays.start_s >= 43200)
                & ~stays.hovedspeciale_ans.isin(["psykiatri", "børne- og ungdomspsykiatri"])]
    adm = adm.reset_index()
    keys = k.merge(adm[["cpr", "stay_no"]], on=["cpr", "stay_no"])[
        ["dw_ek_kontakt", "cpr", "stay_no"]]
    d = pq.read_table(data / "diagnoser.parquet").to_pandas()
    d = d[~d.senere_afkraeftet].merge(keys, on="dw_ek_kontakt")
    codes = pd.concat([d[["cpr", "stay_no", "diagnosekode"]],
                       adm[["cpr", "stay_no", "aktionsdiagnose"]].rename(
                           columns={"aktionsdiagnose": "diagnosekode"})])

    def stays_with(prefixes: tuple[str, ...]) -> pd.MultiIndex:
        hit = codes[codes.diagnosekode.str.startswith(prefixes)]
        return pd.MultiIndex.from_frame(hit[["cpr", "stay_no"]].drop_duplicates())

    mi = pd.MultiIndex.from_frame(adm[["cpr", "stay_no"]])
    idx = adm[~mi.isin(stays_with(hospice)) & ~adm.aktionsdiagnose.str.startswith(cancer)
              & (pd.to_datetime(adm.end_date) <= pd.Timestamp(data_end) - 30 * day)]
    re = adm[~mi.isin(stays_with(external)) & (adm.prioritet == "ATA1")
             & ~adm.aktionsdiagnose.str.startswith(not_counted)][["cpr", "start_s"]]
    pairs = idx[["cpr", "stay_no", "end_s"]].merge(re, on="cpr")
    hit = pairs[(pairs.start_s > pairs.end_s)
                & (pairs.start_s <= pairs.end_s + WINDOW_DAYS * 86400)]
    hit_keys = pd.MultiIndex.from_frame(hit[["cpr", "stay_no"]].drop_duplicates())
    idx = idx.assign(readmitted=pd.MultiIndex.from_frame(idx[["cpr", "stay_no"]]).isin(
        hit_keys).astype(int))
    pop = pq.read_table(data / "befolkning.parquet", columns=["cpr", "ref_dato", "kom"]
                        ).to_pandas().sort_values(["cpr", "ref_dato"])
    pop["from_date"] = pd.to_datetime(pop.ref_dato)
    first_snap = ~pop.cpr.eq(pop.cpr.shift())
    pop.loc[first_snap, "from_date"] = pd.Timestamp("1900-01-01")
    idx = idx.assign(start_ts=pd.to_datetime(idx.start_date)).sort_values("start_ts")
    pop = pop.sort_values("from_date")
    joined = pd.merge_asof(idx, pop[["cpr", "from_date", "kom"]], left_on="start_ts",
                           right_on="from_date", by="cpr", direction="backward")
    joined = joined.dropna(subset=["kom"])
    joined["year"] = pd.to_datetime(joined.end_date).dt.year
    out = joined.groupby(["kom", "year"]).agg(numerator=("readmitted", "sum"),
                                              denominator=("readmitted", "size")).reset_index()
    out.to_parquet(result)


# ---------------------------------------------------------------------------------------------
# Orchestration
# ---------------------------------------------------------------------------------------------
def _agreement(reference: Path, other: Path) -> str:
    import pandas as pd

    eng = pd.read_parquet(reference)
    eng = eng[~eng.suppressed].assign(year=pd.to_datetime(eng.period_start).dt.year)
    eng = eng.rename(columns={"geo_code": "kom"})[["kom", "year", "numerator", "denominator"]]
    oth = pd.read_parquet(other)
    oth["year"] = oth.year.astype(int)
    m = eng.merge(oth, on=["kom", "year"], how="left", suffixes=("_engine", "_other"))
    same = ((m.numerator_engine.astype("float") == m.numerator_other.astype("float"))
            & (m.denominator_engine.astype("float") == m.denominator_other.astype("float")))
    return f"{int(same.sum())}/{len(m)} municipality-years equal" + (
        "" if same.all() else " (DIFFERENT)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", choices=sorted(SCALES), default="region")
    ap.add_argument("--persons", type=int, help="override the persons of the scale")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-spark", action="store_true")
    ap.add_argument("--skip-pandas", action="store_true",
                    help="leave out the pandas reference (slow and memory-hungry at scale)")
    ap.add_argument("--memory-limit", default=None,
                    help="DuckDB memory limit for the suite (default: the engine's, 1536MB)")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.step:  # inside a measured subprocess
        step, data, result = args.step, args.data, args.result
        if step.startswith("generate:"):
            _s, persons, seed = step.split(":")
            step_generate(data, result, int(persons), int(seed))
        elif step == "baseline":
            step_baseline(data, result)
        elif step.startswith("suite:"):
            step_suite(data, result, step.split(":", 1)[1])
        elif step == "pandas":
            step_pandas(data, result)
        return 0

    persons = args.persons or SCALES[args.scale]
    data = OUT / f"data-{persons}p-{YEARS}y-seed{args.seed}"
    OUT.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, dict[str, float], str]] = []
    done = data / "generated.json"
    if done.exists():
        gen = json.loads(done.read_text())
        print(f"data cached in {data} (generated in {gen['seconds']:.1f} s, "
              f"peak {gen['peak_mb']:.0f} MB)")
    else:
        counts_file = OUT / f"counts-{persons}.json"
        gen = run_step(f"generate:{persons}:{args.seed}", data, counts_file)
        gen["counts"] = json.loads(counts_file.read_text())
        done.write_text(json.dumps(gen))
    note = f"{persons:,} persons x {YEARS} years, {gen['counts']['kontakter']:,} contacts"
    rows.append(("generator", gen, note))

    res = {name: OUT / f"{name}-{persons}.parquet" for name in
           ("baseline", "suite_duckdb", "pandas", "suite_spark")}
    rows.append(("baseline (DuckDB SQL, 1 indicator)", run_step("baseline", data,
                                                                 res["baseline"]), ""))
    memory = args.memory_limit
    suite_env = {"SUNDHEDSAFTALE_DUCKDB_MEMORY": memory} if memory else None
    suite = run_step("suite:duckdb", data, res["suite_duckdb"], env=suite_env)
    meta = json.loads(res["suite_duckdb"].with_suffix(".meta.json").read_text())
    rows.append(("suite on DuckDB (all indicators)", suite,
                 (f"{meta.get('indicators', '?')} indicators x levels x grains; "
                  f"{meta['rows']:,} rows, {meta['suppressed']:,} suppressed; DuckDB memory "
                 f"limit {memory or 'default (1536MB)'}; audit {meta.get('audit_seconds')} s, "
                 f"{meta.get('audit_lps')} LPs, passed {meta.get('audit_passed')}; "
                 f"interval pass {meta.get('interval_pass_lps')} LPs")))
    if not args.skip_pandas:
        rows.append(("pandas (1 indicator)", run_step("pandas", data, res["pandas"]), ""))
    if not args.skip_spark:
        rows.append(("suite on Spark local", run_step("suite:spark", data,
                                                       res["suite_spark"]), ""))

    base = rows[1][1]["seconds"]
    print("\n(the baseline is one indicator at municipality x year; the suite is every "
          "indicator at every level and grain with disclosure control and its audit)")
    print(f"\nEngine benchmark, scale {args.scale} ({persons:,} persons, {YEARS} years)")
    print(f"{'step':<38} {'seconds':>9} {'peak MB':>9} {'x baseline':>11}  note")
    for name, m, note in rows:
        ratio = "" if name == "generator" else f"{m['seconds'] / base:.2f}"
        print(f"{name:<38} {m['seconds']:>9.1f} {m['peak_mb']:>9.0f} {ratio:>11}  {note}")
    print("\nAgreement with the engine (readmission_somatic_30d, municipality x year, "
          "published rows):")
    print(f"  baseline SQL: {_agreement(res['suite_duckdb'], res['baseline'])}")
    if not args.skip_pandas:
        print(f"  pandas:       {_agreement(res['suite_duckdb'], res['pandas'])}")
    if not args.skip_spark:
        print(f"  Spark suite:  {_agreement(res['suite_duckdb'], _spark_as_other(res))}")
    return 0


def _spark_as_other(res: dict[str, Path]) -> Path:
    import pandas as pd

    s = pd.read_parquet(res["suite_spark"])
    s = s[~s.suppressed].assign(year=pd.to_datetime(s.period_start).dt.year)
    path = res["suite_spark"].with_name("spark-as-other.parquet")
    s.rename(columns={"geo_code": "kom"})[["kom", "year", "numerator", "denominator"]].to_parquet(
        path)
    return path


if __name__ == "__main__":
    raise SystemExit(main())
