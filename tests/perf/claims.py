"""Claim throughput with 8 workers, on SQLite and PostgreSQL, and on PostgreSQL in team mode.

Run: ``make bench`` or ``.venv/bin/python -m tests.perf.claims [--items N] [--workers N]
[--two-transactions] [--postgresql-only | --team-only]``.

Each worker is its own process with its own connection, as each workstation
is, and loops claim -> decide until the queue is empty, as a moderator's
window does: it claims its first item, then records each decision and holds
the next item in one transaction (the window's decide-and-next).
``--two-transactions`` measures the command line's way instead, ``veil
claim`` then ``veil decide``: a transaction each. Each worker connects and
finds who it works as before the clock starts. Every worker counts the
statements it sends (its commits included) and its transactions: the
printout gives statements per transaction. (Each call to the driver counts
once: on PostgreSQL the audit chain's lock and the read of its head go as
one message, and the events of a transaction as one executemany.) The baseline, measured in the
same run on the same database, is the rate at which the same workers can
commit the smallest write transaction that is serialised the way claims are
(one shared row updated per transaction): the ratio says what Veil's claim
logic costs on top of the database's own commit rate.

On PostgreSQL the claims are measured twice, on the same server: on a plain
database, every worker connected as the one superuser, and on a database in
team mode (see :mod:`db.security`): the items are ingested the same way, the
database is secured, an admin adds one moderator login per worker, and each
worker connects as its own login and signs in as itself, so PostgreSQL's
grants and row-level security policies check every statement. The workers
run the same claim -> decide code in both; the last line gives the team
mode's rate and how many times slower it is than the plain database's
(plain claims/s divided by team claims/s). The baseline needs an update no
moderator may make, so it is not measured in team mode.

Every run checks that each item was decided exactly once: no item was
claimed by two workers.
"""

from __future__ import annotations

import argparse
import multiprocessing
import secrets
import shutil
import statistics
import tempfile
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, distinct, event, func, select, text
from sqlalchemy.engine import make_url

from db.models import Decision, Item
from db.session import Database
from desktop.app import schema
from desktop.app.veil import Veil
from desktop.core.review.service import ReviewService
from desktop.core.workspace import open_workspace
from desktop.domain.people import Role
from desktop.domain.review import Action
from tests.perf import table
from tests.support.factories import add_items, add_user
from tests.support.pgserver import start_server

if TYPE_CHECKING:
    from collections.abc import Callable

    from desktop.domain.people import Actor

    # A worker's preparation (untimed): given its number, it returns the
    # timed loop, which returns how many claims (or commits) it made.
    Loop = Callable[[], int]
    Setup = Callable[[int], Loop]

PASSWORD = "bench-password-not-secret"
BUSY_TIMEOUT_MS = 120_000


def _failure(err: BaseException) -> str:
    return "".join(traceback.format_exception(err)).rstrip()


class _Counter:
    """Statements sent and transactions committed on every engine of this
    process (a worker is a process of its own)."""

    statements = 0
    commits = 0

    @classmethod
    def listen(cls) -> None:
        def statement(*_args: object) -> None:
            cls.statements += 1

        def commit(*_args: object) -> None:
            cls.commits += 1

        event.listen(Engine, "before_cursor_execute", statement)
        event.listen(Engine, "commit", commit)


def _worker(setup: Setup, n: int, barrier: Any, results: Any) -> None:
    loop: Loop | None = None
    error = None
    try:
        loop = setup(n)
    except BaseException as err:  # noqa: BLE001 - reported by the parent
        error = _failure(err)
    _Counter.listen()  # the setup's statements are not counted
    barrier.wait()  # also when setup failed, so the others do not wait for ever
    if loop is None:
        results.put((n, 0, (0, 0), error))
        return
    try:
        done = loop()
        results.put((n, done, (_Counter.statements, _Counter.commits), None))
    except BaseException as err:  # noqa: BLE001 - reported by the parent
        results.put((n, 0, (0, 0), _failure(err)))


# The last run's statements per transaction, commits included (read by the printout).
per_transaction: dict[str, float] = {}


def _run_workers(workers: int, setup: Setup, *, counted: str = "") -> tuple[int, float]:
    # fork: the workers inherit ``setup`` (a closure) without pickling it.
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(workers + 1)
    results = ctx.Queue()
    processes = [ctx.Process(target=_worker, args=(setup, n, barrier, results)) for n in range(workers)]
    for p in processes:
        p.start()
    barrier.wait()
    started = time.perf_counter()
    outcomes = [results.get(timeout=600) for _ in processes]
    elapsed = time.perf_counter() - started
    for p in processes:
        p.join()
    failed = [(n, error) for n, _, _, error in outcomes if error]
    if failed:
        n, error = failed[0]
        raise RuntimeError(f"{len(failed)} of {workers} workers failed; worker {n}:\n{error}")
    if counted:
        statements = sum(sent for _, _, (sent, _), _ in outcomes)
        commits = sum(made for _, _, (_, made), _ in outcomes)
        per_transaction[counted] = (statements + commits) / max(1, commits)
    return sum(count for _, count, _, _ in outcomes), elapsed


