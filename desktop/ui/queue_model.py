"""The queue as a table: the first page of waiting items, in review order.

``data()`` only reads the rows it was given; the rows themselves are fetched
on the database worker and handed over with :meth:`QueueModel.set_entries`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

if TYPE_CHECKING:
    from desktop.core.review import QueueEntry

SEVERITY_NAMES = ("none", "mild", "graphic", "extreme")
COLUMNS = ("Id", "Severity", "Markers", "Media", "Text")
Index = QModelIndex | QPersistentModelIndex


class QueueModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._entries: list[QueueEntry] = []

    def set_entries(self, entries: list[QueueEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entry(self, row: int) -> QueueEntry:
        return self._entries[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self._entries[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return str(entry.id)
            if column == 1:
                return f"S{entry.severity} {SEVERITY_NAMES[entry.severity]}"
            if column == 2:
                return " ".join(entry.markers)
            if column == 3:
                return str(entry.media) if entry.media else ""
            return " ".join(entry.text.split())
        if role == Qt.ItemDataRole.ToolTipRole and column == 4:
            return entry.text
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
