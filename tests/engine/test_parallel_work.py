"""Work spread over threads or processes gives what one thread gives.

- Secondary suppression: large results (PROCESS_MIN_CELLS) share their blocks between forked
  worker processes; small ones stay in the calling process on threads. Either way the public
  table must be the same, and an error in a block must reach the caller as the same error.
- On DuckDB, indicators are computed two at a time (api.INDICATOR_THREADS), each thread on its
  own connection to the run's database: the rows must be those of one at a time.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pandas as pd
import pytest

from indicator_engine import api, compiler, disclosure
from indicator_engine.api import _results_before_disclosure
from indicator_engine.generator import generate


@pytest.fixture(scope="module")
def truth(tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    data = tmp_path_factory.mktemp("gen")
    generate(data, persons=1500, years=1, seed=11, start_year=2023)
    return _results_before_disclosure(
        data, indicators=["readmission_somatic_30d", "acute_admissions_copd",
                          "preventable_admissions_65plus"])


def _run(truth, pid_file: Path, *, processes: bool) -> pd.DataFrame:
    results, geography = truth
    real = disclosure._control_block

    def recording(task, prepared):
        with pid_file.open("a") as fh:  # a worker's memory is its own: write it down
            fh.write(f"{os.getpid()}\n")
        return real(task, prepared)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(disclosure, "PROCESS_MIN_CELLS", 0 if processes else 10**9)
        mp.setattr(disclosure, "_control_block", recording)
        return disclosure.apply_disclosure_control(results,
                                                   compiler.disclosure_edges(geography))


def test_worker_processes_hide_exactly_what_one_process_hides(truth, tmp_path) -> None:
    in_threads = _run(truth, tmp_path / "threads", processes=False)
    in_processes = _run(truth, tmp_path / "processes", processes=True)

    thread_pids = set((tmp_path / "threads").read_text().split())
    process_pids = set((tmp_path / "processes").read_text().split())
    assert thread_pids == {str(os.getpid())}
    assert str(os.getpid()) not in process_pids and process_pids
    assert in_threads.suppressed.sum() > in_threads.suppression_reason.eq("primary").sum()
    pd.testing.assert_frame_equal(in_processes, in_threads)
    assert in_processes.attrs["disclosure"] == in_threads.attrs["disclosure"]


def test_an_error_in_a_worker_reaches_the_caller(truth, monkeypatch, tmp_path) -> None:
    results, geography = truth
    counts = results[["numerator", "denominator"]].apply(pd.to_numeric)
    small = ((counts >= 1) & (counts <= 4)).any(axis=1)
    twice = pd.concat([results, results[small].head(1)], ignore_index=True)
    monkeypatch.setattr(disclosure, "PROCESS_MIN_CELLS", 0)
    with pytest.raises(ValueError, match="flere rækker for samme indikator"):
        disclosure.apply_disclosure_control(twice, compiler.disclosure_edges(geography))


def test_indicators_two_at_a_time_give_the_rows_of_one_at_a_time(tmp_path) -> None:
    data = tmp_path / "gen"
    generate(data, persons=1500, years=1, seed=5, start_year=2023)
    seen: list[set[int]] = []
    real = compiler.assemble

    def assemble(*args, **kwargs):
        seen[-1].add(threading.get_ident())
        return real(*args, **kwargs)

    frames = []
    for threads in (1, 2):
        seen.append(set())
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(api, "INDICATOR_THREADS", threads)
            mp.setattr(compiler, "assemble", assemble)
            frames.append(_results_before_disclosure(data)[0])
    assert seen[0] == {threading.get_ident()}
    # The pool's threads did the work (which of the two took which indicator is theirs).
    assert seen[1] and len(seen[1]) <= 2 and threading.get_ident() not in seen[1]
    assert frames[0].indicator_id.nunique() >= 11
    pd.testing.assert_frame_equal(frames[1], frames[0])
