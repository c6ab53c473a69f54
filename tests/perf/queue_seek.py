"""Claim latency at 1,000,000 items against the same at 1,000.

Run: ``.venv/bin/python -m tests.perf.queue_seek [--items N] [--claims N] [--postgres]``.

If finding the next item were a scan or a sort, the large queue would be
hundreds of times slower; as an index seek the ratio stays near 1. Items
are bulk-inserted with plain SQL (ingest speed is measured elsewhere), in
the shape ingest writes them.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import insert

from db.models import Item, Source
from desktop.core.workspace import open_workspace
from desktop.domain.people import Role
from desktop.domain.review import Action, ItemStatus
from tests.support.factories import add_user
from tests.support.pgserver import start_server

BATCH = 20_000


def fill(url: str, items: int) -> None:
    ws = open_workspace(url)
    try:
        start = datetime(2026, 1, 1, tzinfo=UTC)
        with ws.db.write() as session:
            session.add(Source(id=1, name="bench", kind="bench", created_at=start))
        for first in range(0, items, BATCH):
            rows = [
                {
                    "source_id": 1,
                    "external_id": f"e{n}",
                    "text": f"item {n} +21",
                    "received_at": start + timedelta(seconds=n),
                    "severity": n % 4,
                    "priority": -(n % 4),
                    "status": ItemStatus.PENDING,
                    "content_hash": f"{n:064x}",
                    "media_withheld": False,
                }
                for n in range(first, min(items, first + BATCH))
            ]
            with ws.db.write() as session:
                session.execute(insert(Item), rows)
    finally:
        ws.close()


def claim_latencies(url: str, claims: int) -> list[float]:
    ws = open_workspace(url)
    try:
        actor = add_user(ws, "bench", Role.MODERATOR)
        latencies = []
        for _ in range(claims):
            begun = time.perf_counter()
            claim = ws.review.claim_next(actor)
            latencies.append(time.perf_counter() - begun)
            assert claim is not None
            ws.review.decide(actor, claim.item_id, Action.APPROVE)
        return latencies
    finally:
        ws.close()


def first_page(url: str) -> float:
    """What the window does at start-up: open, migrate-check, first page, counts."""
    begun = time.perf_counter()
    ws = open_workspace(url)
    try:
        ws.review.queue(limit=500)
        ws.review.counts()
    finally:
        ws.close()
    return time.perf_counter() - begun


def summary(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--claims", type=int, default=300)
    parser.add_argument("--postgres", action="store_true", help="measure PostgreSQL instead of SQLite")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="veil-bench-"))
    server = start_server(fsync=True) if args.postgres else None
    try:
        results = {}
        startup = {}
        for size in (args.small, args.items):
            if server is not None:
                server_db = f"bench_{size}"
                with psycopg.connect(server.url().replace("+psycopg", ""), autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{server_db}"')
                url = server.url(server_db)
            else:
                url = f"sqlite:///{folder / f'bench-{size}.sqlite3'}"
            begun = time.perf_counter()
            fill(url, size)
            print(f"{size:>9} items inserted in {time.perf_counter() - begun:.1f} s")
            startup[size] = first_page(url)
            results[size] = summary(claim_latencies(url, args.claims))
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    small, large = results[args.small], results[args.items]
    print(f"claim latency ({'PostgreSQL' if args.postgres else 'SQLite'}, one reviewer, {args.claims} claims)")
    print(f"{'items':>9} {'median ms':>10} {'p95 ms':>8}")
    for size, (median, p95) in results.items():
        print(f"{size:>9} {median:>10.2f} {p95:>8.2f}")
    print(f"ratio large/small: median {large[0] / small[0]:.2f}, p95 {large[1] / small[1]:.2f}")
    print("start-up to the first page of the queue (open, schema check, 500 rows, counts):")
    for size, seconds in startup.items():
        print(f"{size:>9} items: {seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
