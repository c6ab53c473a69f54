"""The review window, driven by keystrokes, on real databases, offscreen.

Each test opens the real window on a real SQLite file or PostgreSQL
database, presses keys the way a moderator does, and checks what landed in
the decision and audit tables.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from db.models import AuditEvent, Decision, ItemStatus, User
from desktop import config
from desktop.core import audit
from desktop.core.workspace import open_workspace
from desktop.ui.review_window import ReviewWindow
from tests.conftest import CORPUS
from tests.e2e.test_cli import DEMO, veil

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from pytestqt.qtbot import QtBot


FEED = CORPUS / "feeds" / "live-blog-2020-11-06.txt"
WAIT = 15_000


def _open(qtbot: QtBot, db_url: str, user: str, monkeypatch: pytest.MonkeyPatch, **settings: object) -> ReviewWindow:
    monkeypatch.setenv("VEIL_DB_URL", db_url)
    monkeypatch.setenv("VEIL_USER", user)
    loaded = config.load()
    loaded.values.update(settings)
    window = ReviewWindow(loaded)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    with qtbot.waitSignal(window.item_shown, timeout=WAIT):
        window.open_database()
    return window


@pytest.fixture
def open_window(qtbot: QtBot, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., ReviewWindow]]:
    opened: list[ReviewWindow] = []

    def make(user: str = "root", **settings: object) -> ReviewWindow:
        window = _open(qtbot, db_url, user, monkeypatch, **settings)
        opened.append(window)
        return window

    yield make
    for window in opened:
        window.close()
    # Closing joins every worker: nothing of the window keeps running.
    assert not [t.name for t in threading.enumerate() if t.name.startswith("veil-")]


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key as the reviewer types it: to whatever has the focus."""
    target = QApplication.focusWidget() or QApplication.activeWindow()
    assert target is not None
    QTest.keyClick(target, key, modifier)


def decide_by_keys(qtbot: QtBot, window: ReviewWindow, *keys: Qt.Key) -> int:
    """Press ``keys``; wait for the next item to show; returns its id (0: queue empty)."""
    with qtbot.waitSignal(window.item_shown, timeout=WAIT) as shown:
        for key in keys:
            press(key)
    return int(shown.args[0])


def _ingest(ws_url: str, *paths: Path) -> None:
    assert veil("ingest", "--quiet", *map(str, paths), url=ws_url, user="root").code == 0


def _decisions(db_url: str) -> list[tuple[int, str, list[str], str | None, str]]:
    ws = open_workspace(db_url)
    try:
        with ws.db.read() as session:
            return [
                (d.item_id, d.action.value, list(d.labels), d.reason_code, name)
                for d, name in session.execute(
                    select(Decision, User.name)
                    .join(User, User.id == Decision.reviewer_id)
                    .order_by(Decision.decided_at, Decision.item_seq)
                )
            ]
    finally:
        ws.close()


def _audit_kinds(db_url: str) -> list[str]:
    ws = open_workspace(db_url)
    try:
        assert audit.verify(ws.db).ok
        with ws.db.read() as session:
            return list(session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)))
    finally:
        ws.close()


# -- the whole feed by keystrokes ------------------------------------------------------


def test_the_corpus_feed_reviewed_by_keystrokes(
    qtbot: QtBot, db_url: str, open_window: Callable[..., ReviewWindow]
) -> None:
    _ingest(db_url, FEED)
    window = open_window()
    planned: list[tuple[int, str, list[str], str | None]] = []
    escalated = False
    item = window.current.view.id if window.current else 0
    while item:
        view = window.current.view if window.current else None
        assert view is not None and view.id == item
        if view.severity == 3:  # remove, first reason ("glorification"), by keys
            planned.append((item, "remove", [], "glorification"))
            item = decide_by_keys(qtbot, window, Qt.Key.Key_X, Qt.Key.Key_1, Qt.Key.Key_Return)
        elif view.severity == 2:  # a warning label by its number, then W
            planned.append((item, "warn", ["graphic-violence"], None))
            item = decide_by_keys(qtbot, window, Qt.Key.Key_1, Qt.Key.Key_W)
        elif view.severity == 1 and not escalated:  # escalate once: "imminent-harm" is the 2nd reason
            escalated = True
            planned.append((item, "escalate", [], "imminent-harm"))
            item = decide_by_keys(qtbot, window, Qt.Key.Key_E, Qt.Key.Key_2, Qt.Key.Key_Return)
        else:
            planned.append((item, "approve", [], None))
            item = decide_by_keys(qtbot, window, Qt.Key.Key_A)

    assert len(planned) == 8 and escalated
    assert "queue is empty" in window.empty.text()
    assert [(i, a, labels, r) for i, a, labels, r, _who in _decisions(db_url)] == planned
    assert all(who == "root" for *_rest, who in _decisions(db_url))
    kinds = _audit_kinds(db_url)
    assert kinds.count("claim") == 8 and kinds.count("decision") == 8
    assert window.status_today.text() == "Today: 8 decisions"


def test_label_shortcuts_undo_and_skip(qtbot: QtBot, db_url: str, open_window: Callable[..., ReviewWindow]) -> None:
    _ingest(db_url, DEMO)
    window = open_window()
    assert window.current is not None
    first = window.current.view.id

    second = decide_by_keys(qtbot, window, Qt.Key.Key_1, Qt.Key.Key_3, Qt.Key.Key_W)
    assert second != first
    back = decide_by_keys(qtbot, window, Qt.Key.Key_U)  # the undone item comes back, held by me
    assert back == first
    assert window.current is not None and window.current.view.status == ItemStatus.PENDING
    after_skip = decide_by_keys(qtbot, window, Qt.Key.Key_S)
    assert after_skip not in (first, 0)

    rows = _decisions(db_url)
    assert [(i, a, labels) for i, a, labels, _r, _w in rows] == [
        (first, "warn", ["graphic-violence", "killing-on-camera"]),  # labels 1 and 3
        (first, "undo", []),
    ]
    assert "skip" in _audit_kinds(db_url)