def _claims_loop(url: str, actor: Actor, *, two_transactions: bool = False) -> Loop:
    """The moderator's loop, the same on every database: claim the next item, approve it."""
    database = Database(url, busy_timeout_ms=BUSY_TIMEOUT_MS)
    service = ReviewService(database)

    def window() -> int:
        # As Reviewing.decide_and_next: the decision and the next claim commit together.
        done = 0
        try:
            claim = service.claim_next(actor)
            while claim is not None:
                with database.write() as session:
                    service.decide(actor, claim.item_id, Action.APPROVE, into=session)
                    claim = service.claim_next(actor, into=session)
                done += 1
        finally:
            database.dispose()
        return done

    def commands() -> int:
        done = 0
        try:
            while (claim := service.claim_next(actor)) is not None:
                service.decide(actor, claim.item_id, Action.APPROVE)
                done += 1
        finally:
            database.dispose()
        return done

    return commands if two_transactions else window


def _check_decided_once(url: str, items: int) -> None:
    """Each of the ``items`` items has exactly one decision (read as ``url``'s superuser or file owner)."""
    database = Database(url)
    try:
        with database.read() as session:
            decisions, decided = session.execute(
                select(func.count(Decision.id), func.count(distinct(Decision.item_id)))
            ).one()
            total = session.scalar(select(func.count(Item.id)))
    finally:
        database.dispose()
    assert total == items, f"{total} items in the database for {items} ingested"
    assert decisions == decided == items, f"{decisions} decisions on {decided} items, for {items} items"


def _claims(url: str, items: int, workers: int, *, two_transactions: bool, counted: str = "") -> tuple[int, float]:
    """``items`` items and ``workers`` moderators on ``url``, every worker as the
    one role the URL names; claimed and decided to the end: (claims, seconds)."""
    ws = open_workspace(url)
    try:
        add_items(ws, items)
        actors = [add_user(ws, f"bench{n}", Role.MODERATOR) for n in range(workers)]
    finally:
        ws.close()
    claimed, claim_s = _run_workers(
        workers, lambda n: _claims_loop(url, actors[n], two_transactions=two_transactions), counted=counted
    )
    assert claimed == items, f"{claimed} claims for {items} items"
    _check_decided_once(url, items)
    return claimed, claim_s


