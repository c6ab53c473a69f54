"""The review loop without a window: the controller on a real database, its signals awaited."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import select
from sqlalchemy.engine import make_url

from db.models import Item
from desktop import config
from desktop.app.outbox import Outbox
from desktop.core.workspace import open_workspace
from desktop.domain.queue import QueueFilter
from desktop.domain.review import Action, DecisionRequest, ItemStatus, PendingDecision, PendingExposure, Replayed
from desktop.ui.loaded import Loaded, Opened
from desktop.ui.review_controller import ReviewController
from tests.conftest import signed_in
from tests.support.factories import add_items

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytestqt.qtbot import QtBot

WAIT = 15_000


@pytest.fixture
def items(db_url: str) -> list[int]:
    ws = open_workspace(db_url)
    try:
        ws.actor("root")  # the first user, an admin
        return add_items(ws, 5, severity=1)
    finally:
        ws.close()


@pytest.fixture
def controller(
    qtbot: QtBot, db_url: str, items: list[int], monkeypatch: pytest.MonkeyPatch
) -> Iterator[ReviewController]:
    monkeypatch.setenv("VEIL_DB_URL", db_url)
    monkeypatch.setenv("VEIL_USER", "root")
    made = ReviewController(config.load())
    yield made
    made.close()
    assert not [t.name for t in threading.enumerate() if t.name.startswith("veil-")]


def open_and_show(qtbot: QtBot, controller: ReviewController) -> Loaded:
    with qtbot.waitSignal(controller.shown, timeout=WAIT) as shown:
        controller.open_database()
    found = shown.args[0]
    assert isinstance(found, Loaded)
    return found


def test_opening_signs_in_the_named_user_and_shows_the_first_item(
    qtbot: QtBot, controller: ReviewController, items: list[int]
) -> None:
    with qtbot.waitSignal(controller.opened, timeout=WAIT) as opened:
        first = open_and_show(qtbot, controller)
    info = opened.args[0]
    assert isinstance(info, Opened) and info.actor.name == "root" and info.replayed == Replayed()
    assert first.view.id == items[0] and first.view.claimed_by == "root"
    assert controller.can_decide()


def test_a_decision_is_saved_before_the_next_item_shows(
    qtbot: QtBot, controller: ReviewController, db_url: str, items: list[int]
) -> None:
    first = open_and_show(qtbot, controller)
    saved: list[str] = []
    controller.decision_saved.connect(saved.append)
    with qtbot.waitSignal(controller.shown, timeout=WAIT) as shown:
        controller.decide(DecisionRequest(Action.APPROVE, (), None, "fine"))
    # The decision was committed before the next item came.
    assert saved and controller.pending is None
    check = signed_in(db_url, "root")
    try:
        view = check.review.show(first.view.id)
        assert view.status == ItemStatus.DECIDED and view.decisions[-1].note == "fine"
    finally:
        check.close()
    following = shown.args[0]
    assert isinstance(following, Loaded) and following.view.id == items[1]


def test_skip_and_undo(qtbot: QtBot, controller: ReviewController, items: list[int]) -> None:
    first = open_and_show(qtbot, controller)
    with qtbot.waitSignal(controller.shown, timeout=WAIT) as shown:
        controller.skip()
    assert shown.args[0].view.id == items[1] != first.view.id
    with qtbot.waitSignal(controller.shown, timeout=WAIT):
        controller.decide(DecisionRequest(Action.APPROVE, (), None, None))
    with qtbot.waitSignal(controller.shown, timeout=WAIT) as shown:
        controller.undo()
    back = shown.args[0]
    assert back.view.id == items[1] and back.view.status == ItemStatus.PENDING and back.view.claimed_by == "root"


def held(db_url: str) -> set[int]:
    """The pending items someone holds a claim on."""
    ws = open_workspace(db_url)
    try:
        with ws.db.read() as session:
            claimed = select(Item.id).where(Item.status == ItemStatus.PENDING, Item.claimed_by.is_not(None))
            return set(session.scalars(claimed))
    finally:
        ws.close()


def wait_held_ahead(qtbot: QtBot, controller: ReviewController, item_id: int) -> Loaded:
    qtbot.waitUntil(lambda: item_id in controller.ahead.items, timeout=WAIT)
    assert controller.ahead.held == item_id
    return controller.ahead.items[item_id]


def test_the_next_item_is_held_ahead_and_shown_as_it_was_read(
    qtbot: QtBot, controller: ReviewController, db_url: str, items: list[int]
) -> None:
    first = open_and_show(qtbot, controller)
    ahead = wait_held_ahead(qtbot, controller, items[1])
    assert ahead.view.claimed_by == "root" and held(db_url) == {first.view.id, items[1]}
    with qtbot.waitSignal(controller.shown, timeout=WAIT) as shown:
        controller.decide(DecisionRequest(Action.APPROVE, (), None, None))
    assert shown.args[0] is ahead  # not read again: shown as read (and decoded) ahead
    # The decision's transaction held the one after it: still two items held, the decided one not among them.
    assert controller.ahead.held == items[2] and held(db_url) == {items[1], items[2]}
    wait_held_ahead(qtbot, controller, items[2])


def test_skipping_shows_the_item_held_ahead_and_picking_holds_one_ahead_again(
    qtbot: QtBot, controller: ReviewController, db_url: str, items: list[int]
) -> None:
    open_and_show(qtbot, controller)
    ahead = wait_held_ahead(qtbot, controller, items[1])
    with qtbot.waitSignal(controller.shown, timeout=WAIT) as shown:
        controller.skip()
    assert shown.args[0].view.id == ahead.view.id
    wait_held_ahead(qtbot, controller, items[2])
    # A pick gives back every other item held; the one after it is held again once it shows.
    with qtbot.waitSignal(controller.shown, timeout=WAIT) as shown:
        controller.pick(items[4])
    assert shown.args[0].view.id == items[4]
    again = controller.ahead
    qtbot.waitUntil(lambda: again.held is not None and again.held in again.items, timeout=WAIT)
    assert again.held != items[4] and held(db_url) == {items[4], again.held}


def test_the_item_held_ahead_is_given_back_on_leaving_the_queue_and_on_close(
    qtbot: QtBot, controller: ReviewController, db_url: str, items: list[int]
) -> None:
    open_and_show(qtbot, controller)
    wait_held_ahead(qtbot, controller, items[1])
    with qtbot.waitSignal(controller.shown, timeout=WAIT) as shown:
        controller.set_filter(QueueFilter(status=ItemStatus.ESCALATED))
    assert shown.args[0] is None and controller.ahead.held is None  # no escalations
    assert held(db_url) == set()
    with qtbot.waitSignal(controller.shown, timeout=WAIT):
        controller.set_filter(QueueFilter())
    wait_held_ahead(qtbot, controller, items[1])
    assert held(db_url) == {items[0], items[1]}
    controller.close()
    assert held(db_url) == set()


def test_decisions_left_in_the_outbox_are_saved_at_sign_in(
    qtbot: QtBot, controller: ReviewController, db_url: str, items: list[int]
) -> None:
    check = signed_in(db_url, "root")
    try:
        where = check.where
        outbox = Outbox(controller.outbox.path)
        outbox.add(PendingDecision(str(uuid.uuid4()), items[3], "approve", where, "root"))
        with qtbot.waitSignal(controller.opened, timeout=WAIT) as opened:
            open_and_show(qtbot, controller)
        assert opened.args[0].replayed == Replayed(decisions=1)
        assert check.review.show(items[3]).status == ItemStatus.DECIDED
        assert outbox.pending(database=where, reviewer="root") == []
    finally:
        check.close()


@contextmanager
def database_away(db_url: str) -> Iterator[None]:
    """The database stops answering: an SQLite file write-locked by another
    program, a PostgreSQL database renamed away (its sessions ended)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(str(url.database), isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    admin = url.set(database="postgres").render_as_string(hide_password=False).replace("+psycopg", "")
    name = str(url.database)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        conn.execute(
            sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(name), sql.Identifier(name + "_away"))
        )
        try:
            yield
        finally:
            conn.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(name + "_away"), sql.Identifier(name))
            )
            conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(name)))


