"""The main window with real widgets, offscreen, on real databases."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from desktop import config
from desktop.ui.main_window import MainWindow
from tests.e2e.test_cli import DEMO, veil

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from pytestqt.qtbot import QtBot


@pytest.fixture
def window(qtbot: QtBot, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    monkeypatch.setenv("VEIL_DB_URL", db_url)
    monkeypatch.setenv("VEIL_USER", "root")
    win = MainWindow(config.load())
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    # Closing joins the database worker: nothing of the window keeps running.
    assert not [t.name for t in threading.enumerate() if t.name.startswith("veil-db")]


def test_window_lists_the_queue_in_review_order(qtbot: QtBot, db_url: str, window: MainWindow) -> None:
    assert veil("ingest", str(DEMO), url=db_url, user="root").code == 0
    with qtbot.waitSignal(window.queue_loaded, timeout=10_000) as loaded:
        window.open_database()

    assert loaded.args == [12]
    assert window.model.rowCount() == 12
    severities = [window.model.entry(r).severity for r in range(12)]
    assert severities == sorted(severities, reverse=True)
    assert "21+" in window.model.index(0, 2).data()
    assert not window.banner.isVisible()
    assert "12 pending" in window.status_label.text()
    assert "signed in as root (admin)" in window.status_label.text()


def test_empty_database_offers_the_demo_feed(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.queue_loaded, timeout=10_000):
        window.open_database()
    assert window.banner.isVisible()
    assert window.model.rowCount() == 0

    with qtbot.waitSignal(window.queue_loaded, timeout=10_000) as loaded:
        QTest.mouseClick(window.load_demo_button, Qt.MouseButton.LeftButton)

    assert loaded.args == [12]
    assert not window.banner.isVisible()


def test_refresh_shortcut_reloads(qtbot: QtBot, db_url: str, window: MainWindow) -> None:
    with qtbot.waitSignal(window.queue_loaded, timeout=10_000):
        window.open_database()
    assert veil("ingest", str(DEMO), url=db_url, user="root").code == 0
    with qtbot.waitSignal(window.queue_loaded, timeout=10_000) as loaded:
        QTest.keyClick(window, Qt.Key.Key_F5)
    assert loaded.args == [12]


def test_unusable_database_shows_why(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "notes.sqlite3"
    bad.write_text("not a database\n" * 200)
    monkeypatch.setenv("VEIL_DB_URL", f"sqlite:///{bad}")
    win = MainWindow(config.load())
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.open_failed, timeout=10_000) as failed:
        win.open_database()
    assert "is not an SQLite database" in str(failed.args[0])
    assert win.pages.currentWidget() is win.error_label
    assert "cannot open its database" in win.error_label.text()
    assert not win.refresh_action.isEnabled()
    win.close()


def test_veil_gui_screenshot_runs_the_real_app(db_url: str, tmp_path: Path) -> None:
    assert veil("ingest", str(DEMO), url=db_url, user="root").code == 0
    shot = tmp_path / "window.png"
    run = veil("gui", "--screenshot", str(shot), url=db_url, user="root", env={"QT_QPA_PLATFORM": "offscreen"})
    assert run.code == 0, run.err
    image = QImage(str(shot))
    assert image.width() >= 800 and image.height() >= 500
    # The window is not blank: its pixels are not all one colour.
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 23)}
    assert len(colours) > 3


def test_veil_gui_screenshot_reports_an_unusable_database(tmp_path: Path) -> None:
    bad = tmp_path / "notes.sqlite3"
    bad.write_text("not a database\n" * 200)
    shot = tmp_path / "window.png"
    run = veil("gui", "--screenshot", str(shot), url=f"sqlite:///{bad}", env={"QT_QPA_PLATFORM": "offscreen"})
    assert run.code == 2
    assert "is not an SQLite database" in run.err
    assert shot.exists()  # the error page itself, for the record


def test_selecting_an_item_shows_its_preview_in_greyscale(
    qtbot: QtBot, db_url: str, window: MainWindow, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    Image.new("RGB", (640, 480), (220, 20, 20)).save(drop / "red.jpg")
    (drop / "red.txt").write_text("A red picture +21", encoding="utf-8")
    assert veil("ingest", str(drop), str(DEMO), url=db_url, user="root").code == 0
    with qtbot.waitSignal(window.queue_loaded, timeout=10_000):
        window.open_database()
    row = next(r for r in range(window.model.rowCount()) if window.model.entry(r).media)

    with qtbot.waitSignal(window.preview_shown, timeout=10_000) as shown:
        window.table.selectRow(row)

    assert shown.args == [window.model.entry(row).id]
    pixmap = window.preview.pixmap()
    assert not pixmap.isNull()
    pixel = pixmap.toImage().pixelColor(pixmap.width() // 2, pixmap.height() // 2)
    assert pixel.red() == pixel.green() == pixel.blue()  # red, shown grey

    text_only = next(r for r in range(window.model.rowCount()) if not window.model.entry(r).media)
    with qtbot.waitSignal(window.preview_shown, timeout=10_000):
        window.table.selectRow(text_only)
    assert window.preview.text() == "No media"
