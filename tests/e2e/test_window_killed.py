"""The review window killed (SIGKILL) during a run of key-press decisions, with
real processes and real servers: every decision it reported saved is in the
database exactly once, the next start (which replays the outbox) doubles
nothing and leaves the outbox empty, and the item it held is held no longer
than its lease. Then the same with the database server stopped before the
kill, so the last decision is in the outbox alone; and a server stopped and
restarted under a window that lives on: the kept decision is saved once and
the review goes on, no item decided twice."""

from __future__ import annotations

import json
import os
import random
import select as fd_select
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from db.models import Decision, Item
from desktop import config
from desktop.app.outbox import Outbox
from desktop.app.veil import Veil
from desktop.core.workspace import open_workspace
from tests.conftest import REPO, start_or_skip
from tests.e2e.test_cli import veil

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.domain.review import Claim

ITEMS = 40
LEASE = timedelta(minutes=config.Values.lease_minutes)
WAIT_S = 30.0


class Driven:
    """The window in its own process (tests/support/review_driver.py), its event lines read with a deadline."""

    def __init__(self, url: str, user: str, presses: int) -> None:
        command = [sys.executable, "-m", "tests.support.review_driver", url, user, str(presses)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=REPO, start_new_session=True
        )
        assert self.process.stdout is not None
        self._fd = self.process.stdout.fileno()
        self._read = b""  # bytes read past the last whole line: select() cannot see them

    def next_line(self) -> tuple[str, str]:
        """The window's next event (kind, word); fails the test after WAIT_S without one."""
        deadline = time.monotonic() + WAIT_S
        while b"\n" not in self._read:
            ready, _, _ = fd_select.select([self._fd], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"the window said nothing for {WAIT_S:.0f} s"
            chunk = os.read(self._fd, 4096)
            assert chunk, f"the window ended (exit code {self.process.poll()})"
            self._read += chunk
        line, _, self._read = self._read.partition(b"\n")
        kind, _, word = line.decode().strip().partition(" ")
        assert kind != "FAILED", word
        return kind, word

    def until(self, kind: str, count: int = 1) -> dict[str, list[str]]:
        """Read events until ``count`` of ``kind``; the words read, by kind."""
        seen: dict[str, list[str]] = {kind: [], "SAVED": []}
        while len(seen[kind]) < count:
            got, word = self.next_line()
            seen.setdefault(got, []).append(word)
        return seen

    def kill(self) -> None:
        """SIGKILL to the window and anything it started, as a power cut would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=WAIT_S)
        assert self.process.stdout is not None
        self.process.stdout.close()


def _feed(url: str, folder: Path) -> None:
    manifest = folder / "feed.jsonl"
    with manifest.open("w", encoding="utf-8") as out:
        for n in range(ITEMS):
            out.write(json.dumps({"id": f"post-{n}", "text": f"Update {n} from the front line"}) + "\n")
    assert veil("ingest", "--quiet", str(manifest), url=url, user="root").code == 0


def _outbox() -> Outbox:
    return Outbox(config.data_dir() / "pending-decisions.jsonl")


def _next_start(url: str) -> tuple[int, Claim | None]:
    """What the window does when it starts again: sign in, send the outbox,
    hold the next item. The number of decisions sent, and that claim."""
    opened = Veil.open(url)
    try:
        opened.sign_in("root")
        sent = opened.review.replay(_outbox()).value.decisions
        return sent, opened.review.next().value.claim
    finally:
        opened.close()


def _held_and_decided(url: str) -> tuple[list[tuple[int, datetime | None]], dict[str, int], int]:
    """Items held (id, lease end), decisions (id -> its rows), and items decided more than once."""
    ws = open_workspace(url)
    try:
        with ws.db.read() as session:
            held = [
                (row.id, row.lease_expires_at)
                for row in session.execute(select(Item.id, Item.lease_expires_at).where(Item.claimed_by.is_not(None)))
            ]
            decisions = dict(session.execute(select(Decision.id, func.count()).group_by(Decision.id)).all())
            doubled = session.execute(
                select(func.count()).select_from(
                    select(Decision.item_id).group_by(Decision.item_id).having(func.count() > 1).subquery()
                )
            ).scalar_one()
    finally:
        ws.close()
    return held, decisions, doubled


def _check_leases(held: list[tuple[int, datetime | None]], killed_at: datetime) -> None:
    # The window held the item shown and, most of the time, the one after it (held ahead)
    # when it died; their leases end, so the items go back to the queue.
    assert 1 <= len(held) <= 2, held
    for _, ends in held:
        assert ends is not None and ends <= killed_at + LEASE + timedelta(seconds=5), (ends, killed_at)


def _killed_run(url: str, seed: int) -> tuple[list[str], datetime]:
    """Start the window, kill it after a seeded number of saved decisions; those decisions."""
    after = random.Random(seed).randint(3, ITEMS // 2)
    window = Driven(url, "root", ITEMS)
    try:
        saved = window.until("SAVED", after)["SAVED"]
    finally:
        window.kill()
    return saved, datetime.now(UTC)


def test_a_window_killed_mid_review_keeps_every_saved_decision_once(db_url: str, tmp_path: Path) -> None:
    _feed(db_url, tmp_path)
    saved, killed_at = _killed_run(db_url, seed=15)
    held, decisions, doubled = _held_and_decided(db_url)
    assert all(decisions.get(d) == 1 for d in saved), (saved, decisions)
    # At most the decision in flight at the kill landed beyond those reported.
    assert len(saved) <= len(decisions) <= len(saved) + 1
    assert doubled == 0
    _check_leases(held, killed_at)

    sent, claim = _next_start(db_url)
    assert sent == 0  # nothing was kept: each decision landed or was never confirmed
    # The reviewer gets back an item they held (the other one comes next, held ahead again):
    # a key press the window never confirmed is not lost unseen.
    assert claim is not None and claim.resumed and claim.item_id in {item for item, _ends in held}
    assert _outbox().pending(database=_where(db_url), reviewer="root") == []
    _, after_start, doubled = _held_and_decided(db_url)
    assert after_start == decisions and doubled == 0


def test_a_window_killed_while_its_server_is_down_saves_the_kept_decision_once_at_next_start(tmp_path: Path) -> None:
    server = start_or_skip()  # its own server: this test stops it
    try:
        url = server.url()
        _feed(url, tmp_path)
        where = _where(url)
        after = random.Random(16).randint(3, ITEMS // 2)
        window = Driven(url, "root", ITEMS)
        try:
            saved = window.until("SAVED", after)["SAVED"]
            server.pause()  # gone, as in a crash or a cut cable
            # The decision in flight may still have landed; the next one cannot, and is kept.
            seen = window.until("KEPT")
            saved, (kept,) = saved + seen["SAVED"], seen["KEPT"]
        finally:
            window.kill()
        (waiting,) = _outbox().pending(database=where, reviewer="root")
        assert waiting.key == kept

        server.resume()
        held, decisions, doubled = _held_and_decided(url)
        assert kept not in decisions and all(decisions.get(d) == 1 for d in saved)
        # Held under its lease meanwhile (with, most of the time, the item held ahead of it).
        items_held = [item for item, _ in held]
        assert waiting.item_id in items_held and len(items_held) <= 2
        sent, claim = _next_start(url)
        assert sent == 1 and claim is not None and claim.item_id != waiting.item_id
        assert _outbox().pending(database=where, reviewer="root") == []
        held, decisions, doubled = _held_and_decided(url)
        assert all(decisions.get(d) == 1 for d in [*saved, kept]), decisions
        assert len(decisions) == len(saved) + 1 and doubled == 0
        # The item decided from the outbox is held no more; the next start holds the next one.
        assert [item for item, _ in held] == [claim.item_id]
    finally:
        server.stop()


def _where(url: str) -> str:
    opened = Veil.open(url)
    try:
        return opened.where
    finally:
        opened.close()


def test_a_window_whose_server_restarts_saves_the_kept_decision_once_and_reviews_on(tmp_path: Path) -> None:
    server = start_or_skip()  # its own server: this test stops it
    try:
        url = server.url()
        _feed(url, tmp_path)
        where = _where(url)
        window = Driven(url, "root", ITEMS)
        try:
            saved = window.until("SAVED", random.Random(17).randint(3, ITEMS // 4))["SAVED"]
            server.pause()
            seen = window.until("KEPT")
            saved, (kept,) = saved + seen["SAVED"], seen["KEPT"]
            server.resume()  # back: the window sends the kept decision, then reviews on
            after = []
            while kept not in after:
                after += window.until("SAVED")["SAVED"]
            after += window.until("SAVED", 5)["SAVED"]
        finally:
            window.kill()
        reported = [*saved, *after]
        assert len(set(reported)) == len(reported)  # each reported once
        held, decisions, doubled = _held_and_decided(url)
        assert all(decisions.get(d) == 1 for d in reported), decisions
        assert len(reported) <= len(decisions) <= len(reported) + 1 and doubled == 0
        assert _outbox().pending(database=where, reviewer="root") == []
        assert len(held) <= 2  # the item shown and the one held ahead of it
    finally:
        server.stop()
