"""Web benchmark of the public portal: throughput and p99 latency under wrk.

    uv run --frozen python bench/web_bench.py [--duration 10] [--threads 2] [--connections 16]

Builds a throwaway SQLite database with the demo data in a temporary directory, starts gunicorn
(2 workers, DEBUG off) on a free loopback port and measures, one URL after the other, the
agreement page, a cluster page and the municipality list beside a bare Django view (/healthz/).
Each page's throughput is printed as a percentage of the bare view's (goal: >= 50 %).
Installs nothing except wrk (apt-get) when it is missing. Not a test: it only prints figures.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

PAGES = [
    ("bare Django view", "/healthz/"),
    ("agreement page", "/aftaler/2024-2027/"),
    ("cluster page", "/klynger/syd/"),
    ("municipality list", "/kommuner/"),
]


@dataclass
class Result:
    label: str
    path: str
    requests_per_second: float
    p99_ms: float
    errors: int


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    print("wrk is missing: installing it with apt-get", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "-qq",
                    "wrk"], check=True)
    wrk = shutil.which("wrk")
    if not wrk:
        sys.exit("wrk could not be installed")
    return wrk


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "sundhedsaftale"), *args], env=env, check=True,
                   stdout=subprocess.DEVNULL)


def wait_until_up(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"gunicorn did not answer {url} within {timeout:.0f} s")


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(output: str) -> tuple[float, float, int]:
    """(requests/s, p99 in ms, errors) from `wrk --latency` output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    if not rps or not p99:
        raise ValueError(f"could not read wrk's output:\n{output}")
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return float(rps.group(1)), float(p99.group(1)) * _UNITS_MS[p99.group(2)], errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per URL (default 10)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    args = parser.parse_args(argv)
    wrk = ensure_wrk()

    with tempfile.TemporaryDirectory(prefix="sundhedsaftale-bench-") as tmp:
        env = {
            **os.environ,
            "SUNDHEDSAFTALE_VAR_DIR": tmp,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "sundhedsaftale.settings",
            "LOG_LEVEL": "ERROR",
        }
        print(f"building the demo database in {tmp}", flush=True)
        manage(env, "migrate", "--noinput")
        manage(env, "demo")
        manage(env, "collectstatic", "--noinput")

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = subprocess.Popen(
            [str(BIN / "gunicorn"), "sundhedsaftale.wsgi:application",
             "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}",
             "--log-level", "warning"],
            env=env, cwd=ROOT, start_new_session=True,
        )
        results: list[Result] = []
        try:
            wait_until_up(base + "/healthz/")
            for label, path in PAGES:
                # Warm up: every worker loads templates and fills its caches before measuring.
                subprocess.run([wrk, "-t1", "-c2", "-d2s", base + path], check=True,
                               stdout=subprocess.DEVNULL)
                completed = subprocess.run(
                    [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
                     "--latency", base + path],
                    check=True, capture_output=True, text=True,
                )
                rps, p99, errors = parse_wrk(completed.stdout)
                results.append(Result(label, path, rps, p99, errors))
                print(f"  {path}: {rps:.0f} req/s", flush=True)
        finally:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            try:
                gunicorn.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(gunicorn.pid, signal.SIGKILL)
                gunicorn.wait()

    bare = results[0].requests_per_second
    print()
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, gunicorn "
          f"{args.workers} workers, SQLite, DEBUG off, {os.cpu_count()} CPU cores")
    header = f"{'page':<20} {'URL':<22} {'req/s':>9} {'p99 ms':>8} {'% of bare':>10} {'errors':>7}"
    print(header)
    print("-" * len(header))
    below = []
    for r in results:
        share = 100.0 * r.requests_per_second / bare if bare else 0.0
        print(f"{r.label:<20} {r.path:<22} {r.requests_per_second:>9.0f} {r.p99_ms:>8.1f} "
              f"{share:>9.0f}% {r.errors:>7}")
        if r.path != "/healthz/" and share < 50.0:
            below.append(r.path)
    if below:
        print(f"\nbelow the 50 % goal: {', '.join(below)}")
    if any(r.errors for r in results):
        print("\nsome requests failed (non-2xx or socket errors): see the errors column")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
