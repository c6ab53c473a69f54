"""The queue pane: the list of items (a lazy table over :class:`QueueModel`) and its filters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.queue import QueueFilter
from desktop.domain.review import ItemStatus

if TYPE_CHECKING:
    from desktop.domain.queue import Facets
    from desktop.ui.queue_model import QueueModel


class QueueTable(QTableView):
    """The list's table: Home and End go to the first and last item (a row is an item: its columns are not
    places to move between), PgUp/PgDn a screen of items, across pages read or not."""

    def moveCursor(self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier) -> QModelIndex:
        if action in (QAbstractItemView.CursorAction.MoveHome, QAbstractItemView.CursorAction.MoveEnd):
            modifiers |= Qt.KeyboardModifier.ControlModifier
        return super().moveCursor(action, modifiers)


class QueuePane(QWidget):
    # The filters changed: the QueueFilter they now say.
    filter_changed = Signal(object)

    def __init__(self, model: QueueModel) -> None:
        super().__init__()
        self.model = model
        self.status = QComboBox()
        self.status.addItem("Pending", ItemStatus.PENDING)
        self.marker = QComboBox()
        self.label = QComboBox()
        self.source = QComboBox()
        self.language = QComboBox()
        for box, what in (
            (self.marker, "Any marker"),
            (self.label, "Any label"),
            (self.source, "Any source"),
            (self.language, "Any language"),
        ):
            box.addItem(what, None)
            box.setToolTip(f"Show only items with this {what.split()[1]}")
        self.filters = [self.status, self.marker, self.label, self.source, self.language]
        for box in self.filters:
            # Long source names must not widen the queue: the list drops down wider instead.
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(6)
            box.currentIndexChanged.connect(lambda _index: self.filter_changed.emit(self.query()))
        self.count = QLabel()
        self.count.setObjectName("queueCount")
        self.table = QueueTable()
        self.table.setModel(model)
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        first = QHBoxLayout()
        for box in (self.status, self.marker, self.label):
            first.addWidget(box)
        second = QHBoxLayout()
        for box in (self.source, self.language):
            second.addWidget(box)
        layout.addLayout(first)
        layout.addLayout(second)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)

    def query(self) -> QueueFilter:
        return QueueFilter(
            status=self.status.currentData() or ItemStatus.PENDING,
            marker=self.marker.currentData(),
            label=self.label.currentData(),
            source=self.source.currentData(),
            language=self.language.currentData(),
        )

    def fill(self, facets: Facets, *, escalations: bool) -> None:
        """The values present in the database; "Escalated" for those who resolve escalations."""
        if escalations:
            self.status.addItem("Escalated", ItemStatus.ESCALATED)
        self.status.addItem("Decided", ItemStatus.DECIDED)
        for box, values in (
            (self.marker, facets.markers),
            (self.label, facets.labels),
            (self.source, facets.sources),
            (self.language, facets.languages),
        ):
            box.blockSignals(True)
            for value in values:
                box.addItem(value, value)
            box.blockSignals(False)

    def select_item(self, item_id: int | None) -> bool:
        """Select and show the row of ``item_id``; False when it is not (yet) listed."""
        row = self.model.row_of(item_id) if item_id is not None else None
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def set_count(self, pending: int | None) -> None:
        """The pending count, or None: it could not be read (the database is not answering)."""
        self.count.setText(f"{pending:,} pending" if pending is not None else "… pending")
