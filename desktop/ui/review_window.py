"""The moderator's workstation: queue, item, decision, all by keyboard.

Layout: the queue on the left (a lazy table with filters), the item in the
centre (its text with markers, then its media blurred), the decision panel
on the right, the state of the day in the status bar.

The window never touches the database itself. Three workers do (see
:mod:`desktop.ui.workers`): the writer claims and decides, one operation at
a time and in order; the reader fetches queue pages, counts and the next
item ahead of time; the picture worker decodes originals for a reveal.

A decision is committed before the next item shows: the writer's one
operation decides, claims the next item and, unless it was fetched ahead,
reads it. If the database does not answer, the decision goes to the
outbox on disk, a banner says so, and the writer tries again with the same
decision id until it lands; the reviewer sees it as pending.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QImage, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from db.session import describe
from desktop import config
from desktop.app.context import Context
from desktop.app.outbox import Outbox
from desktop.app.veil import Veil
from desktop.core import audit, browse, care, decision_log, qa, reports, taxonomy
from desktop.core.ingest.files import load_demo
from desktop.core.media import levels
from desktop.core.workspace import Workspace, open_workspace
from desktop.domain.care import Day, Policy, Tracker
from desktop.domain.errors import Unavailable, VeilError
from desktop.domain.people import Permission
from desktop.domain.queue import Facets, QueueFilter
from desktop.domain.review import Action, ItemStatus, PendingDecision
from desktop.ui.audit_view import AuditView
from desktop.ui.dashboard import Dashboard
from desktop.ui.decision_panel import DecisionPanel, DecisionRequest
from desktop.ui.feedback import FeedbackDialog
from desktop.ui.import_dialog import ImportDialog
from desktop.ui.item_panel import ItemPanel
from desktop.ui.media_view import Level, MediaGrid, ViewPrefs
from desktop.ui.queue_model import PAGE, ItemIdRole, QueueModel
from desktop.ui.report_pdf import write_pdf
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.shortcut_sheet import ShortcutSheet
from desktop.ui.sign_in import SignInDialog
from desktop.ui.theme import apply_theme
from desktop.ui.video_dialog import VideoDialog
from desktop.ui.workers import DbOp, DbWorker

if TYPE_CHECKING:
    from collections.abc import Callable

    from PIL import Image

    from desktop.config import Settings
    from desktop.domain.audit import ChainExport, Verification
    from desktop.domain.ingest import IngestReport
    from desktop.domain.people import Actor
    from desktop.domain.qa import SampleResult
    from desktop.domain.queue import PageKey, QueueRow
    from desktop.domain.reports import Report
    from desktop.domain.review import Claim, DecisionInfo, ItemView
    from desktop.domain.taxonomy import LabelInfo, ReasonInfo

# Errors that mean "the database is not answering now": keep the work and try again.
TRANSIENT = Unavailable
RETRY_FIRST_S = 2.0
RETRY_MOST_S = 30.0
COUNTS_EVERY_MS = 15_000
# More than this many items approved at once asks first.
CONFIRM_OVER = 20


@dataclass(frozen=True)
class Loaded:
    """An item read for showing: its view and its stored (blurred) previews."""

    view: ItemView
    previews: dict[int, bytes]
    # The same previews decoded, on the worker: the UI thread only paints them.
    images: dict[int, QImage] = field(default_factory=dict)


@dataclass(frozen=True)
class Opened:
    workspace: Workspace
    actor: Actor
    labels: list[LabelInfo]
    reasons: dict[str, list[ReasonInfo]]
    facets: Facets
    day: Day
    replayed: int  # decisions from the outbox saved at start


def start_of_today() -> datetime:
    """Local midnight, in UTC: "today" is the reviewer's day, not UTC's."""
    local = datetime.now().astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def _qimage(image: Image.Image) -> QImage:
    rgb = image.convert("RGB")
    data = rgb.tobytes()
    # copy(): the QImage must own its pixels, not borrow the bytes object's.
    return QImage(data, rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888).copy()


class ReviewWindow(QMainWindow):
    # The database is open and the reviewer known.
    opened = Signal()
    # A one-line reason the database could not be opened.
    open_failed = Signal(str)
    # An item and its previews are on screen (0: the queue is empty).
    item_shown = Signal(int)
    # A decision is saved: its id.
    decision_saved = Signal(str)
    # The database answers (True) or not (False).
    connection_changed = Signal(bool)
    # A reminder ("break" | "budget") is shown.
    reminder_shown = Signal(str)
    # The sign-in dialog is up: nobody is named, or the named user has a password.
    sign_in_shown = Signal()

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.writer = DbWorker(self, name="veil-write")
        self.reader = DbWorker(self, name="veil-read")
        self.pictures = DbWorker(self, name="veil-pictures", threads=2)
        self.workspace: Workspace | None = None
        self.actor: Actor | None = None
        self.outbox = Outbox(config.data_dir() / "pending-decisions.jsonl")
        self.tracker: Tracker | None = None
        self.filter = QueueFilter()
        self.current: Loaded | None = None
        self._ahead: dict[int, Loaded] = {}
        self._busy = False  # a claim or decision is in flight: keys wait
        self._pending: PendingDecision | None = None
        self._retry_s = RETRY_FIRST_S
        self._shown_at = time.monotonic()
        self._connected = True
        self._selecting = False  # the window itself moves the table's selection
        self.video: VideoDialog | None = None
        self.import_dialog: ImportDialog | None = None
        self.audit_view: AuditView | None = None
        self.dashboard: Dashboard | None = None
        # Blind second review: items come from the second-review queue, their first decision hidden.
        self.second_review = False
        self.model = QueueModel(self._fetch_page)
        self._build()
        self._build_actions()
        self._connect()
        _application().installEventFilter(self)  # Space held over the media

    # == building =============================================================

    def _build(self) -> None:
        self.setWindowTitle("Veil")
        self.resize(1440, 900)

        self.banner = QFrame()
        self.banner.setObjectName("banner")
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        banner_row = QHBoxLayout(self.banner)
        self.banner_text = QLabel()
        self.banner_text.setWordWrap(True)
        self.banner_button = QPushButton("Dismiss")
        banner_row.addWidget(self.banner_text, 1)
        banner_row.addWidget(self.banner_button)
        self.banner.hide()
        self._banner_kind: str | None = None

        # -- the queue
        self.filter_status = QComboBox()
        self.filter_status.addItem("Pending", ItemStatus.PENDING)
        self.filter_marker = QComboBox()
        self.filter_label = QComboBox()
        self.filter_source = QComboBox()
        self.filter_language = QComboBox()
        for box, what in (
            (self.filter_marker, "Any marker"),
            (self.filter_label, "Any label"),
            (self.filter_source, "Any source"),
            (self.filter_language, "Any language"),
        ):
            box.addItem(what, None)
            box.setToolTip(f"Show only items with this {what.split()[1]}")
        self.filters = [self.filter_status, self.filter_marker, self.filter_label]
        self.filters += [self.filter_source, self.filter_language]
        for box in self.filters:
            # Long source names must not widen the queue: the list drops down wider instead.
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(6)
        self.queue_count = QLabel()
        self.queue_count.setObjectName("queueCount")
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # J/K move; the table never eats the keys
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        # Fixed starting widths: sizing to contents would let one long marker list push the text out of sight.
        metrics = self.table.fontMetrics()
        for column, sample in enumerate(("Sev.", "21+ cue:wound", "live-blog", "17 min", "Media")):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 16)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)  # the text takes what is left
        queue = QWidget()
        queue_layout = QVBoxLayout(queue)
        queue_layout.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        for box in (self.filter_status, self.filter_marker, self.filter_label):
            filters.addWidget(box)
        filters2 = QHBoxLayout()
        for box in (self.filter_source, self.filter_language):
            filters2.addWidget(box)
        queue_layout.addLayout(filters)
        queue_layout.addLayout(filters2)
        queue_layout.addWidget(self.table, 1)
        queue_layout.addWidget(self.queue_count)

        # -- the item
        self.item_panel = ItemPanel()
        self.grid = MediaGrid(self._view_prefs())
        centre = QSplitter(Qt.Orientation.Vertical)
        centre.addWidget(self.item_panel)
        centre.addWidget(self.grid)
        centre.setStretchFactor(0, 2)
        centre.setStretchFactor(1, 3)
        centre.setSizes([280, 520])  # the media need the room; long texts scroll
        self.empty = QLabel("Opening the database…")
        self.empty.setObjectName("emptyQueue")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.load_demo_button = QPushButton("Load the demo feed")
        self.load_demo_button.hide()
        empty_page = QWidget()
        empty_layout = QVBoxLayout(empty_page)
        empty_layout.addStretch(1)
        empty_layout.addWidget(self.empty)
        empty_layout.addWidget(self.load_demo_button, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_layout.addStretch(1)

        # -- the decision (scrolls on a short screen rather than squeezing the labels)
        self.decision_panel = DecisionPanel()
        decision_scroll = QScrollArea()
        decision_scroll.setWidget(self.decision_panel)
        decision_scroll.setWidgetResizable(True)
        decision_scroll.setFrameShape(QFrame.Shape.NoFrame)
        decision_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        decision_scroll.setMinimumWidth(self.decision_panel.minimumSizeHint().width() + 16)

        self.item_page, self.empty_page = centre, empty_page
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(queue)
        body.addWidget(centre)
        body.addWidget(empty_page)
        body.addWidget(decision_scroll)
        body.setSizes([520, 560, 0, 360])
        body.setStretchFactor(1, 1)
        body.setStretchFactor(2, 1)
        self.body = body

        main = QWidget()
        layout = QVBoxLayout(main)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.banner)
        layout.addWidget(body, 1)
        self.setCentralWidget(main)
        self._show_empty("Opening the database…")

        self.status_queue = QLabel()
        self.status_today = QLabel()
        self.status_exposure = QLabel()
        self.status_level = QLabel()
        self.status_db = QLabel()
        for label in (self.status_queue, self.status_today, self.status_exposure, self.status_level):
            # A narrow window cuts the status short rather than growing past the screen.
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            self.statusBar().addWidget(label, 1)
        self.statusBar().addPermanentWidget(self.status_db)

    def _view_prefs(self) -> ViewPrefs:
        return ViewPrefs(
            greyscale=bool(self.settings.get("greyscale")),
            s3_warning_screen=bool(self.settings.get("s3_warning_screen")),
        )

    def _build_actions(self) -> None:
        """Every action in a menu, with its shortcut shown there and in its tooltip."""
        self.actions_by_name: dict[str, QAction] = {}
        panel, grid = self.decision_panel, self.grid
        Key = QKeySequence.StandardKey  # noqa: N806 - a short alias for the table below
        # menu, name, text, shortcut, what it does, slot
        table: list[tuple[str, str, str, str | QKeySequence.StandardKey, str, Callable[[], object]]] = [
            ("&File", "import", "&Import…", "Ctrl+I", "Add files, folders, manifests or Telegram exports",
             self.show_import),
            ("&File", "demo", "Load &demo feed", "", "Add the bundled demo feed to the queue", self._load_demo),
            ("&File", "settings", "&Settings…", "Ctrl+,", "Blur, greyscale, reminders, theme, database",
             self.show_settings),
            ("&File", "refresh", "&Refresh", Key.Refresh, "Read the queue again", self.refresh),
            ("&File", "quit", "&Quit", Key.Quit, "Close Veil", self.close),
            ("&Review", "approve", "&Approve", "A", "Approve the item", lambda: panel.request(Action.APPROVE)),
            ("&Review", "warn", "Approve with &warning", "W", "Approve with warning labels: tick them (1-9)",
             lambda: panel.request(Action.WARN)),
            ("&Review", "remove", "Re&move", "X", "Remove the item, with a reason",
             lambda: panel.request(Action.REMOVE)),
            ("&Review", "escalate", "&Escalate", "E", "Send the item to a supervisor, with a reason",
             lambda: panel.request(Action.ESCALATE)),
            ("&Review", "skip", "&Skip", "S", "Pass the item on; it will not come back to you", self.skip),
            ("&Review", "undo", "&Undo last decision", "U", "Withdraw your last decision, within the grace period",
             self.undo),
            ("&Review", "note", "&Note", "N", "Write a note to go with the decision", panel.focus_note),
            ("&Review", "suggestion", "Apply the near-duplicate's decision", "Y",
             "Decide as was decided on the near-duplicate", self._apply_suggestion),
            ("&Review", "bulk", "Approve selected &quiet items", "Shift+A",
             "Approve the selected items that have no media, no markers and severity S0", self.approve_selected),
            ("&Review", "second_review", "Blind second &review", "Ctrl+2",
             "Decide sampled items again without seeing the first decision; again to return to the queue",
             self.toggle_second_review),
            ("&Review", "feedback", "My &feedback…", "Ctrl+F",
             "Your decisions that a supervisor overrode, with their reasons", self.show_feedback),
            ("&Review", "next", "&Next item", "J", "The next item in the list", lambda: self.step_item(+1)),
            ("&Review", "previous", "&Previous item", "K", "The previous item in the list", lambda: self.step_item(-1)),
            ("&View", "reveal", "&Reveal", "R", "The medium under the mouse unblurred, in greyscale; again to blur",
             grid.toggle_reveal),
            ("&View", "reveal_all", "Reveal &all media", "Shift+R", "All the item's media unblurred; again to blur",
             grid.reveal_all),
            ("&View", "colour", "&Colour", "C", "Colour on or off (greyscale is the default)", grid.toggle_colour),
            ("&View", "stronger", "&Stronger blur", "[", "One step towards opaque", lambda: grid.step_level(-1)),
            ("&View", "lighter", "&Lighter blur", "]", "One step towards clear", lambda: grid.step_level(+1)),
            ("&Help", "shortcuts", "&Keyboard shortcuts", "?", "Every shortcut on one sheet", self.show_shortcuts),
        ]  # fmt: skip
        menus: dict[str, Any] = {}
        for menu_name, name, text, keys, tip, slot in table:
            menu = menus.get(menu_name) or menus.setdefault(menu_name, self.menuBar().addMenu(menu_name))
            act = QAction(text, self)
            act.setShortcut(QKeySequence(keys))
            shown = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            act.setToolTip(f"{tip} ({shown})" if shown else tip)
            act.setStatusTip(tip)
            act.triggered.connect(slot)
            menu.addAction(act)
            self.addAction(act)
            self.actions_by_name[name] = act
        # Keys without a menu entry of their own: arrows as J/K, number keys for labels.
        hidden: list[tuple[str, str, Callable[[], None]]] = [
            ("next2", "Down", lambda: self.step_item(+1)),
            ("previous2", "Up", lambda: self.step_item(-1)),
            # triggered(checked) would fill n: the first parameter takes it instead.
            *[(f"label{n}", str(n), lambda _checked=False, n=n: panel.toggle_label(n)) for n in range(1, 10)],
        ]
        for name, keys, slot in hidden:
            act = QAction(self)
            act.setShortcut(QKeySequence(keys))
            act.triggered.connect(slot)
            self.addAction(act)
            self.actions_by_name[name] = act

    def _connect(self) -> None:
        self.decision_panel.decided.connect(self._on_decided)
        self.item_panel.apply_suggestion.connect(self._apply_suggestion)
        self.grid.image_wanted.connect(self._on_image_wanted)
        self.grid.exposure_ended.connect(self._on_exposure_ended)
        self.grid.level_changed.connect(self._on_level_changed)
        self.grid.play_requested.connect(self._on_play_requested)
        self.banner_button.clicked.connect(self._dismiss_banner)
        self.load_demo_button.clicked.connect(self._load_demo)
        self.table.clicked.connect(self._on_table_clicked)
        for box in (
            self.filter_status,
            self.filter_marker,
            self.filter_label,
            self.filter_source,
            self.filter_language,
        ):
            box.currentIndexChanged.connect(self._on_filter_changed)
        self._renew_timer = QTimer(self)
        self._renew_timer.timeout.connect(self._renew)
        self._counts_timer = QTimer(self)
        self._counts_timer.timeout.connect(self._refresh_counts)
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(self._retry)

    # == opening ==============================================================

    def open_database(self) -> None:
        """Open the database; then sign in: directly as the user the command
        line, environment or settings name (if they need no password), else
        through the sign-in dialog."""
        settings = self.settings

        def work() -> tuple[Workspace, Actor | None]:
            workspace = open_workspace(
                settings.db_url,
                create_folder=not settings.get("db_url"),
                lease=timedelta(minutes=settings.get("lease_minutes")),
                undo_grace=timedelta(minutes=settings.get("undo_grace_minutes")),
                busy_timeout_ms=settings.get("busy_timeout_ms"),
            )
            try:
                named = settings.origins.get("user", "default") != "default"
                if named and not workspace.needs_password(settings.user):
                    return workspace, workspace.actor(settings.user)
                return workspace, None
            except BaseException:
                workspace.close()
                raise

        DbOp(self.writer, work).success(self._on_workspace).failure(self._on_open_failed).run()

    def _on_workspace(self, opened: tuple[Workspace, Actor | None]) -> None:
        workspace, actor = opened
        self.workspace = workspace
        if actor is not None:
            self._signed_in(actor)
            return
        self._show_empty("Sign in to start reviewing.")
        dialog = SignInDialog(_veil(workspace, self.settings), self.settings.user, self)
        dialog.accepted.connect(lambda: self._signed_in(dialog.actor) if dialog.actor else self.close())
        dialog.rejected.connect(self.close)
        self.sign_in_dialog = dialog
        dialog.open()
        self.sign_in_shown.emit()

    def _signed_in(self, actor: Actor) -> None:
        """Send what an earlier session could not save, then read what the window needs."""
        workspace, outbox = self.workspace, self.outbox
        assert workspace is not None

        def work() -> Opened:
            where = describe(workspace.db.url)
            replayed = 0
            for pending in outbox.pending(database=where, reviewer=actor.name):
                with contextlib.suppress(VeilError):  # taken or decided meanwhile: nothing to save any more
                    _send(workspace, actor, pending)
                outbox.remove(pending.decision_id)
                replayed += 1
            with workspace.db.read() as session:
                labels = taxonomy.labels(session)
                reasons = {kind: taxonomy.reasons(session, kind) for kind in ("remove", "escalate")}
            return Opened(
                workspace, actor, labels, reasons, browse.facets(workspace.db),
                care.day_so_far(workspace.db, actor, start_of_today()), replayed,
            )  # fmt: skip

        DbOp(self.writer, work).success(self._on_opened).failure(self._on_open_failed).run()

    def _on_opened(self, opened: Opened) -> None:
        self.workspace, self.actor = opened.workspace, opened.actor
        # Qt appends " — Veil" (the application's display name) to every title.
        self.setWindowTitle(f"{opened.actor.name} ({opened.actor.role.value}) — {describe(opened.workspace.db.url)}")
        self.decision_panel.set_taxonomy(opened.labels, opened.reasons)
        self._fill_filters(opened.facets)
        if opened.actor.may(Permission.AUDIT):
            self._add_supervisor_menu()
        self.tracker = Tracker(
            Policy(
                break_reveal_s=self.settings.get("break_reveal_minutes") * 60,
                break_graphic_items=self.settings.get("break_graphic_items"),
                daily_budget_s=self.settings.get("daily_budget_minutes") * 60,
            ),
            opened.day,
        )
        lease_ms = int(self.settings.get("lease_minutes") * 60_000)
        self._renew_timer.start(max(10_000, lease_ms // 3))
        self._counts_timer.start(COUNTS_EVERY_MS)
        self._set_connected(True)
        if opened.replayed:
            self.statusBar().showMessage(f"{opened.replayed} decision(s) from an earlier session saved", 8000)
        self._update_status()
        self.opened.emit()
        self.model.reset()
        self._refresh_counts()
        self.next_item()

    def _on_open_failed(self, error: Exception) -> None:
        self._show_empty(f"<h3>Veil cannot open its database</h3><p>{error}</p>")
        self.status_db.setText("No database")
        self.open_failed.emit(str(error))

    def _add_supervisor_menu(self) -> None:
        """What supervisors and admins have beyond reviewing: the audit trail and second-review sampling."""
        menu = self.menuBar().addMenu("&Supervisor")
        entries: list[tuple[str, str, str, str, Callable[[], object]]] = [
            ("audit", "&Audit trail…", "Ctrl+L", "Every decision, filterable, with each item's history",
             self.show_audit),
            ("dashboard", "&Dashboard…", "Ctrl+D", "Decisions, queue depth, time to decision, agreement, exposure",
             self.show_dashboard),
            ("report_pdf", "Report as &PDF…", "", "The dashboard's figures with the audit chain's head hash, to print",
             self.save_report_pdf),
            ("verify", "&Verify the audit chain", "", "Check every event of the hash chain", self.verify_chain),
            ("export_chain", "E&xport the audit chain…", "",
             "The whole chain with its head hash, for an auditor to check a later copy (veil audit check FILE)",
             self.export_chain),
            ("sample", "&Sample for second review…", "", "Send a share of each moderator's decisions to blind review",
             self.sample_second_review),
        ]  # fmt: skip
        for name, text, keys, tip, slot in entries:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(keys))
            act.setToolTip(tip)
            act.setStatusTip(tip)
            act.triggered.connect(slot)
            menu.addAction(act)
            self.addAction(act)
            self.actions_by_name[name] = act
        self.supervisor_menu = menu

    def show_audit(self) -> None:
        workspace, actor = self.workspace, self.actor
        if workspace is None or actor is None:
            return
        if self.audit_view is None:
            view = AuditView(_veil(workspace, self.settings, actor), parent=None)
            view.setWindowTitle("Audit trail")
            view.resize(1440, 900)
            self.audit_view = view
        self.audit_view.show()
        self.audit_view.raise_()

    def show_dashboard(self) -> None:
        if self.dashboard is None:
            dashboard = Dashboard()
            dashboard.setWindowTitle("Dashboard")
            dashboard.resize(1280, 900)
            dashboard.refresh_requested.connect(self._load_report)
            self.dashboard = dashboard
        self.dashboard.show()
        self.dashboard.raise_()
        self._load_report()

    def _load_report(self) -> None:
        """All decisions so far; the command line gives other ranges (veil report --since/--until)."""
        workspace, actor = self.workspace, self.actor
        if workspace is None or actor is None:
            return

        def work() -> Report:
            return reports.report(workspace.db, actor, clock=workspace.clock)

        def done(report: Report) -> None:
            if self.dashboard is not None:
                self.dashboard.show_report(report)

        DbOp(self.reader, work).success(done).failure(lambda error: self._show_banner("error", str(error))).run()

    def save_report_pdf(self) -> None:
        workspace, actor = self.workspace, self.actor
        if workspace is None or actor is None:
            return
        target, _kind = QFileDialog.getSaveFileName(self, "Save the report", "veil-report.pdf", "PDF (*.pdf)")
        if not target:
            return

        def work() -> tuple[Report, Verification]:
            return reports.report(workspace.db, actor, clock=workspace.clock), decision_log.verify_all(
                workspace.db, actor
            )

        def done(result: tuple[Report, Verification]) -> None:
            report, chain = result
            if not chain.ok:
                self._show_banner("error", f"No report: the audit chain is broken at event {chain.broken_id}")
                return
            pages = write_pdf(report, Path(target), head_hash=chain.head_hash, title="Veil — moderation report")
            self.statusBar().showMessage(f"Report saved: {target} ({pages} pages)", 8000)

        DbOp(self.reader, work).success(done).failure(lambda error: self._show_banner("error", str(error))).run()

    def verify_chain(self) -> None:
        workspace, actor = self.workspace, self.actor
        if workspace is None or actor is None:
            return

        def work() -> Verification:
            return decision_log.verify_all(workspace.db, actor)

        def done(result: Verification) -> None:
            if result.ok:
                text = f"The audit chain is intact: {result.events} events.\nHead hash {result.head_hash}"
            else:
                text = f"The audit chain is BROKEN at event {result.broken_id}: {result.problem}"
            self.chain_result = text
            QMessageBox.information(self, "Audit chain", text)

        DbOp(self.reader, work).success(done).failure(lambda error: self._show_banner("error", str(error))).run()

    def export_chain(self) -> None:
        workspace, actor = self.workspace, self.actor
        if workspace is None or actor is None:
            return
        target, _kind = QFileDialog.getSaveFileName(
            self, "Export the audit chain", "veil-audit.jsonl", "JSONL (*.jsonl)"
        )
        if not target:
            return

        def work() -> ChainExport:
            return audit.export_chain_file(workspace.db, actor, Path(target))

        def done(result: ChainExport) -> None:
            self.chain_result = f"{result.events} events exported to {target}; head hash {result.head_hash}"
            QMessageBox.information(self, "Audit chain exported", self.chain_result)

        DbOp(self.reader, work).success(done).failure(lambda error: self._show_banner("error", str(error))).run()

    def sample_second_review(self) -> None:
        workspace, actor = self.workspace, self.actor
        if workspace is None or actor is None:
            return
        percent, ok = QInputDialog.getDouble(
            self, "Sample for second review", "Share of each moderator's decisions, by action (%):", 5.0, 0.1, 100.0, 1
        )
        if not ok:
            return

        def work() -> SampleResult:
            return qa.sample(workspace.db, actor, rate=percent / 100, clock=workspace.clock)

        def done(result: SampleResult) -> None:
            self.statusBar().showMessage(
                f"{len(result.sampled)} decisions sent to blind second review (seed {result.seed})", 8000
            )

        DbOp(self.writer, work).success(done).failure(lambda error: self._show_banner("error", str(error))).run()

    def show_feedback(self) -> None:
        workspace, actor = self.workspace, self.actor
        if workspace is None or actor is None:
            return
        self.feedback_dialog = FeedbackDialog(_veil(workspace, self.settings, actor), self)
        self.feedback_dialog.show()

    def _fill_filters(self, facets: Facets) -> None:
        assert self.actor is not None
        if self.actor.may(Permission.RESOLVE_ESCALATIONS):
            self.filter_status.addItem("Escalated", ItemStatus.ESCALATED)
        self.filter_status.addItem("Decided", ItemStatus.DECIDED)
        for box, values in (
            (self.filter_marker, facets.markers),
            (self.filter_label, facets.labels),
            (self.filter_source, facets.sources),
            (self.filter_language, facets.languages),
        ):
            box.blockSignals(True)
            for value in values:
                box.addItem(value, value)
            box.blockSignals(False)

    # == the queue ============================================================

    def _fetch_page(self, after: PageKey | None, done: Callable[[list[QueueRow]], None]) -> None:
        workspace, query = self.workspace, self.filter
        if workspace is None:
            return

        def work() -> list[QueueRow]:
            return browse.page(workspace.db, query, after=after, limit=PAGE, now=workspace.clock())

        self.model.now = datetime.now(UTC)
        DbOp(self.reader, work).success(self._page_arrived(done)).failure(self._on_read_failed).run()

    def _page_arrived(self, done: Callable[[list[QueueRow]], None]) -> Callable[[list[QueueRow]], None]:
        def arrived(rows: list[QueueRow]) -> None:
            done(rows)
            self._select_current_row()
            self._fetch_ahead()

        return arrived

    def _on_filter_changed(self) -> None:
        self.filter = QueueFilter(
            status=self.filter_status.currentData() or ItemStatus.PENDING,
            marker=self.filter_marker.currentData(),
            label=self.filter_label.currentData(),
            source=self.filter_source.currentData(),
            language=self.filter_language.currentData(),
        )
        self.model.reset()
        # Switching between the pending queue and the escalations changes which item to hold.
        current = self.current
        if self.filter.status in (ItemStatus.PENDING, ItemStatus.ESCALATED) and (
            current is None or current.view.status != self.filter.status
        ):
            give_back = current.view.id if current and current.view.status != ItemStatus.DECIDED else None
            escalations = self._escalations()

            def switch(workspace: Workspace, actor: Actor) -> Claim | None:
                if give_back is not None:
                    with contextlib.suppress(VeilError):  # not ours any more: nothing to give back
                        workspace.review.release(actor, give_back)
                return workspace.review.claim_next(actor, escalations=escalations)

            self._claim(switch)

    def refresh(self) -> None:
        if self.workspace is None:
            return
        self.model.reset()
        self._refresh_counts()

    def _refresh_counts(self) -> None:
        workspace = self.workspace
        if workspace is None:
            return

        def work() -> int:
            return browse.count(workspace.db)

        DbOp(self.reader, work).success(self._on_counts).failure(self._on_read_failed).run()

    def _on_counts(self, pending: int) -> None:
        self._pending_count = pending
        self.queue_count.setText(f"{pending:,} pending")
        self._update_status()

    def _on_read_failed(self, error: Exception) -> None:
        if isinstance(error, TRANSIENT):
            self._set_connected(False)
        else:
            self.statusBar().showMessage(f"Error: {error}", 8000)

    def _select_current_row(self) -> None:
        item = self.current.view.id if self.current else None
        row = self.model.row_of(item) if item is not None else None
        if row is None:
            return
        self._selecting = True
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        self._selecting = False

    # == moving between items ================================================

    def _escalations(self) -> bool:
        """A supervisor who lists escalated items works that queue."""
        return self.filter.status == ItemStatus.ESCALATED

    def next_item(self) -> None:
        """Claim the next item in review order (of the escalations, when listed; of the
        second-review queue in that mode) and show it."""
        if self.second_review:
            self._claim_loaded(_next_second_review)
            return
        escalations = self._escalations()
        self._claim(lambda ws, actor: ws.review.claim_next(actor, escalations=escalations))

    def toggle_second_review(self) -> None:
        if self._busy or self._pending is not None or self.workspace is None:
            return
        self.second_review = not self.second_review
        self.table.setEnabled(not self.second_review)
        for name in ("next", "previous", "next2", "previous2", "skip", "undo", "bulk", "suggestion"):
            self.actions_by_name[name].setEnabled(not self.second_review)
        if self.second_review:
            self._show_banner(
                "second-review",
                "<b>Blind second review.</b> The first decision is hidden: decide as you would. "
                "Ctrl+2 returns to the queue.",
            )
        elif self._banner_kind == "second-review":
            self._dismiss_banner()
        current, escalations, second = self.current, self._escalations(), self.second_review

        def switch(workspace: Workspace, actor: Actor) -> Loaded | None:
            if current is not None and current.view.status != ItemStatus.DECIDED:
                with contextlib.suppress(VeilError):  # not held by us (a second review item): nothing to release
                    workspace.review.release(actor, current.view.id)
            if second:
                return _next_second_review(workspace, actor)
            got = workspace.review.claim_next(actor, escalations=escalations)
            return _load(workspace, got.item_id, actor) if got else None

        self._claim_loaded(switch)

    def step_item(self, step: int) -> None:
        """J/K: the item after or before the one shown, in the list."""
        if self.current is None:
            return
        row = self.model.row_of(self.current.view.id)
        target = (row + step) if row is not None else 0
        if not 0 <= target < self.model.rowCount():
            if step > 0 and self.model.canFetchMore():
                self.model.fetchMore()
            return
        self.pick(self.model.entry(target).id)

    def pick(self, item_id: int) -> None:
        if self.filter.status == ItemStatus.DECIDED:
            self._look(item_id)  # decided items are read, not claimed
            return
        self._claim(lambda ws, actor: ws.review.claim(actor, item_id))

    def _look(self, item_id: int) -> None:
        workspace, actor = self.workspace, self.actor
        if workspace is None or self._busy:
            return

        def work() -> Loaded:
            return _load(workspace, item_id, actor)

        DbOp(self.reader, work).success(self._show).failure(self._on_claim_failed).run()

    @Slot(QModelIndex)
    def _on_table_clicked(self, index: QModelIndex) -> None:
        modifiers = QApplication.keyboardModifiers()
        if self._selecting or modifiers & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier):
            return  # extending a selection for "approve selected", not moving
        item_id = self.model.data(index, ItemIdRole)
        if item_id is not None and (self.current is None or item_id != self.current.view.id):
            self.pick(int(item_id))

    def _claim(self, claim: Callable[[Workspace, Actor], Claim | None]) -> None:
        workspace, actor = self.workspace, self.actor
        if workspace is None or actor is None or self._busy or self._pending is not None:
            return
        self._busy = True
        ahead = dict(self._ahead)  # a copy: the worker must not read a dict the UI thread changes

        def work() -> Loaded | None:
            got = claim(workspace, actor)
            if got is None:
                return None
            return ahead.get(got.item_id) or _load(workspace, got.item_id, actor)

        DbOp(self.writer, work).success(self._on_claimed).failure(self._on_claim_failed).run()

    def _claim_loaded(self, claim: Callable[[Workspace, Actor], Loaded | None]) -> None:
        """Like :meth:`_claim`, for claims that read the item themselves."""
        workspace, actor = self.workspace, self.actor
        if workspace is None or actor is None or self._busy or self._pending is not None:
            return
        self._busy = True

        def work() -> Loaded | None:
            return claim(workspace, actor)

        DbOp(self.writer, work).success(self._on_claimed).failure(self._on_claim_failed).run()

    def _on_claimed(self, loaded: Loaded | None) -> None:
        self._busy = False
        self._set_connected(True)
        self._show(loaded)

    def _on_claim_failed(self, error: Exception) -> None:
        self._busy = False
        if isinstance(error, TRANSIENT):
            self._set_connected(False)
            return
        self.statusBar().showMessage(str(error), 8000)

    # == showing ==============================================================

    def _show(self, loaded: Loaded | None) -> None:
        self._leave_current()
        self.current = loaded
        if loaded is None:
            self.model.set_current_item(None)
            self.decision_panel.show_item(None, can_decide=False)
            self.item_panel.clear()
            self.grid.clear()
            self._show_empty("The queue is empty. Nothing is waiting for you.", offer_demo=True)
            self.item_shown.emit(0)
            return
        view = loaded.view
        self._ahead.pop(view.id, None)
        self.empty_page.hide()
        self.item_page.show()
        self.item_panel.show_item(view)
        previews = {} if view.media_withheld else loaded.images
        self.grid.show_item(
            view.id, view.media, severity=view.severity, warning=_warning(view), withheld=view.media_withheld,
            previews=previews,
        )  # fmt: skip
        can_decide = self.actor is not None and (
            self.second_review  # the blind view hides the item's status; the task is what is decided
            or view.status == ItemStatus.PENDING
            or (view.status == ItemStatus.ESCALATED and self.actor.may(Permission.RESOLVE_ESCALATIONS))
        )
        self.decision_panel.show_item(view, can_decide=can_decide)
        self.model.set_current_item(view.id)
        self._select_current_row()
        self._shown_at = time.monotonic()
        self._update_status()
        # Emitted once the event loop has painted the new item.
        QTimer.singleShot(0, lambda item=view.id: self.item_shown.emit(item))
        self._fetch_ahead()

    def _leave_current(self) -> None:
        """The reviewer moves on: reveals end, and time on a graphic item is counted."""
        previous = self.current
        self._close_video()
        self.grid.clear()  # ends every reveal; their exposure is recorded by the signal
        if previous is None or self.workspace is None or self.actor is None or self.tracker is None:
            return
        if previous.view.severity >= 2:
            seconds = time.monotonic() - self._shown_at
            self.tracker.add_graphic_item(seconds)
            self._record_exposure(
                previous.view.id, None, "view", datetime.now(UTC) - timedelta(seconds=seconds), seconds
            )
            self._check_care()

    def _show_empty(self, text: str, *, offer_demo: bool = False) -> None:
        self.empty.setText(text)
        self.load_demo_button.setVisible(offer_demo)
        self.item_page.hide()
        self.empty_page.show()

    def _fetch_ahead(self) -> None:
        """Read the item that will most likely come next, so it shows at once."""
        workspace, current = self.workspace, self.current
        if workspace is None or current is None or self.filter.status != ItemStatus.PENDING or self.second_review:
            return
        row = self.model.row_of(current.view.id)
        candidates = [
            self.model.entry(n)
            for n in range(0 if row is None else row + 1, min(self.model.rowCount(), (row or 0) + 4))
        ]
        wanted = next((c.id for c in candidates if c.claimed_by is None and c.id != current.view.id), None)
        if wanted is None or wanted in self._ahead:
            return
        self._ahead = {k: v for k, v in self._ahead.items() if k == wanted}

        actor = self.actor

        def work() -> Loaded:
            return _load(workspace, wanted, actor)

        DbOp(self.reader, work).success(self._on_ahead).failure(self._on_read_failed).run()

    def _on_ahead(self, loaded: Loaded) -> None:
        self._ahead[loaded.view.id] = loaded

    # == pictures =============================================================

    def _on_image_wanted(self, item_id: int, media_id: int, level: int) -> None:
        workspace, current = self.workspace, self.current
        if workspace is None or current is None or current.view.id != item_id or current.view.media_withheld:
            return
        step = levels.STEPS[level]
        stored = levels.stored_strength(current.view.severity)
        jpeg = current.previews.get(media_id)
        settings = self.settings.preview()

        def work() -> QImage:
            if step is not None and jpeg is not None and not levels.needs_original(step, stored):
                return _qimage(levels.from_preview(jpeg, stored, step, settings))
            # The original, decoded at screen size in memory for this item only.
            return _qimage(levels.from_original(workspace.review.original_path(media_id), step))

        def shown(image: QImage) -> None:
            self.grid.set_image(item_id, media_id, Level(level), image)

        def failed(error: Exception) -> None:
            self.grid.set_image_error(item_id, media_id, Level(level), str(error))

        DbOp(self.pictures, work).success(shown).failure(failed).run()

    def _on_exposure_ended(self, item_id: int, media_id: int, mode: str, started_at: datetime, seconds: float) -> None:
        if self.tracker is not None:
            self.tracker.add_reveal(seconds)
        self._record_exposure(item_id, media_id, mode, started_at, seconds)
        self._update_status()
        self._check_care()

    def _record_exposure(
        self, item_id: int, media_id: int | None, mode: str, started_at: datetime, seconds: float
    ) -> None:
        workspace, actor = self.workspace, self.actor
        if workspace is None or actor is None:
            return

        def work() -> None:
            workspace.review.record_exposure(
                actor, item_id, media_id=media_id, mode=mode, started_at=started_at, seconds=seconds
            )

        DbOp(self.writer, work).failure(self._on_read_failed).run()

    def _on_play_requested(self, item_id: int, media_id: int) -> None:
        """A video, on request only: muted, at the item's blur, grey unless colour is on."""
        workspace, current = self.workspace, self.current
        if workspace is None or current is None or current.view.id != item_id or current.view.media_withheld:
            return

        def work() -> Path:
            return workspace.review.original_path(media_id)

        def opened(path: Path) -> None:
            if self.current is None or self.current.view.id != item_id:
                return  # the reviewer has moved on
            self._close_video()
            step = levels.STEPS[self.grid.level()] or "default"
            dialog = VideoDialog(
                speed=self.settings.get("video_speed"), jump_seconds=self.settings.get("video_jump_seconds"),
                blurred_level=step, settings=self.settings.preview(), parent=self,
            )  # fmt: skip
            dialog.exposure_ended.connect(
                lambda mode, started, seconds: self._on_exposure_ended(item_id, media_id, mode, started, seconds)
            )
            dialog.load(path, greyscale=not self.grid.colour())
            dialog.show()
            self.video = dialog

        def failed(error: Exception) -> None:
            self.statusBar().showMessage(f"The video cannot be played: {error}", 8000)

        DbOp(self.reader, work).success(opened).failure(failed).run()

    def _close_video(self) -> None:
        if self.video is not None:
            self.video.close()
            self.video.deleteLater()
            self.video = None

    def _on_level_changed(self, level: int) -> None:
        step = levels.STEPS[level]
        self.status_level.setText(f"Blur: {step or 'clear'}")

    # == deciding =============================================================

    def _on_decided(self, request: DecisionRequest) -> None:
        if self.current is None or self.actor is None or self.workspace is None or self._busy or self._pending:
            return
        pending = PendingDecision(
            decision_id=str(uuid.uuid4()),
            item_id=self.current.view.id,
            action=request.action.value,
            database=describe(self.workspace.db.url),
            reviewer=self.actor.name,
            labels=list(request.labels),
            reason=request.reason,
            note=request.note,
            second_review=self.second_review,
        )
        self._send(pending)

    def _send(self, pending: PendingDecision) -> None:
        workspace, actor = self.workspace, self.actor
        if workspace is None or actor is None:
            return
        self._busy = True
        self._pending = pending
        self.decision_panel.set_pending(True)
        ahead = dict(self._ahead)
        escalations = self._escalations()

        def work() -> tuple[DecisionInfo | None, Loaded | None]:
            info = _send(workspace, actor, pending)
            if pending.second_review:
                return info, _next_second_review(workspace, actor)
            got = workspace.review.claim_next(actor, escalations=escalations)
            if got is None:
                return info, None
            return info, ahead.get(got.item_id) or _load(workspace, got.item_id, actor)

        DbOp(self.writer, work).success(self._on_sent).failure(self._on_send_failed).run()

    def _on_sent(self, result: tuple[DecisionInfo | None, Loaded | None]) -> None:
        _info, loaded = result
        pending = self._pending
        self._busy = False
        self._pending = None
        self._retry_s = RETRY_FIRST_S
        self.decision_panel.set_pending(False)
        if pending is not None:
            self.outbox.remove(pending.decision_id)
            self.model.remove_item(pending.item_id)
            self.decision_saved.emit(pending.decision_id)
        if self.tracker is not None:
            self.tracker.add_decision()
        self._set_connected(True)
        self._show(loaded)
        self._update_status()
        self._refresh_counts()

    def _on_send_failed(self, error: Exception) -> None:
        pending = self._pending
        self._busy = False
        if pending is None:
            return
        if isinstance(error, TRANSIENT):
            # Kept on disk first: from here on, closing the window loses nothing.
            if pending.decision_id not in {
                p.decision_id for p in self.outbox.pending(database=pending.database, reviewer=pending.reviewer)
            }:
                self.outbox.add(pending)
            self.decision_panel.set_pending(True, retrying=True)
            self._set_connected(False)
            self._retry_timer.start(int(self._retry_s * 1000))
            self._retry_s = min(RETRY_MOST_S, self._retry_s * 2)
            return
        self._pending = None
        self.outbox.remove(pending.decision_id)
        self.decision_panel.set_pending(False)
        self._show_banner("error", f"Not saved: {error}")

    def _retry(self) -> None:
        if self._pending is not None and not self._busy:
            self._send(self._pending)
        elif self.current is None and self.workspace is not None and not self._busy:
            self.next_item()

    def skip(self) -> None:
        current = self.current
        if current is None:
            return
        item_id = current.view.id
        escalations = self._escalations()

        def skip_then_next(workspace: Workspace, actor: Actor) -> Claim | None:
            workspace.review.skip(actor, item_id)
            return workspace.review.claim_next(actor, escalations=escalations)

        self._claim(skip_then_next)

    def undo(self) -> None:
        workspace, actor = self.workspace, self.actor
        if workspace is None or actor is None or self._busy or self._pending is not None:
            return
        self._busy = True

        def work() -> tuple[DecisionInfo, Loaded]:
            undone = workspace.review.undo_last(actor)
            workspace.review.claim(actor, undone.item_id)
            return undone, _load(workspace, undone.item_id, actor)

        def done(result: tuple[DecisionInfo, Loaded]) -> None:
            self._busy = False
            undone, loaded = result
            self.statusBar().showMessage(f"Undone: your decision on item {undone.item_id}", 6000)
            self.model.reset()
            self._show(loaded)
            self._refresh_counts()

        def failed(error: Exception) -> None:
            self._busy = False
            if isinstance(error, TRANSIENT):
                self._set_connected(False)
            self._show_banner("error", f"Nothing undone: {error}")

        DbOp(self.writer, work).success(done).failure(failed).run()

    def _apply_suggestion(self) -> None:
        current = self.current
        if current is None or current.view.suggestion is None:
            return
        suggestion = current.view.suggestion
        note = f"as decided on near-duplicate item {suggestion.item_id}"
        self._on_decided(DecisionRequest(suggestion.action, tuple(suggestion.labels), suggestion.reason, note))

    def approve_selected(self) -> None:
        """Approve the selected quiet items (no media, no markers, severity 0) at once."""
        workspace, actor = self.workspace, self.actor
        if workspace is None or actor is None or self._busy:
            return
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        chosen = [self.model.entry(row) for row in rows]
        quiet = [r for r in chosen if r.severity == 0 and not r.markers and not r.media]
        if not quiet:
            self.statusBar().showMessage("Select quiet items first: no media, no markers, severity S0", 6000)
            return
        left_out = len(chosen) - len(quiet)
        if len(quiet) > CONFIRM_OVER:
            extra = f"\n\n{left_out} selected item(s) need their own look and stay in the queue." if left_out else ""
            answer = QMessageBox.question(
                self, "Approve quiet items", f"Approve {len(quiet)} items at once?{extra}",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
            )  # fmt: skip
            if answer != QMessageBox.StandardButton.Yes:
                return
        pairs = [(r.id, str(uuid.uuid4())) for r in quiet]
        self._busy = True

        def work() -> list[DecisionInfo]:
            return workspace.review.approve_many(actor, pairs)

        def done(infos: list[DecisionInfo]) -> None:
            self._busy = False
            for info in infos:
                self.model.remove_item(info.item_id)
                if self.tracker is not None:
                    self.tracker.add_decision()
            note = f" ({left_out} left for their own look)" if left_out else ""
            self.statusBar().showMessage(f"Approved {len(infos)} quiet items{note}", 6000)
            self._refresh_counts()
            self._update_status()
            if self.current is not None and self.current.view.id in {i.item_id for i in infos}:
                self.current = None
                self.next_item()

        def failed(error: Exception) -> None:
            self._busy = False
            self._show_banner("error", f"Nothing approved: {error}")

        DbOp(self.writer, work).success(done).failure(failed).run()

    def _renew(self) -> None:
        workspace, actor, current = self.workspace, self.actor, self.current
        if workspace is None or actor is None or current is None or self._pending is not None or self.second_review:
            return  # a second review's task is given back to its reviewer even after its lease ran out
        item_id = current.view.id

        def work() -> None:
            workspace.review.renew(actor, item_id)

        DbOp(self.writer, work).success(lambda _none: self._set_connected(True)).failure(self._on_read_failed).run()

    # == care =================================================================

    def _check_care(self) -> None:
        tracker = self.tracker
        if tracker is None or self._banner_kind in ("break", "budget"):
            return
        due = tracker.due()
        if due is None:
            return
        if due == "budget":
            hours = self.settings.get("daily_budget_minutes") / 60
            text = (
                f"<b>You have reached today's exposure budget</b> ({hours:g} h on graphic items). "
                "Please finish with something else, or talk to your supervisor before going on."
            )
        else:
            text = (
                "<b>Time for a short break.</b> You have looked at a lot of difficult material. "
                "Step away from the screen for a few minutes; the queue will wait."
            )
        self._show_banner(due, text)
        self._log_reminder(due, "shown")
        self.reminder_shown.emit(due)

    def _log_reminder(self, reminder: str, answer: str) -> None:
        workspace, actor = self.workspace, self.actor
        if workspace is None or actor is None:
            return

        def work() -> None:
            care.record_reminder(workspace.db, actor, reminder, answer, clock=workspace.clock)

        DbOp(self.writer, work).failure(self._on_read_failed).run()

    # == banner and status ====================================================

    def _show_banner(self, kind: str, text: str) -> None:
        self._banner_kind = kind
        self.banner.setProperty("kind", kind)
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)
        self.banner_text.setText(text)
        self.banner_button.setVisible(kind != "offline")
        self.banner.show()

    def _dismiss_banner(self) -> None:
        kind = self._banner_kind
        self.banner.hide()
        self._banner_kind = None
        if kind in ("break", "budget") and self.tracker is not None:
            self.tracker.answered(kind)
            self._log_reminder(kind, "dismissed")

    def _set_connected(self, connected: bool) -> None:
        if connected == self._connected and self.status_db.text():
            return
        self._connected = connected
        if connected:
            self.status_db.setText("● Database connected")
            if self._banner_kind == "offline":
                self.banner.hide()
                self._banner_kind = None
        else:
            self.status_db.setText("○ Database not answering")
            pending = (
                " Your decision is kept and will be saved when it answers again (pending)." if self._pending else ""
            )
            self._show_banner("offline", f"<b>The database is not answering.</b> Retrying…{pending}")
            if not self._retry_timer.isActive():
                self._retry_timer.start(int(self._retry_s * 1000))
        self.connection_changed.emit(connected)

    def _update_status(self) -> None:
        pending = getattr(self, "_pending_count", None)
        self.status_queue.setText(f"Queue: {pending:,} pending" if pending is not None else "Queue: …")
        tracker = self.tracker
        if tracker is not None:
            self.status_today.setText(f"Today: {tracker.day.decisions} decisions")
            minutes, seconds = divmod(int(tracker.session_reveal_s), 60)
            self.status_exposure.setText(f"Revealed this session: {minutes}:{seconds:02d}")

    # == other windows ========================================================

    def show_shortcuts(self) -> None:
        self.shortcut_sheet = ShortcutSheet(self.actions_by_name.values(), self)
        self.shortcut_sheet.show()

    def show_import(self) -> None:
        workspace, actor = self.workspace, self.actor
        if workspace is None or actor is None:
            return
        if self.import_dialog is None:
            dialog = ImportDialog(_veil(workspace, self.settings, actor), self)
            dialog.finished_import.connect(self._on_imported)
            self.import_dialog = dialog
        self.import_dialog.show()
        self.import_dialog.raise_()

    def _on_imported(self, report: IngestReport) -> None:
        self.statusBar().showMessage(f"Import: {report.items_added} items added", 6000)
        self.refresh()
        if self.current is None:
            self.next_item()

    def show_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        dialog.saved.connect(self._on_settings_saved)
        self.settings_dialog = dialog
        dialog.open()

    def _on_settings_saved(self, _changes: dict[str, object]) -> None:
        """What can change at once does: theme, font, view defaults, reminders.
        The database and preview sizes apply at the next start and to new imports."""
        # The database and the user stay those of this session; a locked one
        # is the system file's anyway (and may not be given as an override).
        kept = {key: self.settings.values[key] for key in ("db_url", "user") if key not in self.settings.locked}
        self.settings = config.load(kept)
        apply_theme(_application(), self.settings.get("theme"), self.settings.get("font_size_pt"))
        self.grid.set_prefs(self._view_prefs())
        if self.tracker is not None:
            self.tracker.policy = Policy(
                break_reveal_s=self.settings.get("break_reveal_minutes") * 60,
                break_graphic_items=self.settings.get("break_graphic_items"),
                daily_budget_s=self.settings.get("daily_budget_minutes") * 60,
            )
        if self.import_dialog is not None and not self.import_dialog.running:
            self.import_dialog.deleteLater()
            self.import_dialog = None  # the next one makes previews with the new sizes
        self.statusBar().showMessage("Settings saved", 5000)

    def _load_demo(self) -> None:
        workspace, actor = self.workspace, self.actor
        if workspace is None or actor is None:
            return
        self.load_demo_button.setEnabled(False)

        def work() -> IngestReport:
            return load_demo(workspace.db, actor=actor.name, now=workspace.clock())

        def done(report: IngestReport) -> None:
            self.load_demo_button.setEnabled(True)
            self.statusBar().showMessage(f"Demo feed: {report.items_added} items added", 6000)
            self.refresh()
            if self.current is None:
                self.next_item()

        DbOp(self.writer, work).success(done).failure(self._on_claim_failed).run()

    # == keys and closing =====================================================

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Space held over the media reveals it; released, it is blurred again."""
        kind = event.type()
        if (
            kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease)
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Space
            and not event.isAutoRepeat()
            and self._space_is_ours(watched)
        ):
            self.grid.hold_reveal(kind == QEvent.Type.KeyPress)
            return True
        return super().eventFilter(watched, event)

    def _space_is_ours(self, watched: QObject) -> bool:
        if not self.isActiveWindow() or self.current is None:
            return False
        focus = QApplication.focusWidget()
        # In a text field Space types a space.
        if isinstance(focus, QLineEdit | QTextEdit | QPlainTextEdit):
            return False
        return isinstance(watched, QWidget) and (watched is self or self.isAncestorOf(watched))

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.audit_view is not None:
            self.audit_view.shutdown()
            self.audit_view.close()
        if self.dashboard is not None:
            self.dashboard.close()
        if self.import_dialog is not None:
            self.import_dialog.done(QDialog.DialogCode.Rejected)  # stops a running import and waits for it
        _application().removeEventFilter(self)
        self._leave_current()
        workspace, actor, current = self.workspace, self.actor, self.current
        if workspace is not None and actor is not None and current is not None and self._pending is None:
            item_id = current.view.id

            def release() -> None:
                # No longer ours (the lease ran out and someone took it): nothing to give back.
                with contextlib.suppress(VeilError):
                    workspace.review.release(actor, item_id)

            DbOp(self.writer, release).run()  # finished before the writer stops
        for timer in (self._renew_timer, self._counts_timer, self._retry_timer):
            timer.stop()
        self.pictures.shutdown()
        self.reader.shutdown()
        self.writer.shutdown()
        if self.workspace is not None:
            self.workspace.close()
            self.workspace = None
        super().closeEvent(event)


def _application() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication), "the window needs a QApplication"
    return app


def _load(workspace: Workspace, item_id: int, viewer: Actor | None) -> Loaded:
    return _loaded(workspace, workspace.review.show(item_id, viewer=viewer))


def _loaded(workspace: Workspace, view: ItemView) -> Loaded:
    previews: dict[int, bytes] = {}
    if not view.media_withheld:
        for media in view.media:
            if media.has_preview:
                previews[media.id] = workspace.review.stored_preview(media.id)
    return Loaded(view, previews, {media_id: QImage.fromData(jpeg) for media_id, jpeg in previews.items()})


def _next_second_review(workspace: Workspace, actor: Actor) -> Loaded | None:
    claim = qa.claim_next(workspace.db, actor, clock=workspace.clock, lease=workspace.review.lease)
    return _loaded(workspace, claim.item) if claim else None


def _send(workspace: Workspace, actor: Actor, pending: PendingDecision) -> DecisionInfo:
    if pending.second_review:
        return qa.decide(
            workspace.db, actor, pending.item_id, Action(pending.action), clock=workspace.clock,
            labels=pending.labels, reason=pending.reason, note=pending.note, decision_id=pending.decision_id,
        )  # fmt: skip
    return workspace.review.decide(
        actor, pending.item_id, Action(pending.action), labels=pending.labels, reason=pending.reason,
        note=pending.note, decision_id=pending.decision_id,
    )  # fmt: skip


def _warning(view: ItemView) -> str | None:
    """What an S3 item's warning screen names: its strongest markers."""
    if view.severity < 3:
        return None
    worst = [m["text"] for m in view.markers if m["severity"] >= 3]
    named = ", ".join(dict.fromkeys(worst)) or "extreme content"
    return f"Extreme content (S3) — marked {named}"


def _veil(workspace: Workspace, settings: Settings, actor: Actor | None = None) -> Veil:
    """The application layer over the window's workspace, as ``actor``, for the dialogs and views that take one."""
    return Veil(Context(workspace, preview=settings.preview(), media_store=settings.media_store, actor=actor))
