"""Importing files and folders into the queue, with progress and a way out.

The import runs on a thread of the dialog's own (``veil-import``), never on
the window's writer: a long import must not hold up decisions, and the
database takes both (each chunk of the import is one short transaction).
``veil.ingest.files`` reports progress after every stored chunk through a
plain callback; the dialog turns it into a signal so the counts are drawn
on the UI thread.

Stopping is cooperative: the ingest asks ``stop`` between chunks, keeps what
it has stored and says so in the report; running the same import again
adds only what is missing. Closing the dialog during an import asks first,
then waits for the chunk in hand before it closes, so nothing is left
half-written and no thread outlives the dialog.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import VeilError
from desktop.domain.ingest import FORMATS
from desktop.ui.workers import DbOp, DbWorker

if TYPE_CHECKING:
    from collections.abc import Iterable

    from desktop.app.veil import Veil
    from desktop.domain.ingest import IngestReport

log = logging.getLogger(__name__)

_FORMAT_NAMES = {
    "auto": "Automatic (judged by content)",
    "text": "Text feed",
    "jsonl": "JSONL manifest",
    "csv": "CSV manifest",
    "telegram": "Telegram export",
    "folder": "Folder of media",
}


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _snapshot(report: IngestReport) -> IngestReport:
    """A copy for the UI thread: the ingest goes on adding to its own."""
    return replace(report, errors=list(report.errors), media_errors=list(report.media_errors))


def _problems(report: IngestReport | None) -> list[str]:
    """One line for each input not imported and each medium that cannot be
    shown, in the CLI's words, so a ticket reads the same from either."""
    if report is None:
        return []
    lines = [f"{e.path}: {e.error}" for e in report.errors]
    for media in report.media_errors:
        item = "item not stored" if media.item is None else f"item {media.item}"
        lines.append(f"media error: {media.path} ({item}): {media.error}")
    return lines


def _unshown(report: IngestReport) -> str:
    """ " (2 could not be shown)" after the media count; nothing when all can be."""
    return f" ({len(report.media_errors)} could not be shown)" if report.media_errors else ""


def _reason(error: Exception) -> str:
    """One line for a person: Veil's own errors say it already; others get their first line."""
    if isinstance(error, VeilError):
        return str(error)
    # A driver's error wrapped by the database layer: the driver's words, without the SQL after them.
    cause = getattr(error, "orig", None) or error
    first = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first}" if first else type(cause).__name__