def measure(url: str, items: int, workers: int, *, two_transactions: bool, name: str) -> dict[str, float]:
    def baseline(n: int) -> Loop:
        database = Database(url, busy_timeout_ms=BUSY_TIMEOUT_MS)

        def loop() -> int:
            try:
                for _ in range(per_worker):
                    with database.write() as session:
                        session.execute(text("UPDATE source SET kind = kind WHERE id = 1"))
            finally:
                database.dispose()
            return per_worker

        return loop

    claimed, claim_s = _claims(url, items, workers, two_transactions=two_transactions, counted=name)
    per_worker = max(1, claimed // workers)
    commits, base_s = _run_workers(workers, baseline, counted=f"{name} baseline")
    return {
        "claims_per_s": claimed / claim_s,
        "baseline_commits_per_s": commits / base_s,
        "ratio": (claimed / claim_s) / (commits / base_s),
    }


def _login_url(superuser_url: str, name: str) -> str:
    return make_url(superuser_url).set(username=name, password=PASSWORD).render_as_string(False)


def _new_database(superuser_url: str, name: str) -> str:
    """A new, empty database on the same server; its URL, as the superuser."""
    database = Database(superuser_url)
    try:
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        database.dispose()
    return make_url(superuser_url).set(database=name).render_as_string(False)


def measure_plain(server_url: str, items: int, workers: int, *, two_transactions: bool) -> dict[str, float]:
    """Claims on a new database not in team mode, every worker as the one role that owns it."""
    url = _new_database(server_url, f"veil_bench_plain_{secrets.token_hex(3)}")
    claimed, claim_s = _claims(url, items, workers, two_transactions=two_transactions)
    return {"claims_per_s": claimed / claim_s}


def compare(server_url: str, items: int, workers: int, rounds: int, *, two_transactions: bool) -> None:
    """Team mode against the same setup without it, in alternating rounds on
    fresh databases: the machine's noise moves both, so the medians and the
    ratio of each pair say more than one run."""
    plain: list[float] = []
    team: list[float] = []
    for n in range(rounds):
        plain.append(measure_plain(server_url, items, workers, two_transactions=two_transactions)["claims_per_s"])
        team.append(measure_team(server_url, items, workers, two_transactions=two_transactions)["claims_per_s"])
        print(f"round {n + 1}: without {plain[-1]:.0f} claims/s, team mode {team[-1]:.0f} claims/s, "
              f"x{plain[-1] / team[-1]:.2f}")  # fmt: skip
    ratios = [a / b for a, b in zip(plain, team, strict=True)]
    print(
        f"PostgreSQL, team mode (policies on): median {statistics.median(team):.0f} claims/s against "
        f"{statistics.median(plain):.0f} without; median of the rounds' ratios x{statistics.median(ratios):.2f} slower"
    )


def measure_team(server_url: str, items: int, workers: int, *, two_transactions: bool) -> dict[str, float]:
    """Claims on a secured database, each worker connected as its own moderator login."""
    # Login roles are the server's, not the database's: fresh names each run.
    tag = secrets.token_hex(3)
    url = _new_database(server_url, f"veil_bench_team_{tag}")
    ws = open_workspace(url)
    try:
        add_items(ws, items)
    finally:
        ws.close()
    admin = f"bench-{tag}-admin"
    moderators = [f"bench-{tag}-{n}" for n in range(workers)]
    schema.secure(url, admin=admin, admin_password=PASSWORD)
    with Veil.open(_login_url(url, admin)) as veil:
        veil.sign_in(None)
        for name in moderators:
            veil.people.add(name, Role.MODERATOR)
            veil.people.set_password(name, PASSWORD)

    def claims(n: int) -> Loop:
        login = _login_url(url, moderators[n])
        with Veil.open(login) as veil:
            assert veil.team_login == moderators[n], f"connected as {veil.team_login}, not {moderators[n]}"
            actor = veil.sign_in(None)
        return _claims_loop(login, actor, two_transactions=two_transactions)

    claimed, claim_s = _run_workers(workers, claims, counted="team mode")
    assert claimed == items, f"{claimed} claims for {items} items"
    _check_decided_once(url, items)
    return {"claims_per_s": claimed / claim_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument(
        "--two-transactions",
        action="store_true",
        help="claim and decide in a transaction each (the command line's way), not the window's one",
    )
    only = parser.add_mutually_exclusive_group()
    only.add_argument(
        "--postgresql-only", action="store_true", help="skip SQLite: PostgreSQL without and with team mode"
    )
    only.add_argument("--team-only", action="store_true", help="only PostgreSQL in team mode (no comparison)")
    only.add_argument(
        "--rounds",
        type=int,
        metavar="N",
        help="only PostgreSQL: N alternating rounds without and with team mode, fresh databases each",
    )
    args = parser.parse_args()
    two = args.two_transactions
    folder = Path(tempfile.mkdtemp(prefix="veil-bench-"))
    server = start_server(fsync=True)
    results: dict[str, dict[str, float]] = {}
    if args.rounds:
        try:
            compare(server.url(), args.items, args.workers, args.rounds, two_transactions=two)
        finally:
            server.stop()
            shutil.rmtree(folder, ignore_errors=True)
        return
    try:
        if not (args.postgresql_only or args.team_only):
            url = f"sqlite:///{folder / 'bench.sqlite3'}"
            results["sqlite"] = measure(url, args.items, args.workers, two_transactions=two, name="sqlite")
        if not args.team_only:
            results["postgresql"] = measure(
                server.url(), args.items, args.workers, two_transactions=two, name="postgresql"
            )
        team = measure_team(server.url(), args.items, args.workers, two_transactions=two)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    how = "claim, then decide: a transaction each" if two else "the decision and the next claim in one transaction"
    print(f"{args.workers} workers, {args.items} items, each claimed and decided ({how})")
    if results:
        print(
            f"{'database':<12} {'claims/s':>10} {'statements/tx':>14} {'baseline commits/s':>20} "
            f"{'statements/tx':>14} {'claims/baseline':>16}"
        )
    for name, r in results.items():
        print(
            f"{name:<12} {r['claims_per_s']:>10.0f} {per_transaction[name]:>14.1f} "
            f"{r['baseline_commits_per_s']:>20.0f} {per_transaction[name + ' baseline']:>14.1f} {r['ratio']:>16.2f}"
        )
        label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[name]
        table.record(
            f"claims, {args.workers} workers, claim -> decide, {label}" + (" (2 transactions)" if two else ""),
            r["claims_per_s"],
            "claims/s",
            goal=500,
            higher_is_better=True,
            baseline=r["baseline_commits_per_s"],
            baseline_what="minimal serialised commits/s",
        )
    line = (
        f"PostgreSQL, team mode (policies on): {team['claims_per_s']:.0f} claims/s, "
        f"{per_transaction['team mode']:.1f} statements/tx"
    )
    if "postgresql" in results:
        slower = results["postgresql"]["claims_per_s"] / team["claims_per_s"]
        line += f", x{slower:.2f} slower than without" if slower >= 1 else f", x{1 / slower:.2f} faster than without"
        table.record(
            f"claims, {args.workers} workers, PostgreSQL team mode" + (" (2 transactions)" if two else ""),
            team["claims_per_s"],
            "claims/s",
            higher_is_better=True,
            baseline=results["postgresql"]["claims_per_s"],
            baseline_what="the same without team mode",
        )
    print(line)


if __name__ == "__main__":
    main()
