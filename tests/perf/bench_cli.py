"""The command line, whole process: ``veil --version``, ``veil queue``, ``veil show``, claim and decide.

Run: ``make bench`` or ``.venv/bin/python -m tests.perf.bench_cli [--runs N] [--sqlite-only]``.

Each figure is the median wall time of N runs of the real command, start to
exit, as a person or a script waits for it, on SQLite and on PostgreSQL. The
runs go in rounds: each round runs every command and, beside them, the two
baselines, so the machine's noise moves all alike:

- ``python -c pass``: the interpreter's own start, below which nothing goes;
- ``python -c "import sqlalchemy"``: the floor of every command that reads a
  database through SQLAlchemy.

The printout adds two more floors: SQLAlchemy's ORM (which Veil's data
layer is written in), and the database's own driver alone (``sqlite3``,
``psycopg``), the floor a command reading through bare DB-API would have.

The goals (DESIGN.md, "Performance budget"): ``veil --version`` within 0.1 s,
``veil queue`` and ``veil show`` within 0.3 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from db.session import Database
from desktop.core.workspace import open_workspace
from tests.perf.table import record
from tests.support.factories import add_items, add_user, admin
from tests.support.pgserver import start_server

VERSION_GOAL_S = 0.10
READ_GOAL_S = 0.30
USER = "bench-moderator"
# The installed command, as people run it; ``-m`` where there is none (a source checkout).
_SCRIPT = Path(sys.executable).with_name("veil")
VEIL = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "desktop.cli"]
PASS = [sys.executable, "-c", "pass"]
FLOOR = [sys.executable, "-c", "import sqlalchemy"]


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall and CPU seconds of ``command`` (CPU time moves less with other people's load), and its stdout."""
    cpu, started = _cpu(), time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=120)
    elapsed, cpu = time.perf_counter() - started, _cpu() - cpu
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed, cpu, done.stdout


def _prepared(url: str, items: int) -> int:
    """A moderator and ``items`` text items on ``url``; the first item's id."""
    ws = open_workspace(url)
    try:
        admin(ws)
        add_user(ws, USER)
        return add_items(ws, items)[0]
    finally:
        ws.close()


def _driver(url: str) -> str:
    return "sqlite3" if url.startswith("sqlite") else "psycopg"


def measure(url: str, runs: int, env: dict[str, str]) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Every command and the baselines, ``runs`` rounds of each, on the database at ``url``: wall and CPU seconds."""
    env = {**env, "VEIL_DB_URL": url, "VEIL_USER": USER}
    first = _prepared(url, items=runs + 20)
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    def note(name: str, command: list[str]) -> str:
        elapsed, used, out = _timed(command, env)
        times.setdefault(name, []).append(elapsed)
        cpu.setdefault(name, []).append(used)
        return out

    # One round untimed: the files in the page cache and every module
    # compiled once, as on a machine in use.
    for _ in range(runs + 1):
        note("python -c pass", PASS)
        note("import sqlalchemy", FLOOR)
        note("import sqlalchemy.orm", [sys.executable, "-c", "import sqlalchemy.orm"])
        note(f"import {_driver(url)}", [sys.executable, "-c", f"import {_driver(url)}"])
        note("veil --version", [*VEIL, "--version"])
        note("veil queue --limit 20", [*VEIL, "queue", "--limit", "20"])
        note("veil show ID", [*VEIL, "show", str(first)])
        held = note("veil claim", [*VEIL, "claim"]).strip()
        note("veil decide", [*VEIL, "decide", held, "--action", "approve"])
    return {name: values[1:] for name, values in times.items()}, {name: values[1:] for name, values in cpu.items()}


def report(database: str, measured: tuple[dict[str, list[float]], dict[str, list[float]]]) -> None:
    times, cpu = measured
    median = {name: statistics.median(values) for name, values in times.items()}
    cpu_median = {name: statistics.median(values) for name, values in cpu.items()}
    start, floor = median["python -c pass"], median["import sqlalchemy"]
    print(f"{database}: median of {len(times['veil queue --limit 20'])} runs, whole process")
    print(
        f"{'command':<24} {'median s':>9} {'min s':>7} {'- python start':>15} {'/ sqlalchemy floor':>19} "
        f"{'CPU s':>7} {'CPU / floor':>12}"
    )
    for name, values in times.items():
        print(
            f"{name:<24} {median[name]:>9.3f} {min(values):>7.3f} {median[name] - start:>15.3f} "
            f"{median[name] / floor:>19.2f} {cpu_median[name]:>7.3f} "
            f"{cpu_median[name] / cpu_median['import sqlalchemy']:>12.2f}"
        )
    record(
        f"veil --version, whole process ({database})", median["veil --version"], "s", goal=VERSION_GOAL_S,
        baseline=start, baseline_what="python -c pass",
    )  # fmt: skip
    for name, goal in (("veil queue --limit 20", READ_GOAL_S), ("veil show ID", READ_GOAL_S)):
        record(
            f"{name}, whole process ({database})", median[name], "s", goal=goal,
            baseline=floor, baseline_what="python -c 'import sqlalchemy'",
        )  # fmt: skip
    for name in ("veil claim", "veil decide"):
        record(
            f"{name}, whole process ({database})", median[name], "s",
            baseline=floor, baseline_what="python -c 'import sqlalchemy'",
        )  # fmt: skip


def _new_database(server_url: str) -> str:
    database = Database(server_url)
    name = f"veil_bench_cli_{secrets.token_hex(3)}"
    try:
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        database.dispose()
    return str(database.url.set(database=name).render_as_string(hide_password=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="rounds of every command (default: 11)")
    parser.add_argument("--sqlite-only", action="store_true", help="no PostgreSQL server")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="veil-bench-cli-"))
    # A settings, data and log folder of its own: no real user's is read or
    # written. Bytecode is cached as an installed Veil's is: without it every
    # run would compile Veil's modules anew, which no person's command does.
    env = {
        **{name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"},
        "VEIL_DATA_DIR": str(folder / "data"),
        "VEIL_LOG_DIR": str(folder / "log"),
        "VEIL_CONFIG": str(folder / "config.toml"),
        "VEIL_SYSTEM_CONFIG": str(folder / "system.toml"),
    }
    try:
        report("SQLite", measure(f"sqlite:///{folder / 'bench.sqlite3'}", args.runs, env))
        if not args.sqlite_only:
            server = start_server(fsync=True)
            try:
                report("PostgreSQL", measure(_new_database(server.url()), args.runs, env))
            finally:
                server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"load average: {Path('/proc/loadavg').read_text().strip()}" if Path("/proc/loadavg").exists() else "")


if __name__ == "__main__":
    main()
