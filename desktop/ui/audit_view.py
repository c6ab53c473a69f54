"""The decision log for supervisors: filter, page, read an item's history, override.

:class:`AuditView` is a plain widget, for a window or a tab of its own. On
the left, every decision event newest first in a lazy table (pages come
from ``veil.audit.page`` on the view's own reader thread as the table
scrolls); undone and overridden decisions are struck
through. On the right, the selected item's whole history and whether the
audit chain still vouches for it, with "Override…" for supervisors. The
"Verify audit chain" button walks the whole chain, as ``veil audit
verify`` does.

The view never reads the database on the UI thread and never imports SQL:
everything goes through ``veil.audit`` on a :class:`DbWorker`. Its
threads stop in :meth:`AuditView.shutdown`, which closing the view calls;
a window that embeds it in a tab calls it when the window closes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QDateTime,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTime,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QCloseEvent, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.audit import EventKind, LogFilter, Verification
from desktop.domain.people import Permission
from desktop.domain.review import Action, DecisionInfo
from desktop.ui.decision_words import NO_NAMES, Names, action_name, decision_text, plain_tooltip, when
from desktop.ui.override_dialog import OverrideDialog
from desktop.ui.theme import colours, current_theme
from desktop.ui.workers import DbOp, DbWorker

if TYPE_CHECKING:
    from collections.abc import Callable

    from desktop.app.veil import Veil
    from desktop.domain.audit import (
        ChainStatus,
        HistoryEntry,
        ItemHistory,
        LogFacets,
        LogKey,
        LogPage,
        LogRow,
        Verification,
    )
    from desktop.domain.review import DecisionInfo

PAGE = 200
# Typing in the search box waits this long for the next key before searching:
# a search scans item text, and one per keystroke would queue up scans.
SEARCH_DELAY_MS = 350
Index = QModelIndex | QPersistentModelIndex
DecisionIdRole = Qt.ItemDataRole.UserRole + 1
ItemIdRole = Qt.ItemDataRole.UserRole + 2
COLUMNS = ("When", "Item", "Event", "Decision", "Reviewer", "Status", "Text")
KIND_NAMES = {
    EventKind.DECISION: "Decision",
    EventKind.SECOND_REVIEW: "Second review",
    EventKind.UNDO: "Undo",
    EventKind.OVERRIDE: "Override",
}
# Green for "intact" is not in the theme (which keeps to calm greys and
# amber); muted, like the rest, and never red for "broken": amber says it.
_GOOD = {"dark": "#93c49b", "light": "#2d6a3a"}


def local_day_start(day: QDate) -> datetime:
    """The first instant of ``day`` in the local time zone, in UTC (Qt knows the DST rules)."""
    return datetime.fromtimestamp(QDateTime(day, QTime(0, 0)).toSecsSinceEpoch(), UTC)


def good_colour() -> str:
    return _GOOD.get(current_theme(), _GOOD["dark"])


def warning_colour() -> str:
    return colours(current_theme()).warning_text


def _row_text(row: LogRow, names: Names, *, short: bool = False) -> str:
    if row.kind == EventKind.UNDO:
        target = row.refers_to
        return f"Undo of {action_name(target.action, short=short)} ({target.reviewer})" if target else "Undo"
    return decision_text(row.action, row.labels, row.reason, names, short=short)


def _status_text(row: LogRow) -> str:
    if row.withdrawn == "undone":
        return "Undone"
    if row.withdrawn == "overridden":
        return "Overridden"
    return "In force" if row.in_force else ""


# -- the table ---------------------------------------------------------------------


class LogModel(QAbstractTableModel):
    """Decision events newest first, a page at a time.

    ``fetch_page(after, done)`` reads the page after ``after`` off the UI
    thread and calls ``done(page)`` back on it; ``done`` says whether the
    page was taken (False: it was asked for before a reset).
    """

    def __init__(self, fetch_page: Callable[[LogKey | None, Callable[[LogPage], bool]], None]) -> None:
        super().__init__()
        self._fetch_page = fetch_page
        self._rows: list[LogRow] = []
        self._ids: set[str] = set()
        self._next: LogKey | None = None
        self._generation = 0
        self._loading = False
        self._exhausted = True  # nothing to fetch until the first reset
        self._wanted = 0  # rows to gather before a text search stops scanning
        self.scanned = 0  # rows read since the reset (a text search reads more than it shows)
        self.names = NO_NAMES

    # -- pages ----------------------------------------------------------

    def reset(self) -> None:
        """Forget every row and read the first page again."""
        self.beginResetModel()
        self._rows, self._ids, self._next = [], set(), None
        self._generation += 1
        self._exhausted = False
        self.scanned = 0
        self.endResetModel()
        self._request()

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def stop(self) -> None:
        """Ask for nothing more (a page failed to load)."""
        self._loading = False
        self._exhausted = True

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt's signature
        if self.canFetchMore(parent):
            self._wanted = len(self._rows) + PAGE
            self._request()

    def _request(self) -> None:
        if not self._rows:
            self._wanted = PAGE
        self._loading = True
        generation = self._generation
        self._fetch_page(self._next, lambda page: self.add_page(page, generation))

    def add_page(self, page: LogPage, generation: int) -> bool:
        if generation != self._generation:
            return False  # asked for before a reset: it belongs to other filters
        self._loading = False
        self._next = page.next_key
        self._exhausted = page.next_key is None
        self.scanned += page.scanned
        fresh = [row for row in page.rows if row.id not in self._ids]
        if fresh:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._rows.extend(fresh)
            self._ids.update(row.id for row in fresh)
            self.endInsertRows()
        if not self._exhausted and len(self._rows) < self._wanted:
            # A text search that used up its scan budget: go on scanning,
            # one budget per round trip, so the window stays live and a new
            # filter (a reset) stops it.
            self._request()
        return True

    def set_names(self, names: Names) -> None:
        self.names = names
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    # -- reading --------------------------------------------------------

    def entry(self, row: int) -> LogRow:
        return self._rows[row]

    def row_of_item(self, item_id: int) -> int | None:
        """The newest row of ``item_id``."""
        return next((n for n, row in enumerate(self._rows) if row.item_id == item_id), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, index.column())
        if role == DecisionIdRole:
            return row.id
        if role == ItemIdRole:
            return row.item_id
        if role == Qt.ItemDataRole.FontRole and row.withdrawn:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and row.withdrawn:
            return QApplication.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(self._tooltip(row))
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, row: LogRow, column: int) -> str:
        if column == 0:
            return when(row.decided_at)
        if column == 1:
            return str(row.item_id)
        if column == 2:
            return KIND_NAMES[row.kind] + (f" (round {row.round})" if row.round > 2 else "")
        if column == 3:
            return _row_text(row, self.names, short=True)
        if column == 4:
            return row.reviewer
        if column == 5:
            return _status_text(row)
        return row.excerpt

    def _tooltip(self, row: LogRow) -> str:
        lines = [f"Item {row.item_id} · {row.source}" + (f" · {' '.join(row.markers)}" if row.markers else "")]
        lines.append(f"{KIND_NAMES[row.kind]} by {row.reviewer}, {when(row.decided_at, seconds=True)}")
        lines.append(_row_text(row, self.names))
        if row.kind == EventKind.OVERRIDE and row.refers_to is not None:
            lines.append(f"Replaces {row.refers_to.reviewer}'s {action_name(row.refers_to.action)}")
        if row.note:
            lines.append(("Reason: " if row.kind == EventKind.OVERRIDE else "Note: ") + row.note)
        if row.withdrawn_by is not None:
            how = "Undone" if row.withdrawn == "undone" else "Overridden"
            lines.append(f"{how} by {row.withdrawn_by.reviewer}, {when(row.withdrawn_by.decided_at, seconds=True)}")
        return "\n".join(lines)


# -- the view ----------------------------------------------------------------------


class AuditView(QWidget):
    # int: rows in the table after a page arrived
    page_loaded = Signal(int)
    # int: the item whose history and chain status are now shown
    history_shown = Signal(int)
    # desktop.domain.audit.Verification: the result of "Verify audit chain"
    verified = Signal(object)
    # desktop.domain.review.DecisionInfo: an override made from this view, saved
    overridden = Signal(object)
    # str: a message shown because a read failed (refused, database unreachable)
    error_shown = Signal(str)

    def __init__(self, veil: Veil, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._veil = veil
        self._reader = DbWorker(self, name="veil-audit-read")
        self._query = LogFilter()
        self._names = NO_NAMES
        self._history: ItemHistory | None = None
        self._history_generation = 0
        self._reselect: int | None = None  # the item to select again when the table is reloaded
        self.override_dialog: OverrideDialog | None = None
        self.model = LogModel(self._fetch_page)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._build()
        self._connect_signals()
        # From the event loop, not here: a quick answer (a refusal) can come back
        # within DbOp.run(), before whoever made the view has connected its signals.
        QTimer.singleShot(0, self, self._load_facets)

    def _may_override(self) -> bool:
        actor = self._veil.actor
        return actor is not None and actor.may(Permission.OVERRIDE)

    # -- building -------------------------------------------------------

    def _build(self) -> None:
        self.reviewer_box = QComboBox()
        self.kind_box = QComboBox()
        self.action_box = QComboBox()
        self.label_box = QComboBox()
        self.marker_box = QComboBox()
        self.source_box = QComboBox()
        self.reviewer_box.addItem("Any reviewer", None)
        self.kind_box.addItem("Any event", None)
        for kind, name in (
            (EventKind.DECISION, "Decisions"),
            (EventKind.SECOND_REVIEW, "Second reviews"),
            (EventKind.OVERRIDE, "Overrides"),
            (EventKind.UNDO, "Undos"),
        ):
            self.kind_box.addItem(name, kind)
        self.action_box.addItem("Any action", None)
        for action in (Action.APPROVE, Action.WARN, Action.REMOVE, Action.ESCALATE, Action.UNDO):
            self.action_box.addItem(action_name(action), action)
        self.label_box.addItem("Any label", None)
        self.marker_box.addItem("Any marker", None)
        self.source_box.addItem("Any source", None)
        self.combos = (
            self.reviewer_box,
            self.kind_box,
            self.action_box,
            self.label_box,
            self.marker_box,
            self.source_box,
        )
        for box in self.combos:
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            box.setMaximumWidth(260)

        today = QDate.currentDate()
        self.from_check = QCheckBox("From")
        self.from_date = QDateEdit(today.addDays(-7))
        self.until_check = QCheckBox("Until")
        self.until_date = QDateEdit(today)
        for check, edit in ((self.from_check, self.from_date), (self.until_check, self.until_date)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            check.setToolTip(
                "Only decisions from this day on" if check is self.from_check else "Up to this day, inclusive"
            )
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search item text")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setToolTip(
            "Any part of the item's text, in any letter case. A search reads the log's items one by one:"
            " narrow it by date or reviewer to make it quick."
        )
        self.verify_button = QPushButton("Verify audit chain")
        self.verify_button.setToolTip("Walk the whole hash chain, as `veil audit verify` does")
        self.verify_label = QLabel()
        self.verify_label.setWordWrap(True)
        self.verify_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verify_label.hide()

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        metrics = self.table.fontMetrics()
        for column, sample in enumerate(
            (
                "2026-11-20 09:01",
                "12345",
                "Second review",
                # Long decisions elide; the tooltip and the history say them whole.
                "Warn: Graphic violence, Newsw",
                "reviewer",
                "Overridden",
            )
        ):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 20)
        self.status_label = QLabel()
        self.status_label.setObjectName("auditStatus")

        self.item_title = QLabel("Select a decision to see its item's history")
        title_font = QFont(self.item_title.font())
        title_font.setBold(True)
        self.item_title.setFont(title_font)
        self.item_title.setWordWrap(True)
        self.chain_label = QLabel()
        self.chain_label.setWordWrap(True)
        self.chain_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Plain text always: an item's text is untrusted input (see item_panel).
        self.item_text = QPlainTextEdit()
        self.item_text.setReadOnly(True)
        line = self.item_text.fontMetrics().lineSpacing()
        self.item_text.setFixedHeight(line * 3 + 2 * self.item_text.frameWidth() + 8)
        self.history_list = QListWidget()
        self.history_list.setWordWrap(True)
        self.history_list.setSpacing(3)
        self.history_list.setAlternatingRowColors(True)
        self.history_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.history_list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.override_button = QPushButton("Override…")
        self.override_button.setToolTip("Replace the decision in force on this item, saying why")
        self.override_button.setEnabled(False)
        self.override_button.setVisible(self._may_override())

        filters = QHBoxLayout()
        for box in self.combos:
            filters.addWidget(box)
        filters.addStretch(1)
        dates = QHBoxLayout()
        dates.addWidget(self.from_check)
        dates.addWidget(self.from_date)
        dates.addSpacing(8)
        dates.addWidget(self.until_check)
        dates.addWidget(self.until_date)
        dates.addSpacing(8)
        dates.addWidget(self.search_edit, 1)
        dates.addSpacing(16)
        dates.addWidget(self.verify_button)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.status_label)

        right = QFrame()
        right.setFrameShape(QFrame.Shape.StyledPanel)
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.item_title)
        right_layout.addWidget(self.item_text)
        right_layout.addWidget(self.chain_label)
        right_layout.addWidget(self.history_list, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.override_button)
        right_layout.addLayout(buttons)
        right.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 1)
        # Most of the width for the log: the history wraps, the table's columns do not.
        self.splitter.setSizes([7000, 3000])
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(dates)
        layout.addWidget(self.verify_label)
        layout.addWidget(self.splitter, 1)

    def _connect_signals(self) -> None:
        for box in self.combos:
            box.currentIndexChanged.connect(self._on_filter_changed)
        self.from_check.toggled.connect(self._on_date_check_toggled)
        self.until_check.toggled.connect(self._on_date_check_toggled)
        self.from_date.dateChanged.connect(self._on_date_changed)
        self.until_date.dateChanged.connect(self._on_date_changed)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        self.verify_button.clicked.connect(self._on_verify_button_clicked)
        self.override_button.clicked.connect(self._on_override_button_clicked)

    # -- loading --------------------------------------------------------

    def _load_facets(self) -> None:
        veil = self._veil
        self.status_label.setText("Loading…")

        def work() -> LogFacets:
            return veil.audit.facets()

        DbOp(self._reader, work).success(self._on_facets).failure(self._on_read_failed).run()

    def _on_facets(self, facets: LogFacets) -> None:
        self._names = Names.of(facets.labels, facets.reasons)
        self.model.set_names(self._names)
        for box, values in (
            (self.reviewer_box, [(name, name) for name in facets.reviewers]),
            (self.label_box, [(label.name, label.code) for label in facets.labels]),
            (self.marker_box, [(code, code) for code in facets.markers]),
            (self.source_box, [(name, name) for name in facets.sources]),
        ):
            box.blockSignals(True)
            for text, data in values:
                box.addItem(text, data)
            box.blockSignals(False)
        self.refresh()

    def refresh(self) -> None:
        """Read the log again from its newest event, with the filters as they are."""
        self.status_label.setText("Loading…")
        self.model.reset()

    def _fetch_page(self, after: LogKey | None, done: Callable[[LogPage], bool]) -> None:
        veil, query = self._veil, self._query

        def work() -> LogPage:
            return veil.audit.page(query, after=after, limit=PAGE)

        def arrived(page: LogPage) -> None:
            if done(page):
                self._on_page_taken()

        def failed(error: Exception) -> None:
            self.model.stop()
            self._on_read_failed(error)

        DbOp(self._reader, work).success(arrived).failure(failed).run()

    def _on_page_taken(self) -> None:
        self.status_label.setStyleSheet("")
        count = self.model.rowCount()
        text = f"{count:,} decision event{'s' if count != 1 else ''}"
        if self.model.loading and self._query.text:
            text += f" · searching item text, {self.model.scanned:,} read…"
        elif not self.model.exhausted:
            text += " · more below"
        self.status_label.setText(text)
        if self._reselect is not None:
            row = self.model.row_of_item(self._reselect)
            if row is not None:
                self._reselect = None
                self.table.selectRow(row)
        self.page_loaded.emit(count)

    # -- filters --------------------------------------------------------

    def filter(self) -> LogFilter:
        """The filters as the widgets say them."""
        since = local_day_start(self.from_date.date()) if self.from_check.isChecked() else None
        until = local_day_start(self.until_date.date().addDays(1)) if self.until_check.isChecked() else None
        return LogFilter(
            reviewer=self.reviewer_box.currentData(),
            kind=self.kind_box.currentData(),
            action=self.action_box.currentData(),
            label=self.label_box.currentData(),
            marker=self.marker_box.currentData(),
            source=self.source_box.currentData(),
            since=since,
            until=until,
            text=self.search_edit.text().strip() or None,
        )

    def _apply_filters(self) -> None:
        self._search_timer.stop()
        query = replace(self.filter(), item_id=self._query.item_id)
        if query == self._query:
            return
        self._query = query
        self.refresh()

    def set_item_filter(self, item_id: int | None) -> None:
        """Show one item's events only (None: all items), e.g. from the review window's item."""
        self._query = replace(self._query, item_id=item_id)
        self.refresh()

    # -- the selected item ----------------------------------------------

    def _show_item(self, item_id: int) -> None:
        # Until this item's history is in, "Override…" would act on the item shown before.
        self._history = None
        self.override_button.setEnabled(False)
        self._history_generation += 1
        generation = self._history_generation
        veil = self._veil

        def work() -> tuple[ItemHistory, ChainStatus]:
            return veil.audit.item_history(item_id), veil.audit.chain_status(item_id)

        def shown(result: tuple[ItemHistory, ChainStatus]) -> None:
            if generation == self._history_generation:
                self._fill_item(*result)

        DbOp(self._reader, work).success(shown).failure(self._on_read_failed).run()

    def _fill_item(self, history: ItemHistory, status: ChainStatus) -> None:
        self._history = history
        self.item_title.setText(f"Item {history.item_id} · {history.source} · {history.status.value}")
        self.item_text.setPlainText(history.text)
        if status.ok:
            self.chain_label.setText(
                f"✓ Intact in the audit chain: {status.events} event{'s' if status.events != 1 else ''}"
                " of this item checked"
            )
            colour = good_colour()
        else:
            self.chain_label.setText(f"⚠ Audit chain broken at event {status.broken_id}: {status.problem}")
            colour = warning_colour()
        self.chain_label.setStyleSheet(f"color: {colour};")
        self.chain_label.setProperty("chain_ok", status.ok)
        self.history_list.clear()
        for entry in history.entries:
            self.history_list.addItem(self._history_item(entry))
        self.override_button.setEnabled(self._may_override() and history.current_decision is not None)
        self.history_shown.emit(history.item_id)

    def _history_item(self, entry: HistoryEntry) -> QListWidgetItem:
        row = entry.decision
        who = entry.actor or "Veil"
        lines: list[str]
        if row is None:
            lines = [entry.summary]
        elif row.kind == EventKind.UNDO:
            target = row.refers_to
            lines = [f"Undo of {target.reviewer}'s {action_name(target.action)}" if target else "Undo"]
        else:
            lines = [f"{KIND_NAMES[row.kind]}: {decision_text(row.action, row.labels, row.reason, self._names)}"]
            if row.kind == EventKind.OVERRIDE and row.refers_to is not None:
                lines.append(f"Replaces {row.refers_to.reviewer}'s {action_name(row.refers_to.action)}")
            if row.note:
                lines.append(("Reason: " if row.kind == EventKind.OVERRIDE else "Note: ") + row.note)
        lines.append(f"{who} · {when(entry.at, seconds=True)}")
        if row is not None and row.withdrawn_by is not None:
            how = "Undone" if row.withdrawn == "undone" else "Overridden"
            lines.append(f"{how} by {row.withdrawn_by.reviewer} · {when(row.withdrawn_by.decided_at, seconds=True)}")
        item = QListWidgetItem("\n".join(lines))
        item.setToolTip(f"Audit event {entry.event_id}" if entry.event_id else "No audit event")
        if row is not None and row.withdrawn:
            font = QFont(item.font())
            font.setStrikeOut(True)
            item.setFont(font)
        if row is not None and row.in_force:
            font = QFont(item.font())
            font.setBold(True)
            item.setFont(font)
        return item

    # -- slots ----------------------------------------------------------

    @Slot(int)
    def _on_filter_changed(self, _index: int) -> None:
        self._apply_filters()

    @Slot(bool)
    def _on_date_check_toggled(self, _checked: bool) -> None:
        self.from_date.setEnabled(self.from_check.isChecked())
        self.until_date.setEnabled(self.until_check.isChecked())
        self._apply_filters()

    @Slot(QDate)
    def _on_date_changed(self, _date: QDate) -> None:
        if self.from_check.isChecked() or self.until_check.isChecked():
            self._apply_filters()

    @Slot(str)
    def _on_search_edit_text_changed(self, _text: str) -> None:
        self._search_timer.start()

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        self._apply_filters()

    @Slot(QModelIndex, QModelIndex)
    def _on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._show_item(self.model.entry(current.row()).item_id)

    @Slot()
    def _on_verify_button_clicked(self) -> None:
        veil = self._veil
        self.verify_button.setEnabled(False)
        self.verify_label.setStyleSheet("")
        self.verify_label.setText("Verifying the audit chain…")
        self.verify_label.show()

        def work() -> Verification:
            return veil.audit.verify()

        def failed(error: Exception) -> None:
            self.verify_button.setEnabled(True)
            self.verify_label.hide()
            self._on_read_failed(error)

        DbOp(self._reader, work).success(self._on_verified).failure(failed).run()

    def _on_verified(self, result: Verification) -> None:
        self.verify_button.setEnabled(True)
        if result.ok:
            self.verify_label.setText(
                f"✓ Audit chain intact: {result.events:,} events, every one as it was written.\n"
                f"Head hash {result.head_hash}"
            )
            colour = good_colour()
        else:
            self.verify_label.setText(
                f"⚠ Audit chain broken at event {result.broken_id}: {result.problem}\n"
                f"The {result.events:,} events before it are intact (hash up to there {result.head_hash})."
            )
            colour = warning_colour()
        self.verify_label.setStyleSheet(f"color: {colour};")
        self.verify_label.show()
        self.verified.emit(result)

    @Slot()
    def _on_override_button_clicked(self) -> None:
        history = self._history
        if history is None or self.override_dialog is not None:
            return
        dialog = OverrideDialog(self._veil, history.item_id, self)
        dialog.overridden.connect(self._on_override_dialog_overridden)
        dialog.finished.connect(self._on_override_dialog_finished)
        self.override_dialog = dialog
        dialog.open()

    @Slot(object)
    def _on_override_dialog_overridden(self, decision: DecisionInfo) -> None:
        self._reselect = decision.item_id
        self.overridden.emit(decision)
        self.refresh()

    @Slot(int)
    def _on_override_dialog_finished(self, _result: int) -> None:
        dialog, self.override_dialog = self.override_dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def _on_read_failed(self, error: Exception) -> None:
        message = str(error) or type(error).__name__
        self.status_label.setText(f"⚠ {message}")
        self.status_label.setStyleSheet(f"color: {warning_colour()};")
        self.error_shown.emit(message)

    # -- closing --------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the view's thread (after the read in hand) and close an open override dialog."""
        self._search_timer.stop()
        if self.override_dialog is not None:
            self.override_dialog.done(QDialog.DialogCode.Rejected)
        self._reader.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
