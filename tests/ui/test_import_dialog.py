"""The import dialog on real files and real databases, offscreen.

Inputs are made in the test (JSONL manifests, a folder of pictures drawn
with Pillow, a file that is nothing Veil reads) and added through
``add_paths``, as the file pickers would; the import runs on the dialog's
own thread into the SQLite file or PostgreSQL database of the test.

Stopping is timed without sleeps: a handler connected directly to
``progressed`` runs on the import thread as the first chunk is reported and
has the UI thread press Cancel (or close the dialog) before the import goes
on, so the core sees the request at its next check, every time.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
from typing import TYPE_CHECKING

import pytest
from PIL import Image
from PySide6.QtCore import QMetaObject, QObject, Qt, QTimer, Slot
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from desktop.core.review import listing
from desktop.ui.import_dialog import ImportDialog
from tests.conftest import signed_in

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from db.session import Database
    from desktop.app.veil import Veil
    from desktop.core.workspace import Workspace
    from desktop.domain.ingest import IngestReport

WAIT = 60_000  # a rerun of the large import starts worker processes for its later chunks


def _manifest(path: Path, lines: int, *, prefix: str, media: dict[int, str] | None = None) -> Path:
    records = []
    for n in range(lines):
        record: dict[str, object] = {"id": f"{prefix}-{n}", "text": f"{prefix} post number {n}"}
        if media and n in media:
            record["media"] = [media[n]]
        records.append(json.dumps(record) + "\n")
    path.write_text("".join(records), encoding="utf-8")
    return path


def _picture(path: Path, colour: tuple[int, int, int]) -> Path:
    Image.new("RGB", (96, 64), colour).save(path)
    return path


def _import_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("veil-import")]


@pytest.fixture
def make_dialog(qtbot: QtBot) -> Iterator[Callable[[Veil], ImportDialog]]:
    made: list[ImportDialog] = []

    def make(veil: Veil) -> ImportDialog:
        dialog = ImportDialog(veil)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        made.append(dialog)
        return dialog

    yield make
    for dialog in made:
        dialog.close()
    # Closing joins the import thread: nothing of the dialog keeps running.
    assert not _import_threads()


@pytest.fixture
def importer(veil: Veil) -> Veil:
    veil.sign_in("root")  # the importer is a known user, as in the window
    return veil


@pytest.fixture
def database(workspace: Workspace) -> Database:
    """The same database, to check what the import stored."""
    return workspace.db


def _run(qtbot: QtBot, dialog: ImportDialog) -> IngestReport:
    with qtbot.waitSignal(dialog.finished_import, timeout=WAIT) as finished:
        QTest.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    report: IngestReport = finished.args[0]
    return report


def test_a_manifest_and_a_folder_of_pictures_land_in_the_queue(
    qtbot: QtBot, make_dialog: Callable[[Veil], ImportDialog], importer: Veil, database: Database, workspace: Workspace,
    tmp_path: Path,
) -> None:  # fmt: skip
    feed = tmp_path / "feed"
    feed.mkdir()
    _picture(feed / "attached.png", (200, 40, 40))
    manifest = _manifest(feed / "evening.jsonl", 3, prefix="evening", media={1: "attached.png"})
    photos = tmp_path / "photos"
    photos.mkdir()
    _picture(photos / "one.jpg", (20, 90, 140))
    _picture(photos / "two.jpg", (140, 120, 20))
    dialog = make_dialog(importer)

    dialog.add_paths([manifest, photos, manifest])  # the same input twice is listed once
    assert dialog.path_list.count() == 2
    report = _run(qtbot, dialog)

    assert (report.items_added, report.items_duplicate, report.media_added, report.errors) == (5, 0, 3, [])
    assert not report.stopped
    assert listing.count(database) == 5
    queued = {entry.text for entry in workspace.review.queue(limit=10)}
    assert {"evening post number 0", "evening post number 1", "evening post number 2"} <= queued
    assert listing.facets(database).sources == ["evening", "photos"]
    assert dialog.summary_label.text() == "Done: 5 items added, 0 already in Veil, 3 media files, 0 errors."
    assert not dialog.error_list.isVisible()
    assert dialog.start_button.isEnabled() and not dialog.cancel_button.isVisible()


def test_missing_and_unreadable_inputs_are_named_in_the_error_list(
    qtbot: QtBot, make_dialog: Callable[[Veil], ImportDialog], importer: Veil, database: Database, tmp_path: Path
) -> None:
    missing = tmp_path / "gone.jsonl"
    junk = tmp_path / "dump.bin"
    junk.write_bytes(bytes(range(256)) * 8)
    manifest = _manifest(tmp_path / "morning.jsonl", 2, prefix="morning")
    dialog = make_dialog(importer)
    dialog.add_paths([missing, junk, manifest])

    report = _run(qtbot, dialog)

    assert report.items_added == 2
    assert listing.count(database) == 2
    assert dialog.error_list.isVisible() and dialog.error_list.isReadOnly()
    assert dialog.error_list.toPlainText().splitlines() == [
        f"{missing}: no such file or folder",
        f"{junk}: not a format Veil reads (text, JSONL, CSV, Telegram, media)",
    ]
    assert dialog.error_list.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert dialog.summary_label.text().endswith("0 media files, 2 errors.")


def test_a_medium_that_cannot_be_shown_is_listed_with_its_item(
    qtbot: QtBot, make_dialog: Callable[[Veil], ImportDialog], importer: Veil, database: Database, tmp_path: Path
) -> None:
    _picture(tmp_path / "there.png", (40, 160, 90))
    manifest = _manifest(tmp_path / "noon.jsonl", 2, prefix="noon", media={0: "there.png", 1: "gone.jpg"})
    dialog = make_dialog(importer)
    dialog.add_paths([manifest])

    report = _run(qtbot, dialog)

    assert report.items_added == 2 and not report.errors
    assert listing.count(database) == 2  # the item waits for review without its picture
    (unshown,) = report.media_errors
    gone = tmp_path / "gone.jpg"
    assert unshown.path == str(gone.resolve()) and unshown.item is not None
    assert dialog.error_list.isVisible()
    assert dialog.errors_title.text() == "Not imported, or imported without a picture:"
    assert dialog.error_list.toPlainText().splitlines() == [
        f"media error: {gone.resolve()} (item {unshown.item}): {unshown.error}"
    ]
    assert dialog.summary_label.text() == (
        "Done: 2 items added, 0 already in Veil, 2 media files (1 could not be shown), 0 errors."
    )


def test_the_chosen_format_and_source_name_are_used(
    qtbot: QtBot, make_dialog: Callable[[Veil], ImportDialog], importer: Veil, database: Database, tmp_path: Path
) -> None:
    # Lines that auto-detection would take for a manifest, read as a plain text feed instead.
    notes = tmp_path / "notes.log"
    notes.write_text('{"text": "not a manifest here"}\n\nsecond entry of the feed\n', encoding="utf-8")
    dialog = make_dialog(importer)
    dialog.add_paths([notes])
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("text"))
    dialog.source_edit.setText("field-notes")

    report = _run(qtbot, dialog)

    assert report.items_added >= 1 and not report.errors
    assert listing.facets(database).sources == ["field-notes"]


def test_cancel_keeps_what_was_stored_and_a_rerun_adds_the_rest(
    qtbot: QtBot, make_dialog: Callable[[Veil], ImportDialog], importer: Veil, database: Database, tmp_path: Path
) -> None:
    manifests = [_manifest(tmp_path / f"part-{k}.jsonl", 500, prefix=f"part{k}") for k in range(3)]
    dialog = make_dialog(importer)
    dialog.add_paths(manifests)
    reported: list[int] = []

    def cancel_on_first_progress(report: IngestReport) -> None:
        # On the import thread: the UI thread presses Cancel before the import goes on.
        if not reported:
            QMetaObject.invokeMethod(dialog.cancel_button, "click", Qt.ConnectionType.BlockingQueuedConnection)
        reported.append(report.items_added)

    dialog.progressed.connect(cancel_on_first_progress, Qt.ConnectionType.DirectConnection)
    first = _run(qtbot, dialog)

    assert reported == [500]
    assert first.stopped
    assert first.items_added == 500 < 1500
    assert listing.count(database) == 500
    assert dialog.summary_label.text() == "Stopped: 500 items stored; run the import again to take the rest."

    dialog.progressed.disconnect(cancel_on_first_progress)
    again = _run(qtbot, dialog)

    assert not again.stopped
    assert (again.items_added, again.items_duplicate) == (1000, 500)
    assert listing.count(database) == 1500
    assert dialog.summary_label.text().startswith("Done: 1000 items added, 500 already in Veil")


class _Closer(QObject):
    """Closes the dialog on the UI thread and says Yes to its question."""

    def __init__(self, dialog: ImportDialog) -> None:
        super().__init__()
        self.dialog = dialog
        self.asked: list[str] = []

    @Slot()
    def close_dialog(self) -> None:
        QTimer.singleShot(0, self._answer_yes)
        self.dialog.close()

    def _answer_yes(self) -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        self.asked.append(box.text())
        box.button(QMessageBox.StandardButton.Yes).click()


def test_closing_during_an_import_asks_then_stops_and_waits_for_it(
    qtbot: QtBot, make_dialog: Callable[[Veil], ImportDialog], importer: Veil, database: Database, tmp_path: Path
) -> None:
    manifests = [_manifest(tmp_path / f"part-{k}.jsonl", 500, prefix=f"part{k}") for k in range(3)]
    dialog = make_dialog(importer)
    dialog.add_paths(manifests)
    closer = _Closer(dialog)
    closed_at: list[bool] = []

    def close_on_first_progress(_report: IngestReport) -> None:
        if not closed_at:
            QMetaObject.invokeMethod(closer, "close_dialog", Qt.ConnectionType.BlockingQueuedConnection)
            # Asked and answered; the dialog stays until the import has stopped.
            closed_at.append(dialog.isVisible())

    dialog.progressed.connect(close_on_first_progress, Qt.ConnectionType.DirectConnection)
    report = _run(qtbot, dialog)

    assert closer.asked and closer.asked[0].startswith("The import is still running. Stop it and close?")
    assert closed_at == [True]
    assert report.stopped and report.items_added == 500
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert not _import_threads()
    assert listing.count(database) == 500


def test_closing_from_outside_stops_the_import_and_waits_for_it(
    qtbot: QtBot, make_dialog: Callable[[Veil], ImportDialog], importer: Veil, database: Database, tmp_path: Path
) -> None:
    # What the window does when it quits with the dialog open: done() without a question.
    manifests = [_manifest(tmp_path / f"part-{k}.jsonl", 500, prefix=f"part{k}") for k in range(3)]
    dialog = make_dialog(importer)
    dialog.add_paths(manifests)
    QTest.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.running

    dialog.done(QDialog.DialogCode.Rejected)

    assert (dialog.isVisible(), dialog.running) == (False, False)  # a tuple: mypy would keep running True
    assert not _import_threads()
    # Stopped between chunks: whole chunks only, each committed on its own.
    assert listing.count(database) in (0, 500, 1000, 1500)


@pytest.mark.expected_log("desktop.ui.import_dialog", "ERROR")
def test_a_database_that_cannot_be_used_is_reported_in_one_line(
    qtbot: QtBot, make_dialog: Callable[[Veil], ImportDialog], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # An SQLite file that stopped being a whole Veil database behind Veil's back: a table is gone.
    path = tmp_path / "broken.sqlite3"
    broken = signed_in(f"sqlite:///{path}", "root")
    try:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("DROP TABLE team_setting")
        dialog = make_dialog(broken)
        dialog.add_paths([_manifest(tmp_path / "feed.jsonl", 2, prefix="feed")])
        # The unexpected error goes to the log with its traceback, for whoever supports the installation.
        with caplog.at_level(logging.ERROR), qtbot.assertNotEmitted(dialog.finished_import, wait=0):
            QTest.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: not dialog.running, timeout=WAIT)
        reason = "OperationalError: no such table: team_setting"
        assert [r.getMessage() for r in caplog.records] == [f"import failed: {reason}"]
        # The person at the keyboard gets one line.
        assert dialog.summary_label.text() == f"The import failed: {reason}"
        assert dialog.start_button.isEnabled()
    finally:
        broken.close()
