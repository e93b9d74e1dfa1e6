"""SQLite in WAL mode with a busy timeout: pages and the login page keep answering while a
large population import writes, served by gunicorn as `sundhedsaftale serve` runs it.

Runs real processes against a SQLite file (the test database of the other tests lives in
memory and cannot be shared between processes); skipped when the tests run on PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from sundhedsaftale.core.demo import POPULATION_FILE
from sundhedsaftale.core.management.commands.serve import gunicorn_arguments

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
PAGES = ["/", "/kommuner/", "/kommuner/101/", "/klynger/syd/", "/aftaler/2024-2027/",
         "/soeg/?q=%C3%A6ldre", "/admin/login/"]

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite's locking is what this test is about")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _big_file(path: Path, quarters: list[str]) -> int:
    """The demo quarter's rows again for each of `quarters` (complete quarters)."""
    lines = POPULATION_FILE.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    with path.open("w", encoding="utf-8") as out:
        out.write(header + "\n")
        for quarter in quarters:
            for row in rows:
                out.write(row.replace(";2023K1;", f";{quarter};") + "\n")
    return len(rows) * len(quarters)


def test_pages_and_login_answer_during_a_large_import(tmp_path: Path) -> None:
    env = {**os.environ, "SUNDHEDSAFTALE_VAR_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "DEBUG": "1",
           "DJANGO_SETTINGS_MODULE": "sundhedsaftale.settings", "LOG_LEVEL": "ERROR"}
    env.pop("CACHE_URL", None)
    command = str(BIN / "sundhedsaftale")
    subprocess.run([command, "migrate", "--noinput"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([command, "demo", "--no-users"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    quarters = [f"{year}K{q}" for year in range(2019, 2023) for q in range(1, 5)]
    big = tmp_path / "big.csv"
    rows = _big_file(big, quarters)

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), *gunicorn_arguments(bind=f"127.0.0.1:{port}", workers=2,
                                                    threads=4), "--log-level", "warning"],
        env=env, cwd=ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _status(base + "/healthz/") == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        assert {_status(base + page) for page in PAGES} == {200}

        importer = subprocess.Popen([command, "import_population", str(big)], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        statuses: list[int] = []
        while importer.poll() is None:
            for page in PAGES:
                statuses.append(_status(base + page))
        out, err = importer.communicate()
        assert importer.returncode == 0, err
        assert f"{rows} rows imported" in out
        assert len(statuses) >= len(PAGES)
        assert set(statuses) == {200}, sorted(set(statuses))
        assert {_status(base + page) for page in PAGES} == {200}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
