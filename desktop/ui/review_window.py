"""The moderator's workstation: queue, item, decision, all by keyboard.

Layout: the queue on the left (a lazy table with filters), the item in the
centre (its text with markers, then its media blurred), the decision panel
on the right, the state of the day in the status bar.

The window lays out views and forwards keys. The review loop itself (claim,
decide, undo, read-ahead, the outbox of unsaved decisions, pictures) is
:class:`desktop.ui.review_controller.ReviewController`, which has no
widgets; the supervisors' menu is :mod:`desktop.ui.supervisor_menu`, the
break and budget reminders :mod:`desktop.ui.care_reminders`.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, BinaryIO

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop import config
from desktop.app.stages import STAGES
from desktop.core.media import levels
from desktop.domain.people import Permission
from desktop.ui.banner import Banner
from desktop.ui.care_reminders import CareReminders
from desktop.ui.decision_panel import DecisionPanel
from desktop.ui.feedback import FeedbackDialog
from desktop.ui.import_dialog import ImportDialog
from desktop.ui.item_panel import ItemPanel
from desktop.ui.media_view import Level, MediaGrid, ViewPrefs
from desktop.ui.queue_model import ItemIdRole
from desktop.ui.queue_pane import QueuePane
from desktop.ui.review_actions import review_actions
from desktop.ui.review_controller import ReviewController
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.shortcut_sheet import ShortcutSheet
from desktop.ui.sign_in import SignInDialog, ask_database_password
from desktop.ui.status_line import StatusLine
from desktop.ui.supervisor_menu import SupervisorMenu
from desktop.ui.theme import apply_theme
from desktop.ui.video_dialog import VideoDialog

if TYPE_CHECKING:
    from datetime import datetime

    from desktop.config import Settings
    from desktop.domain.changes import Changes
    from desktop.domain.ingest import IngestReport
    from desktop.domain.people import Actor
    from desktop.domain.review import DecisionInfo, ItemView
    from desktop.ui.loaded import Loaded, Opened

# More than this many items approved at once asks first.
CONFIRM_OVER = 20


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
        self.controller = ReviewController(settings, self)
        self.model = self.controller.model
        self.care: CareReminders | None = None
        self.supervisor: SupervisorMenu | None = None
        self.video: VideoDialog | None = None
        self.import_dialog: ImportDialog | None = None
        self._selecting = False  # the window itself moves the table's selection
        self._build()
        c = self.controller
        self.actions_by_name = review_actions(
            self, self.decision_panel, self.grid,
            {
                "import": self.show_import, "demo": self.load_demo, "settings": self.show_settings,
                "refresh": self.refresh, "quit": self.close, "skip": c.skip, "undo": c.undo,
                "suggestion": c.apply_suggestion, "bulk": self.approve_selected,
                "second_review": self.toggle_second_review, "feedback": self.show_feedback,
                "next": lambda: self.step_item(+1), "previous": lambda: self.step_item(-1),
                "shortcuts": self.show_shortcuts,
            },
        )  # fmt: skip
        self._connect()
        _application().installEventFilter(self)  # Space held over the media

    # == building =============================================================

    def _build(self) -> None:
        self.setWindowTitle("Veil")
        self.resize(1440, 900)

        self.banner = Banner()
        self.banner_text, self.banner_button = self.banner.text, self.banner.button

        # -- the queue
        self.queue = QueuePane(self.controller.model)
        # The panes' widgets by their old names: tests and the shortcuts reach them here.
        self.table, self.queue_count = self.queue.table, self.queue.count
        self.filter_status, self.filter_marker, self.filter_label = (
            self.queue.status,
            self.queue.marker,
            self.queue.label,
        )
        self.filter_source, self.filter_language = self.queue.source, self.queue.language
        self.filters = self.queue.filters
        queue = self.queue

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

        self.status = StatusLine(self.statusBar())
        self.status_today, self.status_exposure = self.status.today, self.status.exposure

    def _view_prefs(self) -> ViewPrefs:
        return ViewPrefs(
            greyscale=bool(self.settings.values.greyscale),
            s3_warning_screen=bool(self.settings.values.s3_warning_screen),
        )

    def _connect(self) -> None:
        c = self.controller
        c.sign_in_needed.connect(self._ask_sign_in)
        c.password_needed.connect(self._ask_database_password)
        c.opened.connect(self._on_opened)
        c.open_failed.connect(self._on_open_failed)
        c.shown.connect(self._show)
        c.decision_saved.connect(self.decision_saved)
        c.pending_changed.connect(lambda pending, retrying: self.decision_panel.set_pending(pending, retrying=retrying))
        c.connection_changed.connect(self._set_connected)
        c.exposure_kept.connect(self._on_exposure_kept)
        c.counts_changed.connect(self._on_counts)
        c.message.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        c.alert.connect(self._show_banner)
        c.changed.connect(self._on_changed)
        pictures = c.pictures
        pictures.image_ready.connect(
            lambda item, media, level, image: self.grid.set_image(item, media, Level(level), image)
        )
        pictures.image_failed.connect(
            lambda item, media, level, why: self.grid.set_image_error(item, media, Level(level), why)
        )
        pictures.video_ready.connect(self._play)
        c.model.rowsInserted.connect(lambda *_args: self._select_current_row())
        self.decision_panel.decided.connect(c.decide)
        self.item_panel.apply_suggestion.connect(c.apply_suggestion)
        self.grid.image_wanted.connect(pictures.want_image)
        self.grid.exposure_ended.connect(self._on_exposure_ended)
        self.grid.level_changed.connect(self.status.show_level)
        self.grid.play_requested.connect(pictures.want_video)
        self.banner.dismissed.connect(self._on_banner_dismissed)
        self.load_demo_button.clicked.connect(self.load_demo)
        self.table.clicked.connect(self._on_table_clicked)
        self.queue.filter_changed.connect(c.set_filter)

    # == opening ==============================================================

    @property
    def actor(self) -> Actor | None:
        return self.controller.actor

    @property
    def current(self) -> Loaded | None:
        return self.controller.current

    def open_database(self) -> None:
        """Open the database and sign in (see :meth:`ReviewController.open_database`)."""
        self.controller.open_database()

    def _ask_sign_in(self) -> None:
        veil = self.controller.veil
        assert veil is not None
        self._show_empty("Sign in to start reviewing.")
        dialog = SignInDialog(veil, self.settings.user, self)
        dialog.accepted.connect(lambda: self.controller.signed_in(dialog.actor) if dialog.actor else self.close())
        dialog.rejected.connect(self.close)
        self.sign_in_dialog = dialog
        dialog.open()
        self.sign_in_shown.emit()

    def _ask_database_password(self, why: str, refused: bool) -> None:
        self._show_empty("Sign in to start reviewing.")
        dialog = ask_database_password(self, why, refused)
        dialog.textValueSelected.connect(self.controller.open_database)
        dialog.rejected.connect(lambda: self._on_open_failed(why))
        self.password_dialog = dialog
        dialog.open()
        self.sign_in_shown.emit()

    def _on_opened(self, opened: Opened) -> None:
        # Qt appends " — Veil" (the application's display name) to every title.
        self.setWindowTitle(f"{opened.actor.name} ({opened.actor.role.value}) — {opened.where}")
        self.decision_panel.set_taxonomy(opened.labels, opened.reasons, opened.actions)
        self.queue.fill(opened.facets, escalations=opened.actor.may(Permission.RESOLVE_ESCALATIONS))
        if opened.actor.may(Permission.AUDIT):
            self.supervisor = SupervisorMenu(
                self, self.controller, failed=lambda text: self._show_banner("error", text)
            )
            self.actions_by_name.update(self.supervisor.actions)
        self.care = CareReminders(self.controller, self.settings, opened.day)
        self.care.due.connect(self._on_reminder_due)
        self.controller.graphic_item_left = self.care.graphic_item_left
        self._set_connected(True)
        self._update_status()
        self.opened.emit()

    def _on_open_failed(self, message: str) -> None:
        self._show_empty(f"<h3>Veil cannot open its database</h3><p>{message}</p>")
        self.status.show_database("none")
        self.open_failed.emit(message)

    # == the queue ============================================================

    def refresh(self) -> None:
        self.controller.refresh()

    def _on_counts(self, pending: int | None) -> None:
        self.queue.set_count(pending)
        self._update_status()

    def _select_current_row(self) -> None:
        self._selecting = True
        self.queue.select_item(self.current.view.id if self.current else None)
        self._selecting = False

    # == moving between items ================================================

    def next_item(self) -> None:
        self.controller.next_item()

    def toggle_second_review(self) -> None:
        if not self.controller.toggle_second_review():
            return
        second = self.controller.second_review
        self.table.setEnabled(not second)
        for name in ("next", "previous", "next2", "previous2", "skip", "undo", "bulk", "suggestion"):
            self.actions_by_name[name].setEnabled(not second)
        if second:
            self._show_banner(
                "second-review",
                "<b>Blind second review.</b> The first decision is hidden: decide as you would. "
                "Ctrl+2 returns to the queue.",
            )
        else:
            self.banner.clear("second-review")

    def step_item(self, step: int) -> None:
        """J/K: the item after or before the one shown, in the list."""
        if self.current is None:
            return
        row = self.model.row_of(self.current.view.id)
        target = (row + step) if row is not None else 0
        if not 0 <= target < self.model.rowCount():
            return
        self.pick(self.model.item_id(target))

    def pick(self, item_id: int) -> None:
        self.controller.pick(item_id)

    @Slot(QModelIndex)
    def _on_table_clicked(self, index: QModelIndex) -> None:
        modifiers = QApplication.keyboardModifiers()
        if self._selecting or modifiers & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier):
            return  # extending a selection for "approve selected", not moving
        item_id = self.model.data(index, ItemIdRole)
        if item_id is not None and (self.current is None or item_id != self.current.view.id):
            self.pick(int(item_id))

    # == showing ==============================================================

    def _show(self, loaded: Loaded | None) -> None:
        self._close_video()
        self.grid.clear()  # ends every reveal; their exposure is recorded by the signal
        if loaded is None:
            self.decision_panel.show_item(None, can_decide=False)
            self.item_panel.clear()
            self._show_empty("The queue is empty. Nothing is waiting for you.", offer_demo=True)
            self._update_status()
            self.item_shown.emit(0)
            return
        view = loaded.view
        self.empty_page.hide()
        self.item_page.show()
        self.item_panel.show_item(view)
        previews = {} if view.media_withheld else loaded.images
        self.grid.show_item(
            view.id, view.media, severity=view.severity, warning=_warning(view), withheld=view.media_withheld,
            previews=previews,
        )  # fmt: skip
        self.decision_panel.show_item(view, can_decide=self.controller.can_decide())
        self._update_status()
        STAGES.mark("laid_out")
        # The list follows once the new item is painted (moving its selection repaints it).
        after_paint = self.controller.after_paint
        after_paint(self._select_current_row)
        item_id = view.id
        after_paint(lambda: self.item_shown.emit(item_id))

    def _on_changed(self, changes: Changes) -> None:
        """What an operation changed, handed to the views that show it (the review
        loop's own views are kept current by the controller)."""
        if self.supervisor is not None:
            self.supervisor.apply(changes)
        if changes.care:
            self._update_status()  # exposure sent from the outbox is saved now

    def _show_empty(self, text: str, *, offer_demo: bool = False) -> None:
        self.empty.setText(text)
        self.load_demo_button.setVisible(offer_demo)
        self.item_page.hide()
        self.empty_page.show()

    # == pictures =============================================================

    def _on_exposure_ended(self, item_id: int, media_id: int, mode: str, started_at: datetime, seconds: float) -> None:
        self.controller.record_exposure(item_id, media_id, mode, started_at, seconds)
        if self.care is not None:
            self.care.revealed(seconds)
        self._update_status()

    def _play(self, item_id: int, media_id: int, original: BinaryIO) -> None:
        """A video, on request only: muted, at the item's blur, grey unless
        colour is on. The player takes ``original`` over and closes it."""
        self._close_video()
        step = levels.STEPS[self.grid.level()] or "default"
        dialog = VideoDialog(
            speed=self.settings.values.video_speed, jump_seconds=self.settings.values.video_jump_seconds,
            blurred_level=step, settings=self.settings.preview(), parent=self,
        )  # fmt: skip
        dialog.exposure_ended.connect(
            lambda mode, started, seconds: self._on_exposure_ended(item_id, media_id, mode, started, seconds)
        )
        dialog.load(original, greyscale=not self.grid.colour())
        dialog.show()
        self.video = dialog

    def _close_video(self) -> None:
        if self.video is not None:
            self.video.close()
            self.video.deleteLater()
            self.video = None

    # == deciding =============================================================

    def approve_selected(self) -> None:
        """Approve the selected quiet items (no media, no markers, severity 0) at once."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        chosen = [self.model.entry(row) for row in rows if self.model.is_loaded(row)]
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

        def done(infos: list[DecisionInfo]) -> None:
            if self.care is not None:
                self.care.decided(len(infos))
            note = f" ({left_out} left for their own look)" if left_out else ""
            self.statusBar().showMessage(f"Approved {len(infos)} quiet items{note}", 6000)
            self._update_status()

        self.controller.approve_quiet([r.id for r in quiet], done=done)

    # == care, banner and status ==============================================

    def _on_reminder_due(self, kind: str, text: str) -> None:
        self._show_banner(kind, text)
        self.reminder_shown.emit(kind)

    def _show_banner(self, kind: str, text: str) -> None:
        self.banner.say(kind, text)

    def _on_banner_dismissed(self, kind: str) -> None:
        if self.care is not None:
            self.care.dismissed(kind)

    def _set_connected(self, connected: bool) -> None:
        if connected:
            self.status.show_database("connected")
            self.banner.clear("offline")
        else:
            reason = self.controller.cannot_write
            self.status.show_database("unwritable" if reason else "offline")
            # A full or read-only disk is not a silent server: say what saving waits for.
            when = "once the database can be written again" if reason else "when it answers again"
            pending = (
                ""
                if not self.controller.pending
                else f" Your decision is kept and will be saved {when} (pending)."
                if self.controller.pending_on_disk
                else " Your decision could not be kept on disk either: keep Veil open until it is saved (pending)."
            )
            if self.controller.exposure_waiting():
                pending += f" What you saw is kept and will be recorded {when} (pending)."
            head = (
                f"<b>Veil cannot save to the database:</b> {html.escape(str(reason))}."
                if reason
                else "<b>The database is not answering.</b>"
            )
            self._show_banner("offline", f"{head} Retrying…{pending}")
        self.connection_changed.emit(connected)

    def _on_exposure_kept(self) -> None:
        self._set_connected(self.controller.connected)
        self._update_status()

    def _update_status(self) -> None:
        self.status.show_day(
            self.controller.pending_count,
            self.care.tracker if self.care else None,
            self.controller.outbox_sender.reveal_waiting_s(),
        )

    # == other windows ========================================================

    def show_shortcuts(self) -> None:
        self.shortcut_sheet = ShortcutSheet(self.actions_by_name.values(), self)
        self.shortcut_sheet.show()

    def show_feedback(self) -> None:
        veil = self.controller.veil
        if veil is None or self.actor is None:
            return
        self.feedback_dialog = FeedbackDialog(veil, self)
        self.feedback_dialog.show()

    def show_import(self) -> None:
        veil = self.controller.veil
        if veil is None or self.actor is None:
            return
        if self.import_dialog is None:
            dialog = ImportDialog(veil, self)
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
        kept = {
            key: getattr(self.settings.values, key) for key in ("db_url", "user") if key not in self.settings.locked
        }
        self.settings = config.load(kept)
        self.controller.settings = self.settings
        apply_theme(_application(), self.settings.values.theme, self.settings.values.font_size_pt)
        self.grid.set_prefs(self._view_prefs())
        if self.care is not None:
            self.care.set_settings(self.settings)
        if self.import_dialog is not None and not self.import_dialog.running:
            self.import_dialog.deleteLater()
            self.import_dialog = None  # the next one makes previews with the new sizes
        self.statusBar().showMessage("Settings saved", 5000)

    def load_demo(self) -> None:
        self.load_demo_button.setEnabled(False)

        def done(added: int) -> None:
            self.load_demo_button.setEnabled(True)
            self.statusBar().showMessage(f"Demo feed: {added} items added", 6000)

        self.controller.load_demo(done)

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
        if self.supervisor is not None:
            self.supervisor.close()
        if self.import_dialog is not None:
            self.import_dialog.done(QDialog.DialogCode.Rejected)  # stops a running import and waits for it
        _application().removeEventFilter(self)
        self._close_video()
        self.grid.clear()  # ends every reveal; their exposure is recorded before the writer stops
        self.controller.close()
        super().closeEvent(event)


def _application() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication), "the window needs a QApplication"
    return app


def _warning(view: ItemView) -> str | None:
    """What an S3 item's warning screen names: its strongest markers."""
    if view.severity < 3:
        return None
    worst = [m["text"] for m in view.markers if m["severity"] >= 3]
    named = ", ".join(dict.fromkeys(worst)) or "extreme content"
    return f"Extreme content (S3) — marked {named}"
