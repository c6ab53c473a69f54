"""The queue as a lazy table: pages are fetched as the list scrolls.

The model never holds the whole queue. It starts with one page and asks
for the next (``canFetchMore``/``fetchMore``) when the view scrolls near
the end; the page itself is read on the database worker by whoever owns the
model (``fetch_page``), and handed back with :meth:`QueueModel.add_page`.
``data()`` only reads rows already here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from desktop.domain.review import SEVERITY_NAMES

if TYPE_CHECKING:
    from collections.abc import Callable

    from desktop.domain.queue import PageKey, QueueRow

    # (after, done(rows), failed()): reads a page off the UI thread, answers on it.
    FetchPage = Callable[[PageKey | None, Callable[[list[QueueRow]], None], Callable[[], None]], None]

COLUMNS = ("Sev.", "Markers", "Source", "Age", "Media", "Text")
PAGE = 200
Index = QModelIndex | QPersistentModelIndex
# The role that carries an item's id, for views and tests.
ItemIdRole = Qt.ItemDataRole.UserRole + 1


def age(received: datetime, now: datetime) -> str:
    """A short age: "45 s", "12 min", "3 h", "2 d"."""
    seconds = max(0, int((now - received).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


class QueueModel(QAbstractTableModel):
    """Rows of the queue in review order, a page at a time.

    ``fetch_page(after, done, failed)`` must read the page after the key
    ``after`` off the UI thread and call ``done(rows)`` back on it, or
    ``failed()`` when it could not; a failed page is asked for again by
    :meth:`retry` (when the database answers again), not left stuck.
    """

    def __init__(self, fetch_page: FetchPage) -> None:
        super().__init__()
        self._fetch_page = fetch_page
        self._rows: list[QueueRow] = []
        self._rows_by_id: dict[int, int] = {}
        self._generation = 0  # a reset makes pages asked for before it stale
        self._loading = False
        self._failed = False  # the last page asked for did not come: retry() asks again
        self._exhausted = True  # nothing to fetch until the first reset
        self.current_item: int | None = None  # the item the reviewer holds: highlighted
        self.now = datetime.now(UTC)

    # -- pages --------------------------------------------------------------

    def reset(self) -> None:
        """Forget every row and read the first page again (filters changed, or a refresh)."""
        self.beginResetModel()
        self._rows = []
        self._rows_by_id = {}
        self._generation += 1
        self._loading = False
        self._failed = False
        self._exhausted = False
        self.endResetModel()
        self._request()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and not self._exhausted and not self._loading and not self._failed

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt's signature
        if self.canFetchMore(parent):
            self._request()

    def _request(self) -> None:
        self._loading = True
        generation = self._generation
        after = self._rows[-1].key if self._rows else None
        self._fetch_page(after, lambda rows: self.add_page(rows, generation), lambda: self._page_failed(generation))

    def _page_failed(self, generation: int) -> None:
        if generation == self._generation:
            self._loading = False
            self._failed = True

    def retry(self) -> None:
        """Ask again for a page that failed (the database answers again)."""
        if self._failed:
            self._failed = False
            self._request()

    def add_page(self, rows: list[QueueRow], generation: int | None = None) -> None:
        if generation is not None and generation != self._generation:
            return  # asked for before a reset: the rows belong to another filter
        self._loading = False
        self._exhausted = len(rows) < PAGE
        fresh = [row for row in rows if row.id not in self._rows_by_id]
        if not fresh:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        for offset, row in enumerate(fresh):
            self._rows_by_id[row.id] = first + offset
        self._rows.extend(fresh)
        self.endInsertRows()

    def remove_item(self, item_id: int) -> None:
        """Take a decided item out of the list."""
        row = self._rows_by_id.get(item_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self._rows_by_id = {r.id: n for n, r in enumerate(self._rows)}
        self.endRemoveRows()

    def set_current_item(self, item_id: int | None) -> None:
        old, self.current_item = self.current_item, item_id
        for changed in (old, item_id):
            row = self._rows_by_id.get(changed) if changed is not None else None
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # -- reading ------------------------------------------------------------

    def row_of(self, item_id: int) -> int | None:
        return self._rows_by_id.get(item_id)

    def entry(self, row: int) -> QueueRow:
        return self._rows[row]

    def item_ids(self) -> list[int]:
        return [row.id for row in self._rows]

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
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == ItemIdRole:
            return row.id
        if role == Qt.ItemDataRole.ToolTipRole:
            held = f"\nHeld by {row.claimed_by}" if row.claimed_by else ""
            where = f"{row.source} · {row.language or 'language unknown'}"
            return f"Item {row.id} · S{row.severity} {SEVERITY_NAMES[row.severity]} · {where}{held}\n\n{row.excerpt}"
        if role == Qt.ItemDataRole.FontRole and row.id == self.current_item:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.AccessibleDescriptionRole and row.id == self.current_item:
            return "the item you hold"
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, row: QueueRow, column: int) -> str:
        if column == 0:
            return f"S{row.severity}"
        if column == 1:
            return " ".join(row.markers)
        if column == 2:
            return row.source
        if column == 3:
            return age(row.received_at, self.now)
        if column == 4:
            return str(row.media) if row.media else ""
        prefix = "▶ " if row.id == self.current_item else ("⏳ " if row.claimed_by else "")
        return prefix + row.excerpt
