"""The main window: the review queue, until the review window replaces it.

Everything that touches the database runs on the :class:`DbWorker`; the
window shows "Opening…" until the database is ready, an error page if it
cannot be used, and otherwise the queue, with an offer to load the demo feed
when the database has no items at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QImage, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from db.session import describe
from desktop.core.ingest.files import load_demo
from desktop.core.workspace import Workspace, open_workspace
from desktop.ui.queue_model import QueueModel
from desktop.ui.workers import DbOp, DbWorker

if TYPE_CHECKING:
    from desktop.config import Settings
    from desktop.core.ingest import IngestReport
    from desktop.core.review import ItemView, QueueEntry
    from desktop.core.users import Actor

QUEUE_PAGE = 500
PREVIEW_WIDTH = 360


@dataclass(frozen=True)
class QueueSnapshot:
    entries: list[QueueEntry]
    counts: dict[str, int]


class MainWindow(QMainWindow):
    # the number of rows shown, after each load of the queue
    queue_loaded = Signal(int)
    # a one-line reason the database could not be opened
    open_failed = Signal(str)
    # the item id whose preview (or the reason it has none) is now shown
    preview_shown = Signal(int)

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self._settings = settings
        self._worker = DbWorker(self)
        self._workspace: Workspace | None = None
        self._actor: Actor | None = None
        self.model = QueueModel()
        self._wanted_preview: int | None = None
        self._build()
        self._connect_signals()

    # -- building -------------------------------------------------------

    def _build(self) -> None:
        self.setWindowTitle("Veil")
        self.resize(1100, 640)

        self._opening = QLabel("Opening the database…")
        self._opening.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.banner = QFrame()
        self.banner.setObjectName("emptyBanner")
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        banner_layout = QHBoxLayout(self.banner)
        self.banner_text = QLabel(
            "This database has no items yet. Load the demo feed (12 made-up news posts, text only) "
            "to try Veil, or import your own with <code>veil ingest</code>."
        )
        self.banner_text.setWordWrap(True)
        self.load_demo_button = QPushButton("Load demo feed")
        banner_layout.addWidget(self.banner_text, 1)
        banner_layout.addWidget(self.load_demo_button)
        self.banner.hide()

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)  # one line per item; the full text is the tooltip
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)

        self.preview = QLabel("Select an item to see its blurred preview")
        self.preview.setObjectName("preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setWordWrap(True)
        self.preview.setMinimumWidth(PREVIEW_WIDTH)
        self.preview.setFrameShape(QFrame.Shape.StyledPanel)

        queue_page = QWidget()
        layout = QVBoxLayout(queue_page)
        layout.addWidget(self.banner)
        row = QHBoxLayout()
        row.addWidget(self.table, 1)
        row.addWidget(self.preview)
        layout.addLayout(row, 1)

        self.pages = QStackedWidget()
        for page in (self._opening, queue_page, self.error_label):
            self.pages.addWidget(page)
        self.setCentralWidget(self.pages)

        self.refresh_action = QAction("&Refresh", self)
        self.refresh_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.load_demo_action = QAction("Load &demo feed", self)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.load_demo_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(self.refresh_action)
        for action in (self.refresh_action, self.load_demo_action):
            action.setEnabled(False)

        self.status_label = QLabel()
        self.statusBar().addWidget(self.status_label, 1)

    def _connect_signals(self) -> None:
        self.refresh_action.triggered.connect(self._on_refresh_action_triggered)
        self.load_demo_action.triggered.connect(self._on_load_demo_requested)
        self.load_demo_button.clicked.connect(self._on_load_demo_requested)
        self.quit_action.triggered.connect(self.close)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)

    # -- opening --------------------------------------------------------

    def open_database(self) -> None:
        settings = self._settings

        def work() -> tuple[Workspace, Actor]:
            workspace = open_workspace(
                settings.db_url,
                create_folder=not settings.get("db_url"),
                lease=timedelta(minutes=settings.get("lease_minutes")),
                undo_grace=timedelta(minutes=settings.get("undo_grace_minutes")),
                busy_timeout_ms=settings.get("busy_timeout_ms"),
            )
            try:
                return workspace, workspace.actor(settings.user)
            except BaseException:
                workspace.close()
                raise

        DbOp(self._worker, work).success(self._on_opened).failure(self._on_open_failed).run()

    def _on_opened(self, opened: tuple[Workspace, Actor]) -> None:
        self._workspace, self._actor = opened
        self.setWindowTitle(f"Veil — {describe(self._workspace.db.url)}")
        self.pages.setCurrentIndex(1)
        for action in (self.refresh_action, self.load_demo_action):
            action.setEnabled(True)
        self.refresh()

    def _on_open_failed(self, error: Exception) -> None:
        self.error_label.setText(f"<h3>Veil cannot open its database</h3><p>{error}</p>")
        self.pages.setCurrentIndex(2)
        self.status_label.setText("No database")
        self.open_failed.emit(str(error))

    # -- the queue ------------------------------------------------------

    def refresh(self) -> None:
        workspace = self._workspace
        if workspace is None:
            return

        def work() -> QueueSnapshot:
            return QueueSnapshot(workspace.review.queue(limit=QUEUE_PAGE), workspace.review.counts())

        DbOp(self._worker, work).success(self._on_queue_loaded).failure(self._on_operation_failed).run()

    def _on_queue_loaded(self, snapshot: QueueSnapshot) -> None:
        self._wanted_preview = None
        self.preview.clear()
        self.model.set_entries(snapshot.entries)
        counts = snapshot.counts
        self.banner.setVisible(sum(counts.values()) == 0)
        shown = len(snapshot.entries)
        more = f" (first {shown} shown)" if counts["pending"] > shown else ""
        who = f"{self._actor.name} ({self._actor.role.value})" if self._actor else ""
        self.status_label.setText(
            f"{counts['pending']} pending{more} · {counts['escalated']} escalated · "
            f"{counts['decided']} decided — signed in as {who}"
        )
        self.queue_loaded.emit(shown)

    def _on_operation_failed(self, error: Exception) -> None:
        self.load_demo_button.setEnabled(True)
        self.status_label.setText(f"Error: {error}")

    @Slot()
    def _on_refresh_action_triggered(self) -> None:
        self.refresh()

    @Slot()
    def _on_load_demo_requested(self) -> None:
        workspace, actor = self._workspace, self._actor
        if workspace is None or actor is None:
            return
        self.load_demo_button.setEnabled(False)
        self.status_label.setText("Loading the demo feed…")

        def work() -> IngestReport:
            return load_demo(workspace.db, actor=actor.name, now=workspace.clock())

        DbOp(self._worker, work).success(self._on_demo_loaded).failure(self._on_operation_failed).run()

    def _on_demo_loaded(self, report: IngestReport) -> None:
        self.load_demo_button.setEnabled(True)
        self.statusBar().showMessage(f"Demo feed: {report.items_added} items added", 5000)
        self.refresh()

    # -- the preview pane -------------------------------------------------

    @Slot(QModelIndex, QModelIndex)
    def _on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        workspace = self._workspace
        if workspace is None or not current.isValid():
            # The list was reloaded: show nothing rather than an item's stale picture.
            self._wanted_preview = None
            self.preview.clear()
            return
        item_id = self.model.entry(current.row()).id
        self._wanted_preview = item_id

        def work() -> tuple[int, ItemView, bytes | None]:
            view = workspace.review.show(item_id)
            jpeg = None
            if not view.media_withheld:
                ready = [m for m in view.media if m.has_preview]
                jpeg = workspace.review.stored_preview(ready[0].id) if ready else None
            return item_id, view, jpeg

        DbOp(self._worker, work).success(self._on_preview_loaded).failure(self._on_preview_failed).run()

    def _on_preview_failed(self, error: Exception) -> None:
        self.preview.clear()
        self.preview.setText(f"Preview unavailable: {error}")

    def _on_preview_loaded(self, loaded: tuple[int, ItemView, bytes | None]) -> None:
        item_id, view, jpeg = loaded
        if item_id != self._wanted_preview:
            return  # the reviewer has moved on
        self.preview.clear()
        if view.media_withheld:
            self.preview.setText("Media withheld: escalated as suspected CSAM. It is never shown.")
        elif jpeg is None:
            errors = [m.error for m in view.media if m.error]
            self.preview.setText(f"Preview unavailable: {errors[0]}" if errors else "No media")
        else:
            # Stored blurred in colour; shown in greyscale, the kinder default.
            image = QImage.fromData(jpeg).convertToFormat(QImage.Format.Format_Grayscale8)
            self.preview.setPixmap(
                QPixmap.fromImage(image).scaled(
                    PREVIEW_WIDTH,
                    PREVIEW_WIDTH,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        self.preview_shown.emit(item_id)

    # -- closing --------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self._worker.shutdown()
        if self._workspace is not None:
            self._workspace.close()
            self._workspace = None
        super().closeEvent(event)
