"""The review window, driven by keystrokes, on real databases, offscreen.

Each test opens the real window on a real SQLite file or PostgreSQL
database, presses keys the way a moderator does, and checks what landed in
the decision and audit tables.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QDialogButtonBox, QFileDialog, QMessageBox
from sqlalchemy import select

from db.models import AuditEvent, Decision, Exposure, Item, User
from db.session import describe, parse_url
from desktop import config
from desktop.core import audit
from desktop.core.people import users
from desktop.core.workspace import open_workspace
from desktop.domain.people import Role
from desktop.domain.review import ItemStatus
from desktop.ui.media_view import Level
from desktop.ui.review_window import ReviewWindow
from desktop.ui.theme import apply_theme, palette
from tests.conftest import CORPUS
from tests.e2e.test_cli import DEMO, veil
from tests.support.factories import add_items, add_user
from tests.support.pdf import pdf_text
from tests.ui.test_media_view import detail, detailed_picture, is_grey, on_screen, reference
from tests.unit.test_video import make_video

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from pytestqt.qtbot import QtBot

    from desktop.core.workspace import Workspace
    from desktop.ui.video_dialog import VideoDialog


FEED = CORPUS / "feeds" / "live-blog-2020-11-06.txt"
WAIT = 15_000


def _open(qtbot: QtBot, db_url: str, user: str, monkeypatch: pytest.MonkeyPatch, **settings: Any) -> ReviewWindow:
    monkeypatch.setenv("VEIL_DB_URL", db_url)
    monkeypatch.setenv("VEIL_USER", user)
    loaded = config.load()
    loaded = replace(loaded, values=replace(loaded.values, **settings))
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


def _held(db_url: str) -> dict[str, set[int]]:
    """The pending items each person holds a claim on."""
    ws = open_workspace(db_url)
    try:
        with ws.db.read() as session:
            held: dict[str, set[int]] = {}
            for item_id, name in session.execute(
                select(Item.id, User.name)
                .join(User, User.id == Item.claimed_by)
                .where(Item.status == ItemStatus.PENDING)
            ):
                held.setdefault(name, set()).add(item_id)
            return held
    finally:
        ws.close()


def describe_url(url: str) -> str:
    return describe(parse_url(url))


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
    assert window.actor is not None
    # Who and where; Qt adds " — Veil" itself (the application's display name).
    assert window.windowTitle().startswith(f"{window.actor.name} (") and "Veil" not in window.windowTitle()

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


# -- what the reviewer sees ---------------------------------------------------------------


def _photo_item(folder: Path, name: str, text: str) -> Path:
    """A folder item: a sharp picture and its text, as a drop folder holds them."""
    folder.mkdir(exist_ok=True)
    detailed_picture().save(folder / f"{name}.png")
    (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def test_media_stay_blurred_on_screen_until_revealed_and_again_after_moving_on(
    qtbot: QtBot, db_url: str, open_window: Callable[..., ReviewWindow], tmp_path: Path
) -> None:
    drop = _photo_item(tmp_path / "drop", "photo", "18+ photo from the scene")
    _ingest(db_url, drop, DEMO)
    window = open_window()
    qtbot.waitUntil(lambda: window.model.rowCount() > 2, timeout=WAIT)
    photo = next(window.model.entry(r).id for r in range(window.model.rowCount()) if window.model.entry(r).media)
    with qtbot.waitSignal(window.item_shown, timeout=WAIT):
        window.pick(photo)  # as a click in the list does
    (tile,) = window.grid.tiles()
    blurred = on_screen(qtbot, tile)
    size = (blurred.shape[1], blurred.shape[0])
    sharp = detail(reference(detailed_picture(), size))
    assert detail(blurred) < sharp / 20 and is_grey(blurred)

    press(Qt.Key.Key_R)  # the original is decoded on the picture worker
    qtbot.waitUntil(lambda: tile.shown_level == Level.CLEAR, timeout=WAIT)
    revealed = on_screen(qtbot, tile)
    assert detail(revealed) > sharp / 2 and is_grey(revealed)  # sharp, still grey
    press(Qt.Key.Key_C)
    qtbot.waitUntil(lambda: not is_grey(on_screen(qtbot, tile)), timeout=WAIT)

    decide_by_keys(qtbot, window, Qt.Key.Key_J)  # on to the next item...
    assert window.grid.revealed_media() == []
    decide_by_keys(qtbot, window, Qt.Key.Key_K)  # ...and back: blurred and grey again
    assert window.current is not None and window.current.view.id == photo
    (tile,) = window.grid.tiles()
    again = on_screen(qtbot, tile)
    assert detail(again) < sharp / 20 and is_grey(again)

    # Space held over the media reveals it; released, blurred again.
    QTest.keyPress(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.grid.revealed_media() != [], timeout=WAIT)
    QTest.keyRelease(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.grid.revealed_media() == [], timeout=WAIT)

    ws = open_workspace(db_url)
    try:
        with ws.db.read() as session:
            modes = list(session.scalars(select(Exposure.mode).where(Exposure.item_id == photo)))
    finally:
        ws.close()
    qtbot.waitUntil(lambda: "0:00" not in window.status_exposure.text() or modes.count("reveal") >= 1)
    assert modes.count("reveal") >= 1 and "view" in modes  # reveal time, and time on a graphic item


def test_suspected_csam_media_are_never_shown_to_anyone(
    qtbot: QtBot, db_url: str, open_window: Callable[..., ReviewWindow], tmp_path: Path
) -> None:
    drop = _photo_item(tmp_path / "drop", "photo", "18+ photo")
    _ingest(db_url, drop)
    window = open_window()  # root: an admin, the strongest role
    assert window.current is not None
    photo = window.current.view.id
    # Escalation reasons are listed by code: "csam-suspected" is the first.
    assert decide_by_keys(qtbot, window, Qt.Key.Key_E, Qt.Key.Key_1, Qt.Key.Key_Return) == 0
    back = decide_by_keys(qtbot, window, Qt.Key.Key_U)  # undone: the item returns, its media still withheld
    assert back == photo and window.current is not None and window.current.view.media_withheld
    assert window.current.previews == {}
    wanted: list[tuple[int, int, int]] = []
    window.grid.image_wanted.connect(lambda *args: wanted.append(args))
    for key in (Qt.Key.Key_R, Qt.Key.Key_BracketRight, Qt.Key.Key_C):
        press(key)
    press(Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyPress(window, Qt.Key.Key_Space)
    QTest.keyRelease(window, Qt.Key.Key_Space)
    assert wanted == [] and window.grid.revealed_media() == []
    assert all(tile.shown_level is None for tile in window.grid.tiles())


def test_a_break_is_suggested_after_graphic_items_and_the_answer_logged(
    qtbot: QtBot, db_url: str, open_window: Callable[..., ReviewWindow]
) -> None:
    _ingest(db_url, DEMO)
    window = open_window(break_graphic_items=2)
    with qtbot.waitSignal(window.reminder_shown, timeout=WAIT) as reminder:
        decide_by_keys(qtbot, window, Qt.Key.Key_A)
        decide_by_keys(qtbot, window, Qt.Key.Key_A)  # the demo feed starts with S3 items
    assert reminder.args == ["break"]
    assert window.banner.isVisible() and "break" in window.banner_text.text()
    QTest.mouseClick(window.banner_button, Qt.MouseButton.LeftButton)
    assert not window.banner.isVisible()
    qtbot.waitUntil(lambda: _audit_kinds(db_url).count("care.break") == 2, timeout=WAIT)


def test_two_windows_never_show_the_same_claimed_item(
    qtbot: QtBot, db_url: str, open_window: Callable[..., ReviewWindow], workspace: Workspace
) -> None:
    _ingest(db_url, DEMO)
    add_user(workspace, "alice", by="root")
    add_user(workspace, "bob", by="root")
    alice, bob = open_window("alice"), open_window("bob")
    for _ in range(4):
        assert alice.current is not None and bob.current is not None
        # Each holds two items: the one shown and the one after it, held ahead while it is read.
        qtbot.waitUntil(lambda: None not in (alice.controller.ahead.held, bob.controller.ahead.held), timeout=WAIT)
        mine = {alice.current.view.id, alice.controller.ahead.held}
        theirs = {bob.current.view.id, bob.controller.ahead.held}
        assert len(mine) == len(theirs) == 2 and not mine & theirs
        assert _held(db_url) == {"alice": mine, "bob": theirs}
        decide_by_keys(qtbot, alice, Qt.Key.Key_A) if _ % 2 else None
        bob.activateWindow()
        qtbot.waitUntil(bob.isActiveWindow)
        decide_by_keys(qtbot, bob, Qt.Key.Key_A)
        alice.activateWindow()
        qtbot.waitUntil(alice.isActiveWindow)
    decided = [(item, who) for item, _a, _l, _r, who in _decisions(db_url)]
    assert len({item for item, _who in decided}) == len(decided)


def test_quiet_items_are_approved_together_after_a_confirmation_with_the_count(
    qtbot: QtBot, db_url: str, open_window: Callable[..., ReviewWindow], workspace: Workspace
) -> None:
    quiet = add_items(workspace, 25, severity=0, prefix="quiet")
    window = open_window()
    qtbot.waitUntil(lambda: window.model.rowCount() == 25, timeout=WAIT)
    asked: list[str] = []

    def answer_yes() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        asked.append(box.text())
        box.button(QMessageBox.StandardButton.Yes).click()

    window.table.selectAll()
    QTimer.singleShot(0, answer_yes)
    with qtbot.waitSignal(window.item_shown, timeout=WAIT) as shown:
        press(Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    assert asked and "Approve 25 items" in asked[0]
    assert shown.args == [0]  # the item on screen was among them: the queue is empty now
    assert sorted(item for item, action, *_ in _decisions(db_url) if action == "approve") == quiet


def test_an_unusable_database_says_why(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "notes.sqlite3"
    bad.write_text("not a database\n" * 200)
    monkeypatch.setenv("VEIL_DB_URL", f"sqlite:///{bad}")
    window = ReviewWindow(config.load())
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.open_failed, timeout=WAIT) as failed:
        window.open_database()
    assert "is not an SQLite database" in str(failed.args[0])
    assert "cannot open its database" in window.empty.text() and window.empty.isVisible()
    window.close()


def test_veil_gui_screenshot_shows_the_first_item(db_url: str, tmp_path: Path) -> None:
    drop = _photo_item(tmp_path / "drop", "photo", "18+ photo from the scene")
    _ingest(db_url, drop, DEMO)
    shot = tmp_path / "window.png"
    env = {"QT_QPA_PLATFORM": "offscreen"}
    run = veil("gui", "--screenshot", str(shot), "--size", "1280x800", url=db_url, user="root", env=env)
    assert run.code == 0, run.err
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1280, 800)
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 23)}
    assert len(colours) > 20  # a window with content, not a blank


def test_veil_gui_screenshot_reports_an_unusable_database(tmp_path: Path) -> None:
    bad = tmp_path / "notes.sqlite3"
    bad.write_text("not a database\n" * 200)
    shot = tmp_path / "window.png"
    run = veil("gui", "--screenshot", str(shot), url=f"sqlite:///{bad}", env={"QT_QPA_PLATFORM": "offscreen"})
    assert run.code == 2
    assert "is not an SQLite database" in run.err
    assert shot.exists()  # the error page itself, for the record


def test_a_video_plays_only_when_asked_blurred_and_muted_and_closes_on_moving_on(
    qtbot: QtBot, db_url: str, open_window: Callable[..., ReviewWindow], tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    make_video(drop / "clip.mp4", frames=45, audio=True)
    (drop / "clip.txt").write_text("18+ video from the scene", encoding="utf-8")
    _ingest(db_url, drop, DEMO)
    window = open_window()
    qtbot.waitUntil(lambda: window.model.rowCount() > 2, timeout=WAIT)
    clip = next(window.model.entry(r).id for r in range(window.model.rowCount()) if window.model.entry(r).media)
    with qtbot.waitSignal(window.item_shown, timeout=WAIT):
        window.pick(clip)
    (tile,) = window.grid.tiles()
    assert window.video is None  # no autoplay: nothing opens by itself
    assert tile.play_button is not None
    QTest.mouseClick(tile.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.video is not None and window.video.player.duration() is not None, timeout=WAIT)
    dialog = _video_of(window)  # a call: mypy would keep the "is None" it learnt above
    assert dialog is not None
    player = dialog.player
    assert not player.is_playing() and player.level() == "default" and player.greyscale()
    assert player.speed() == 1.5 and player.jump_seconds == 5

    decide_by_keys(qtbot, window, Qt.Key.Key_J)  # J works from the player too; moving on closes it
    assert window.video is None
    qtbot.waitUntil(lambda: not [t for t in threading.enumerate() if t.name.startswith("veil-video")], timeout=WAIT)


def _video_of(window: ReviewWindow) -> VideoDialog | None:
    return window.video


# -- around the review ------------------------------------------------------------------


def test_sign_in_with_a_password_when_no_user_is_named(
    qtbot: QtBot, db_url: str, monkeypatch: pytest.MonkeyPatch, workspace: Workspace
) -> None:
    _ingest(db_url, DEMO)
    alice = add_user(workspace, "alice", by="root")
    with workspace.db.write() as session:
        users.set_password(session, alice, "alice", "correct horse", workspace.clock())
    monkeypatch.setenv("VEIL_DB_URL", db_url)  # no VEIL_USER: the window asks who is there
    window = ReviewWindow(config.load())
    qtbot.addWidget(window)
    window.show()
    window.open_database()
    qtbot.waitUntil(lambda: getattr(window, "sign_in_dialog", None) is not None, timeout=WAIT)
    dialog = window.sign_in_dialog
    qtbot.waitUntil(lambda: dialog.user_box.count() >= 2, timeout=WAIT)  # root and alice, read from the database
    dialog.user_box.setCurrentText("alice")
    qtbot.waitUntil(dialog.password_edit.isEnabled)
    QTest.keyClicks(dialog.password_edit, "correct horse")
    with qtbot.waitSignal(window.item_shown, timeout=WAIT):
        QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert window.actor is not None and window.actor.name == "alice"
    window.close()


def test_import_from_the_file_menu_fills_the_queue(
    qtbot: QtBot, open_window: Callable[..., ReviewWindow], tmp_path: Path
) -> None:
    window = open_window()
    assert window.current is None and window.load_demo_button.isVisible()  # empty: the demo is offered
    window.actions_by_name["import"].trigger()
    dialog = window.import_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.add_paths([FEED])
    with qtbot.waitSignal(window.item_shown, timeout=WAIT) as shown:
        dialog.start()
    assert shown.args[0] != 0  # the first imported item is on screen
    qtbot.waitUntil(lambda: window.model.rowCount() == 8, timeout=WAIT)


@pytest.mark.parametrize("locked", [False, True], ids=["free", "database-locked-by-IT"])
def test_settings_change_the_theme_and_view_at_once_and_persist(
    qtbot: QtBot, db_url: str, open_window: Callable[..., ReviewWindow], locked: bool
) -> None:
    _ingest(db_url, DEMO)
    if locked:  # the usual team set-up: saving must still apply (it reloads every setting)
        config.system_config_file().parent.mkdir(parents=True, exist_ok=True)
        config.system_config_file().write_text(f'db_url = "{db_url}"\nlocked = ["db_url"]\n', encoding="utf-8")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = (app.palette(), app.styleSheet(), app.font())
    apply_theme(app, "dark", 12)
    window = open_window()
    window.actions_by_name["settings"].trigger()
    dialog = window.settings_dialog
    theme = dialog.editors["theme"]
    assert isinstance(theme, QComboBox)
    theme.setCurrentText("light")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    try:
        assert window.palette().window().color() == palette("light").window().color()
        assert config.load().origins["theme"] == str(config.user_config_file())
        assert 'theme = "light"' in config.user_config_file().read_text(encoding="utf-8")
    finally:  # the application is shared with the other tests
        app.setPalette(before[0])
        app.setStyleSheet(before[1])
        app.setFont(before[2])


def test_closing_the_window_gives_the_held_item_back(
    qtbot: QtBot, db_url: str, open_window: Callable[..., ReviewWindow], workspace: Workspace
) -> None:
    _ingest(db_url, DEMO)
    window = open_window()
    assert window.current is not None
    held = window.current.view.id
    assert workspace.review.show(held).claimed_by == "root"
    window.close()
    assert workspace.review.show(held).claimed_by is None
    assert "release" in _audit_kinds(db_url)


def test_filters_narrow_the_list(qtbot: QtBot, db_url: str, open_window: Callable[..., ReviewWindow]) -> None:
    _ingest(db_url, DEMO, FEED)
    window = open_window()
    qtbot.waitUntil(lambda: window.model.rowCount() == 20, timeout=WAIT)
    window.filter_marker.setCurrentIndex(window.filter_marker.findData("21+"))
    qtbot.waitUntil(lambda: 0 < window.model.rowCount() < 20, timeout=WAIT)
    assert all("21+" in window.model.entry(r).markers for r in range(window.model.rowCount()))
    window.filter_source.setCurrentIndex(window.filter_source.findData("live-blog-2020-11-06"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=WAIT)  # the feed's three +21 posts
    assert all(window.model.entry(r).source == "live-blog-2020-11-06" for r in range(3))


def test_a_supervisor_resolves_escalations_and_a_moderator_is_not_offered_them(
    qtbot: QtBot, db_url: str, open_window: Callable[..., ReviewWindow], workspace: Workspace
) -> None:
    _ingest(db_url, DEMO)
    add_user(workspace, "mod", by="root")
    add_user(workspace, "sup", Role.SUPERVISOR, by="root")
    claimed = veil("claim", "--json", url=db_url, user="mod").json
    assert veil("decide", str(claimed["item_id"]), "--action", "escalate", "--reason", "unsure", "--note", "not sure",
                url=db_url, user="mod").code == 0  # fmt: skip
    moderator = open_window("mod")
    assert moderator.filter_status.findData(ItemStatus.ESCALATED) == -1
    moderator.close()

    supervisor = open_window("sup")
    with qtbot.waitSignal(supervisor.item_shown, timeout=WAIT) as shown:
        supervisor.filter_status.setCurrentIndex(supervisor.filter_status.findData(ItemStatus.ESCALATED))
    assert shown.args == [claimed["item_id"]]
    assert supervisor.current is not None and supervisor.current.view.status == ItemStatus.ESCALATED
    with qtbot.waitSignal(supervisor.decision_saved, timeout=WAIT):
        press(Qt.Key.Key_A)
    assert workspace.review.show(claimed["item_id"]).status == ItemStatus.DECIDED
    assert [a for i, a, *_ in _decisions(db_url) if i == claimed["item_id"]] == ["escalate", "approve"]


def test_the_shortcut_sheet_lists_every_menu_key(qtbot: QtBot, open_window: Callable[..., ReviewWindow]) -> None:
    window = open_window()
    press(Qt.Key.Key_Question)
    qtbot.waitUntil(lambda: getattr(window, "shortcut_sheet", None) is not None and window.shortcut_sheet.isVisible())
    table = window.shortcut_sheet.table
    listed = {cell.text() for row in range(table.rowCount()) if (cell := table.item(row, 0)) is not None}
    for name in ("approve", "warn", "remove", "escalate", "skip", "undo", "note", "next", "reveal", "colour"):
        key = window.actions_by_name[name].shortcut().toString()
        assert key in listed, name
    assert "Space (hold)" in listed


def test_a_blind_second_review_from_the_window(
    qtbot: QtBot, db_url: str, open_window: Callable[..., ReviewWindow], workspace: Workspace
) -> None:
    _ingest(db_url, DEMO)
    add_user(workspace, "mod", by="root")
    add_user(workspace, "peer", by="root")
    add_user(workspace, "sup", Role.SUPERVISOR, by="root")
    claimed = veil("claim", "--json", url=db_url, user="mod").json
    first = claimed["item_id"]
    assert veil("decide", str(first), "--action", "remove", "--reason", "gratuitous", url=db_url, user="mod").code == 0
    assert veil("qa", "sample", "--rate", "1", "--seed", "7", url=db_url, user="sup").code == 0

    window = open_window("peer")
    with qtbot.waitSignal(window.item_shown, timeout=WAIT) as shown:
        press(Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert shown.args == [first]
    assert window.current is not None
    assert window.current.view.decisions == [] and window.current.view.suggestion is None  # blind
    assert window.banner.isVisible() and "second review" in window.banner_text.text().lower()
    with qtbot.waitSignal(window.decision_saved, timeout=WAIT):
        press(Qt.Key.Key_A)

    rounds = [(item, action, who) for item, action, _l, _r, who in _decisions(db_url) if item == first]
    assert rounds == [(first, "remove", "mod"), (first, "approve", "peer")]
    view = workspace.review.show(first)
    assert view.status == ItemStatus.DECIDED and view.decisions[-1].round == 2
    assert _audit_kinds(db_url).count("qa.decision") == 1  # verified chain, one second decision


def test_supervisor_tools_are_offered_by_role_and_moderators_see_overrides_of_their_work(
    qtbot: QtBot, db_url: str, open_window: Callable[..., ReviewWindow], workspace: Workspace
) -> None:
    _ingest(db_url, DEMO)
    add_user(workspace, "mod", by="root")
    add_user(workspace, "sup", Role.SUPERVISOR, by="root")
    item = veil("claim", "--json", url=db_url, user="mod").json["item_id"]
    assert veil("decide", str(item), "--action", "approve", url=db_url, user="mod").code == 0
    assert veil("override", str(item), "--action", "remove", "--reason-code", "gratuitous", "--reason",
                "faces visible", url=db_url, user="sup").code == 0  # fmt: skip

    moderator = open_window("mod")
    assert "audit" not in moderator.actions_by_name and moderator.supervisor is None
    moderator.actions_by_name["feedback"].trigger()
    with qtbot.waitSignal(moderator.feedback_dialog.loaded, timeout=WAIT) as loaded:
        pass
    assert loaded.args == [1]  # the one override of their own work
    moderator.feedback_dialog.close()
    moderator.close()

    supervisor = open_window("sup")
    supervisor.actions_by_name["audit"].trigger()
    menu = supervisor.supervisor
    assert menu is not None and menu.audit_view is not None
    qtbot.waitUntil(lambda: menu.audit_view is not None and menu.audit_view.isVisible())
    answered: list[str] = []

    def close_box() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            answered.append(box.text())
            box.accept()

    timer = QTimer(supervisor)
    timer.timeout.connect(close_box)
    timer.start(50)
    supervisor.actions_by_name["verify"].trigger()
    qtbot.waitUntil(lambda: bool(answered), timeout=WAIT)
    timer.stop()
    assert "intact" in answered[0] and "Head hash" in answered[0]

    supervisor.actions_by_name["dashboard"].trigger()
    dashboard = menu.dashboard
    assert dashboard is not None
    qtbot.waitUntil(lambda: dashboard.report is not None, timeout=WAIT)
    assert dashboard.report is not None and dashboard.report.as_dict()["decisions"] == 1  # the moderator's approve


def test_veil_gui_screenshot_with_nobody_to_sign_in_as_says_so(db_url: str, tmp_path: Path) -> None:
    shot = tmp_path / "window.png"
    run = veil("gui", "--screenshot", str(shot), url=db_url, env={"QT_QPA_PLATFORM": "offscreen"})
    assert run.code == 2  # and it returned: the sign-in dialog does not hold it open
    assert "no user to sign in as" in run.err
    assert shot.exists()


def test_a_supervisor_saves_the_report_as_a_pdf(
    qtbot: QtBot,
    db_url: str,
    open_window: Callable[..., ReviewWindow],
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    _ingest(db_url, DEMO)
    add_user(workspace, "sup", Role.SUPERVISOR, by="root")
    target = tmp_path / "report.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(target), "PDF (*.pdf)"))
    supervisor = open_window("sup")
    # Holding the next item ahead is a claim in the audit chain: it lands before the report, not after.
    qtbot.waitUntil(lambda: supervisor.controller.ahead.held is not None, timeout=WAIT)

    supervisor.actions_by_name["report_pdf"].trigger()

    qtbot.waitUntil(lambda: "Report saved" in supervisor.statusBar().currentMessage(), timeout=WAIT)
    text = pdf_text(target)
    assert text.startswith("Veil — moderation report")
    assert audit.verify(workspace.db).head_hash in text


def test_an_open_dashboard_follows_the_decisions_made_in_the_window(
    qtbot: QtBot, db_url: str, open_window: Callable[..., ReviewWindow]
) -> None:
    """A decision's change notice reaches the supervisors' open views: no Refresh needed."""
    _ingest(db_url, DEMO)
    window = open_window()  # root: an admin, who has the supervisors' menu
    window.actions_by_name["dashboard"].trigger()
    menu = window.supervisor
    assert menu is not None and menu.dashboard is not None
    dashboard = menu.dashboard
    qtbot.waitUntil(lambda: dashboard.report is not None, timeout=WAIT)
    assert dashboard.report is not None and dashboard.report.decisions == 0
    with qtbot.waitSignal(window.item_shown, timeout=WAIT):
        window.actions_by_name["approve"].trigger()  # A, wherever the focus now is
    qtbot.waitUntil(lambda: dashboard.report is not None and dashboard.report.decisions == 1, timeout=WAIT)
    dashboard.close()


def test_a_sealed_media_store_reveals_pictures_and_plays_videos(
    qtbot: QtBot, db_url: str, open_window: Callable[..., ReviewWindow], tmp_path: Path
) -> None:
    """With a media store, only sealed copies are left to open: reveal and play unseal them in memory."""
    store = tmp_path / "share"
    store.mkdir()
    Path(os.environ["VEIL_SYSTEM_CONFIG"]).write_text(f'media_store = "{store}"\n', encoding="utf-8")
    drop = _photo_item(tmp_path / "drop", "photo", "18+ photo from the scene")
    make_video(drop / "clip.mp4", frames=20)
    (drop / "clip.txt").write_text("18+ video from the scene", encoding="utf-8")
    _ingest(db_url, drop)
    kept = [path for path in store.rglob("*") if path.is_file()]
    assert len(kept) == 2 and all(path.suffix == ".veil" for path in kept)
    shutil.rmtree(drop)  # the store's sealed copies are all there is

    window = open_window()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=WAIT)
    for row in range(2):
        with qtbot.waitSignal(window.item_shown, timeout=WAIT):
            window.pick(window.model.entry(row).id)
        (tile,) = window.grid.tiles()
        if tile.play_button is not None:
            QTest.mouseClick(tile.play_button, Qt.MouseButton.LeftButton)
            # The first frame, decoded from the sealed copy as it is unsealed.
            qtbot.waitUntil(
                lambda: window.video is not None and window.video.player.picture.image() is not None, timeout=WAIT
            )
        else:
            blurred = on_screen(qtbot, tile)
            sharp = detail(reference(detailed_picture(), (blurred.shape[1], blurred.shape[0])))
            window.activateWindow()  # back from the video's dialog, if it came first
            qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT)
            press(Qt.Key.Key_R)
            qtbot.waitUntil(lambda: tile.shown_level == Level.CLEAR, timeout=WAIT)  # noqa: B023 - waited on here
            assert detail(on_screen(qtbot, tile)) > sharp / 2
