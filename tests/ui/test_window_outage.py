"""The review window while its PostgreSQL server is away, on a server of the test's own.

The server is stopped as a crash or a cut cable would stop it, and started
again: what the reviewer did meanwhile is kept, what failed to show comes
back without anyone asking, and an error in the window keeps the decision
on its way.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt, QTimer
from sqlalchemy import select

from db.models import Exposure
from desktop import config
from desktop.app.outbox import Outbox
from desktop.core.workspace import open_workspace
from desktop.domain.review import PendingExposure
from desktop.ui.crash import CrashReporter, Fate, LastDecision
from desktop.ui.media_view import Level
from tests.conftest import start_or_skip
from tests.e2e.test_cli import DEMO
from tests.ui.test_review_window import WAIT, _decisions, _ingest, _open, _photo_item, describe_url, press

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from desktop.ui.media_view import MediaTile
    from desktop.ui.review_window import ReviewWindow
    from tests.support.pgserver import PostgresServer

BACK = 60_000  # a restarted server, then the window's next retry (at most 30 s apart)


@pytest.fixture
def own_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of the test's own, with the demo feed: the test stops it."""
    server = start_or_skip()
    try:
        _ingest(server.url(), DEMO)
        yield server
    finally:
        server.stop()


def _kept() -> Outbox:
    """The outbox, as the window keeps it."""
    return Outbox(config.data_dir() / "pending-decisions.jsonl")


def _on_photo(qtbot: QtBot, window: ReviewWindow) -> MediaTile:
    """Show the item with a picture; its tile."""
    model = window.model
    qtbot.waitUntil(lambda: any(model.entry(r).media for r in range(model.rowCount())), timeout=WAIT)
    photo = next(model.entry(r).id for r in range(model.rowCount()) if model.entry(r).media)
    with qtbot.waitSignal(window.item_shown, timeout=WAIT):
        window.pick(photo)
    (tile,) = window.grid.tiles()
    return tile


def _exposures(url: str, mode: str) -> int:
    ws = open_workspace(url)
    try:
        with ws.db.read() as session:
            return len(session.scalars(select(Exposure).where(Exposure.mode == mode)).all())
    finally:
        ws.close()


def test_a_lost_database_keeps_the_decision_and_saves_it_when_back(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, own_server: PostgresServer
) -> None:
    server, url = own_server, own_server.url()
    window = _open(qtbot, url, "root", monkeypatch)
    assert window.current is not None
    first = window.current.view.id
    server.pause()  # the server is gone, as in a crash or a cut cable
    with qtbot.waitSignal(window.connection_changed, timeout=WAIT) as changed:
        press(Qt.Key.Key_A)
    assert changed.args == [False]
    assert window.banner.isVisible() and "not answering" in window.banner_text.text()
    assert window.decision_panel.pending
    # The decision goes to the outbox when its own attempt fails; the banner
    # may come first, from the item held ahead, whose read waits on the same server.
    qtbot.waitUntil(
        lambda: [p.item_id for p in _kept().pending(database=describe_url(url), reviewer="root")] == [first],
        timeout=WAIT,
    )

    server.resume()
    with qtbot.waitSignal(window.decision_saved, timeout=BACK):
        pass
    qtbot.waitUntil(lambda: window.current is not None and window.current.view.id != first, timeout=WAIT)
    assert [(i, a) for i, a, *_ in _decisions(url)] == [(first, "approve")]
    assert _kept().pending(database=describe_url(url), reviewer="root") == []
    assert not window.banner.isVisible()
    window.close()


def test_a_list_page_that_failed_is_read_again_when_the_database_answers(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, own_server: PostgresServer
) -> None:
    window = _open(qtbot, own_server.url(), "root", monkeypatch)
    listed = window.model.rowCount()
    assert listed > 0
    own_server.pause()
    with qtbot.waitSignal(window.connection_changed, timeout=WAIT) as changed:
        window.refresh()  # the list is emptied and its ids asked for: they fail
    assert changed.args == [False]
    assert window.model.rowCount() == 0
    own_server.resume()
    qtbot.waitUntil(lambda: window.model.rowCount() == listed, timeout=BACK)
    window.close()


