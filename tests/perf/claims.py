"""Claim throughput with 8 workers, on SQLite and PostgreSQL.

Run: ``make bench`` or ``.venv/bin/python -m tests.perf.claims [--items N] [--workers N]``.

Each worker is its own process with its own connection, as each workstation
is, and loops claim -> decide until the queue is empty, as a moderator's
window does. The baseline, measured in the
same run on the same database, is the rate at which the same workers can
commit the smallest write transaction that is serialised the way claims are
(one shared row updated per transaction): the ratio says what Veil's claim
logic costs on top of the database's own commit rate.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from db.session import Database
from desktop.core.review.service import ReviewService
from desktop.core.workspace import open_workspace
from desktop.domain.people import Role
from desktop.domain.review import Action
from tests.support.factories import add_items, add_user
from tests.support.pgserver import start_server

if TYPE_CHECKING:
    from collections.abc import Callable


def _worker(body: Callable[[int], int], n: int, barrier: Any, results: Any) -> None:
    barrier.wait()
    try:
        results.put((n, body(n), None))
    except BaseException as err:  # noqa: BLE001 - reported by the parent
        results.put((n, 0, repr(err)))


def _run_workers(workers: int, body: Callable[[int], int]) -> tuple[int, float]:
    # fork: the workers inherit ``body`` (a closure) without pickling it.
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(workers + 1)
    results = ctx.Queue()
    processes = [ctx.Process(target=_worker, args=(body, n, barrier, results)) for n in range(workers)]
    for p in processes:
        p.start()
    barrier.wait()
    started = time.perf_counter()
    outcomes = [results.get(timeout=600) for _ in processes]
    elapsed = time.perf_counter() - started
    for p in processes:
        p.join()
    failed = [error for _, _, error in outcomes if error]
    if failed:
        raise RuntimeError(f"a worker failed: {failed[0]}")
    return sum(count for _, count, _ in outcomes), elapsed


def measure(url: str, items: int, workers: int) -> dict[str, float]:
    ws = open_workspace(url)
    try:
        add_items(ws, items)
        actors = [add_user(ws, f"bench{n}", Role.MODERATOR) for n in range(workers)]
    finally:
        ws.close()

    def claims(n: int) -> int:
        database = Database(url, busy_timeout_ms=120_000)
        service = ReviewService(database)
        done = 0
        try:
            while (claim := service.claim_next(actors[n])) is not None:
                service.decide(actors[n], claim.item_id, Action.APPROVE)
                done += 1
        finally:
            database.dispose()
        return done

    def baseline(n: int) -> int:
        database = Database(url, busy_timeout_ms=120_000)
        try:
            for _ in range(per_worker):
                with database.write() as session:
                    session.execute(text("UPDATE source SET kind = kind WHERE id = 1"))
        finally:
            database.dispose()
        return per_worker

    claimed, claim_s = _run_workers(workers, claims)
    per_worker = max(1, claimed // workers)
    commits, base_s = _run_workers(workers, baseline)
    assert claimed == items, f"{claimed} claims for {items} items"
    return {
        "claims_per_s": claimed / claim_s,
        "baseline_commits_per_s": commits / base_s,
        "ratio": (claimed / claim_s) / (commits / base_s),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="veil-bench-"))
    server = start_server(fsync=True)
    try:
        results = {
            "sqlite": measure(f"sqlite:///{folder / 'bench.sqlite3'}", args.items, args.workers),
            "postgresql": measure(server.url(), args.items, args.workers),
        }
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{args.workers} workers, {args.items} items, each claimed and decided (two transactions)")
    print(f"{'database':<12} {'claims/s':>10} {'baseline commits/s':>20} {'claims/baseline':>16}")
    for name, r in results.items():
        print(f"{name:<12} {r['claims_per_s']:>10.0f} {r['baseline_commits_per_s']:>20.0f} {r['ratio']:>16.2f}")


if __name__ == "__main__":
    main()