class ImportDialog(QDialog):
    # The report of an import that ended, stopped or not (IngestReport).
    finished_import = Signal(object)
    # A copy of the report so far (IngestReport), after each stored chunk.
    # Emitted on the import thread: the dialog's own slot gets it queued.
    progressed = Signal(object)

    def __init__(self, veil: Veil, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._veil = veil
        self._paths: list[Path] = []
        self._worker: DbWorker | None = None
        self._stop = threading.Event()
        self._running = False
        self._close_when_done = False
        self._last: IngestReport | None = None  # the latest progress, for a run that then fails
        self.report: IngestReport | None = None
        self._build()
        self._connect_signals()
        self._update_buttons()

    # == building =============================================================

    def _build(self) -> None:
        self.setWindowTitle("Import into Veil")
        self.resize(720, 560)

        self.path_list = QListWidget()
        self.path_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.path_list.setToolTip("Files and folders to import, in this order")
        self.add_files_button = QPushButton("Add files…")
        self.add_folder_button = QPushButton("Add folder…")
        self.remove_button = QPushButton("Remove")
        for button in (self.add_files_button, self.add_folder_button, self.remove_button):
            button.setAutoDefault(False)  # Enter starts the import, nothing else
        inputs = QGridLayout()
        inputs.addWidget(QLabel("Files and folders to import:"), 0, 0, 1, 2)
        inputs.addWidget(self.path_list, 1, 0, 4, 1)
        inputs.addWidget(self.add_files_button, 1, 1)
        inputs.addWidget(self.add_folder_button, 2, 1)
        inputs.addWidget(self.remove_button, 3, 1)
        inputs.setRowStretch(4, 1)

        self.format_box = QComboBox()
        for fmt in FORMATS:
            self.format_box.addItem(_FORMAT_NAMES.get(fmt, fmt), fmt)
        self.source_edit = QLineEdit()
        self.source_edit.setPlaceholderText("each file's or folder's name")
        self.source_edit.setClearButtonEnabled(True)
        options = QFormLayout()
        options.addRow("Format:", self.format_box)
        options.addRow("Source name:", self.source_edit)

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 0)  # busy: the ingest does not know the total ahead
        self.progress_bar.setTextVisible(False)
        self.progress_bar.hide()
        self.counts_label = QLabel()
        self.counts_label.setObjectName("importCounts")
        self.counts_label.hide()
        self.summary_label = QLabel("Add files or folders, then start the import.")
        self.summary_label.setObjectName("importSummary")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.errors_title = QLabel("Not imported:")
        self.error_list = QPlainTextEdit()
        self.error_list.setObjectName("importErrors")
        self.error_list.setReadOnly(True)  # read-only still selects and copies, for a ticket
        self.errors_title.hide()
        self.error_list.hide()

        self.start_button = QPushButton("Start import")
        self.start_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel import")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setToolTip("Stop after the part being stored; what is stored stays")
        self.close_button = QPushButton("Close")
        self.close_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.start_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addLayout(inputs, 2)
        layout.addLayout(options)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.counts_label)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.errors_title)
        layout.addWidget(self.error_list, 3)
        layout.addStretch(0)
        layout.addLayout(buttons)

    def _connect_signals(self) -> None:
        self.add_files_button.clicked.connect(self._on_add_files_button_clicked)
        self.add_folder_button.clicked.connect(self._on_add_folder_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.path_list.itemSelectionChanged.connect(self._update_buttons)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.request_stop)
        self.close_button.clicked.connect(self.reject)
        self.progressed.connect(self._on_progressed)

    # == inputs ===============================================================

    @property
    def running(self) -> bool:
        return self._running

    def add_paths(self, paths: Iterable[Path]) -> None:
        """Add inputs to the list, each once, in the order given."""
        for path in paths:
            if path not in self._paths:
                self._paths.append(path)
                self.path_list.addItem(str(path))
        self._update_buttons()

    @Slot()
    def _on_add_files_button_clicked(self) -> None:
        # Every file, not a filter by extension: the format is judged by content.
        names, _filter = QFileDialog.getOpenFileNames(self, "Add files to import", "", "All files (*)")
        self.add_paths(Path(name) for name in names)

    @Slot()
    def _on_add_folder_button_clicked(self) -> None:
        name = QFileDialog.getExistingDirectory(self, "Add a folder to import")
        if name:
            self.add_paths([Path(name)])

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        for row in sorted((index.row() for index in self.path_list.selectedIndexes()), reverse=True):
            self.path_list.takeItem(row)
            del self._paths[row]
        self._update_buttons()

    @Slot()
    def _update_buttons(self) -> None:
        idle = not self._running
        self.start_button.setEnabled(idle and bool(self._paths))
        self.cancel_button.setVisible(self._running)
        self.cancel_button.setEnabled(self._running and not self._stop.is_set())
        self.close_button.setEnabled(not self._close_when_done)
        for widget in (self.add_files_button, self.add_folder_button, self.format_box, self.source_edit):
            widget.setEnabled(idle)
        self.remove_button.setEnabled(idle and bool(self.path_list.selectedIndexes()))

    # == running ==============================================================

    @Slot()
    def start(self) -> None:
        """Import the listed inputs on the dialog's thread."""
        if self._running or not self._paths:
            return
        veil, stop = self._veil, self._stop
        paths = list(self._paths)
        fmt = str(self.format_box.currentData())
        source = self.source_edit.text().strip() or None
        stop.clear()

        def work() -> IngestReport:
            return veil.ingest.files(
                paths, fmt=fmt, source=source, progress=self._report_progress, stop=stop.is_set
            ).value

        if self._worker is None:
            self._worker = DbWorker(self, name="veil-import")
        self._running = True
        self._last = None
        self.report = None
        self.progress_bar.show()
        self._show_counts(None)
        self.counts_label.show()
        self.summary_label.setText("Importing…")
        self._show_errors([])
        self._update_buttons()
        DbOp(self._worker, work).success(self._on_import_done).failure(self._on_import_failed).run()

    def _report_progress(self, report: IngestReport) -> None:
        # On the import thread: hand a copy over, touch no widget.
        self.progressed.emit(_snapshot(report))

    @Slot()
    def request_stop(self) -> None:
        """Ask the import to stop after the chunk in hand; what is stored stays."""
        if not self._running or self._stop.is_set():
            return
        self._stop.set()
        self.summary_label.setText("Stopping after the part being stored…")
        self._update_buttons()

    @Slot(object)
    def _on_progressed(self, report: IngestReport) -> None:
        if self._running:
            self._last = report
            self._show_counts(report)

    def _on_import_done(self, report: IngestReport) -> None:
        self._finish()
        self.report = report
        stored = _count(report.items_added, "item")
        errors = _count(len(report.errors), "error")
        if report.stopped:
            text = f"Stopped: {stored} stored; run the import again to take the rest."
            if report.errors:
                text += f" {errors} so far."
        else:
            text = (
                f"Done: {stored} added, {report.items_duplicate} already in Veil, "
                f"{_count(report.media_added, 'media file')}{_unshown(report)}, {errors}."
            )
        self.summary_label.setText(text)
        self._show_errors(_problems(report), media=bool(report.media_errors))
        self.finished_import.emit(report)
        self._close_if_asked()

    def _on_import_failed(self, error: Exception) -> None:
        self._finish()
        if not isinstance(error, VeilError):
            log.error("import failed: %s", _reason(error), exc_info=error)
        text = f"The import failed: {_reason(error)}"
        if self._last is not None and self._last.items_added:
            kept = _count(self._last.items_added, "item")
            text += f"\n{kept} stored before that stay; run the import again to take the rest."
        self.summary_label.setText(text)
        self._show_errors(_problems(self._last), media=self._last is not None and bool(self._last.media_errors))
        self._close_if_asked()

    def _finish(self) -> None:
        self._running = False
        self.progress_bar.hide()
        self.counts_label.hide()  # the summary says it in a sentence
        self._update_buttons()

    def _close_if_asked(self) -> None:
        if self._close_when_done:
            self._close_when_done = False
            super().reject()

    def _show_counts(self, report: IngestReport | None) -> None:
        added, duplicate, media, errors = (
            (report.items_added, report.items_duplicate, report.media_added, len(report.errors))
            if report is not None
            else (0, 0, 0, 0)
        )
        self.counts_label.setText(
            f"Items added {added} · already in Veil {duplicate} · media files {media} · errors {errors}"
        )

    def _show_errors(self, lines: list[str], *, media: bool = False) -> None:
        # Media that cannot be shown came in with their items: "not imported" alone would mislead.
        self.errors_title.setText("Not imported, or imported without a picture:" if media else "Not imported:")
        self.error_list.setPlainText("\n".join(lines))
        self.errors_title.setVisible(bool(lines))
        self.error_list.setVisible(bool(lines))

    # == closing ==============================================================

    def reject(self) -> None:
        """Close (Esc, Close, the window's close box); during an import, ask to stop it first."""
        if not self._running:
            super().reject()
            return
        if self._close_when_done:
            return  # asked already: the dialog closes when the import has stopped
        ask = QMessageBox(
            QMessageBox.Icon.Question,
            "Stop the import?",
            "The import is still running. Stop it and close?\n"
            "What is stored so far stays; run the import again to take the rest.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        ask.setDefaultButton(QMessageBox.StandardButton.No)
        answer = ask.exec()
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._close_when_done = True
        if self.running:
            self.request_stop()
        else:  # it ended while the question was open
            self._close_if_asked()

    def done(self, result: int) -> None:
        """Close now. An import still running is stopped, and waited for while it
        stores the chunk in hand: a window that quits with the dialog open calls
        this (close() would ask first), so no thread outlives the dialog."""
        if self._running:
            self._stop.set()
        if self._worker is not None:
            self._worker.shutdown()
            self._worker = None
        self._running = False
        super().done(result)