def test_exposure_while_the_database_is_away_is_kept_and_recorded_once_on_reconnect(
    qtbot: QtBot, db_url: str, items: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEIL_DB_URL", db_url)
    monkeypatch.setenv("VEIL_USER", "root")
    monkeypatch.setenv("VEIL_BUSY_TIMEOUT_MS", "200")  # a locked file is reported at once
    controller = ReviewController(config.load())
    try:
        first = open_and_show(qtbot, controller)
        assert controller.veil is not None
        where, since = controller.veil.where, datetime.now(UTC) - timedelta(hours=1)
        started = datetime.now(UTC) - timedelta(seconds=20)
        with database_away(db_url):
            with qtbot.waitSignal(controller.exposure_kept, timeout=WAIT):
                controller.record_exposure(first.view.id, None, "view", started, 20.0)
            kept = controller.outbox.pending(database=where, reviewer="root")
            assert [(p.item_id, p.seconds) for p in kept if isinstance(p, PendingExposure)] == [(first.view.id, 20.0)]
            assert not controller.connected and controller.exposure_waiting()
        # It answers again: the retry sends the outbox.
        qtbot.waitUntil(lambda: controller.connected and not controller.exposure_waiting(), timeout=WAIT)
        check = signed_in(db_url, "root")
        try:
            assert check.care.day_so_far(since).graphic_s == 20.0
            # Sent again (a crash before the file was rewritten): still once.
            outbox = Outbox(controller.outbox.path)
            outbox.add(kept[0])
            check.review.replay(outbox)
            assert check.care.day_so_far(since).graphic_s == 20.0
        finally:
            check.close()
    finally:
        controller.close()