def test_a_count_and_a_picture_that_failed_come_back_when_the_database_answers(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, own_server: PostgresServer, tmp_path: Path
) -> None:
    url = own_server.url()
    _ingest(url, _photo_item(tmp_path / "drop", "photo", "18+ photo from the scene"))
    window = _open(qtbot, url, "root", monkeypatch)
    tile = _on_photo(qtbot, window)
    qtbot.waitUntil(lambda: window.controller.pending_count is not None, timeout=WAIT)
    counted = window.controller.pending_count
    assert counted is not None and counted > 0

    own_server.pause()
    with qtbot.waitSignal(window.connection_changed, timeout=WAIT) as changed:
        press(Qt.Key.Key_R)  # the original is asked for: nobody answers
    assert changed.args == [False]
    assert tile.shown_level != Level.CLEAR  # still blurred: the picture did not come
    window.controller.refresh_counts()  # as the count's timer does
    qtbot.waitUntil(lambda: window.controller.pending_count is None, timeout=WAIT)
    assert window.queue_count.text() != f"{counted:,} pending"  # no stale figure shown as current

    own_server.resume()  # nobody touches the window from here on
    qtbot.waitUntil(lambda: tile.shown_level == Level.CLEAR, timeout=BACK)
    qtbot.waitUntil(lambda: window.controller.pending_count == counted, timeout=WAIT)
    assert window.queue_count.text() == f"{counted:,} pending"
    window.close()


def test_reveal_time_the_database_did_not_take_shows_as_not_saved_until_it_is(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, own_server: PostgresServer, tmp_path: Path
) -> None:
    url = own_server.url()
    _ingest(url, _photo_item(tmp_path / "drop", "photo", "18+ photo from the scene"))
    window = _open(qtbot, url, "root", monkeypatch)
    tile = _on_photo(qtbot, window)
    press(Qt.Key.Key_R)
    qtbot.waitUntil(lambda: tile.shown_level == Level.CLEAR, timeout=WAIT)
    sender = window.controller.outbox_sender
    assert sender.reveal_waiting_s() == 0

    own_server.pause()
    with qtbot.waitSignal(window.controller.exposure_kept, timeout=WAIT):
        press(Qt.Key.Key_R)  # blurred again: the reveal ends, and the database does not take it
    waiting = sender.reveal_waiting_s()
    assert waiting > 0 and window.care is not None and window.care.tracker.session_reveal_s >= waiting
    assert "not saved yet" in window.status_exposure.text()
    assert _exposures_kept(url) == 1

    own_server.resume()
    qtbot.waitUntil(lambda: sender.reveal_waiting_s() == 0, timeout=BACK)
    qtbot.waitUntil(lambda: "not saved yet" not in window.status_exposure.text(), timeout=WAIT)
    assert _exposures(url, "reveal") == 1
    window.close()


def _exposures_kept(url: str) -> int:
    return sum(isinstance(p, PendingExposure) for p in _kept().pending(database=describe_url(url), reviewer="root"))


def _broken_slot() -> None:
    raise RuntimeError("a slot broke")


@pytest.mark.expected_log("desktop.ui.crash", "ERROR")
def test_an_error_right_after_a_decision_keeps_the_decision_and_says_so(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, own_server: PostgresServer
) -> None:
    url = own_server.url()
    window = _open(qtbot, url, "root", monkeypatch)
    assert window.current is not None
    first = window.current.view.id
    reporter = CrashReporter(None)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # put back after the test
    reporter.install()
    reporter.keep_last_decision = window.controller.keep_last_decision

    own_server.pause()
    QTimer.singleShot(0, _broken_slot)  # runs right after the key's decision is sent
    press(Qt.Key.Key_A)
    qtbot.waitUntil(lambda: reporter.box is not None and reporter.box.isVisible(), timeout=WAIT)
    assert reporter.last == LastDecision(first, Fate.KEPT)
    assert reporter.box is not None and f"item {first}" in reporter.box.informativeText()
    kept = _kept().decisions(database=describe_url(url), reviewer="root")
    assert [p.item_id for p in kept] == [first]
    reporter.box.close()
    qtbot.waitUntil(lambda: reporter.box is None, timeout=WAIT)  # read and gone: the next error gets its own

    own_server.resume()
    qtbot.waitUntil(lambda: window.controller.last_saved_item == first, timeout=BACK)
    assert [(i, a) for i, a, *_ in _decisions(url)] == [(first, "approve")]  # once, though kept twice
    QTimer.singleShot(0, _broken_slot)
    qtbot.waitUntil(lambda: reporter.caught == 2, timeout=WAIT)
    assert reporter.last == LastDecision(first, Fate.SAVED)
    assert reporter.box is not None and f"item {first}" in reporter.box.informativeText()
    reporter.box.close()
    window.close()
