"""The queue as a lazy table: every id, and a bounded cache of the rows in sight.

Anki's browser model, made asynchronous: the model holds the ordered ids of
every item in the list (8 bytes each, so the scroll bar is true from the
start: ``rowCount()`` is the number of items) and rows only for a bounded
set of pages around what has been in sight. ``data()`` never touches the
database: a row not here shows a placeholder and asks for its page, read
off the UI thread by whoever owns the model (``fetch_rows``) and handed back
with one ``dataChanged`` for that page. The least recently shown page is
dropped when the cache is full, so scrolling through a million items holds
:data:`CACHED_PAGES` pages, not a million rows.

Positions are kept stable while a list is shown: an item taken out
(decided) is marked removed rather than moved, so a page, the id-to-row
lookups and the requests in flight keep meaning the same rows.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right, insort
from collections import OrderedDict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from desktop.domain.review import SEVERITY_NAMES

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from desktop.domain.queue import QueueRow

    # (done(ids, first page's rows), failed()): reads the list's ids off the UI thread, answers on it.
    FetchIds = Callable[[Callable[[array[int], list[QueueRow]], None], Callable[[], None]], None]
    # (ids, done(rows), failed()): reads those items' rows off the UI thread, answers on it.
    FetchRows = Callable[[list[int], Callable[[list[QueueRow]], None], Callable[[], None]], None]

COLUMNS = ("Sev.", "Markers", "Source", "Age", "Media", "Text")
PAGE = 256  # rows read at a time
CACHED_PAGES = 64  # rows kept: 16,384, whatever the length of the list
IN_FLIGHT = 2  # pages asked for at once; more wanted wait, the latest first
WANTED = 16  # pages waiting to be asked for: older ones have scrolled out of sight
LOADING = "…"
Index = QModelIndex | QPersistentModelIndex
# The role that carries an item's id, for views and tests.
ItemIdRole = Qt.ItemDataRole.UserRole + 1
SHOWN_ROLES = frozenset(
    (
        Qt.ItemDataRole.DisplayRole,
        ItemIdRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.AccessibleDescriptionRole,
        Qt.ItemDataRole.TextAlignmentRole,
    )
)


def age(received: datetime, now: datetime) -> str:
    """A short age: "45 s", "12 min", "3 h", "2 d"."""
    seconds = max(0, int((now - received).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


class QueueModel(QAbstractTableModel):
    """The queue in review order: all its ids, and the rows of the pages in sight.

    ``fetch_ids(done, failed)`` must read the ids of the list (and the rows
    of the first page, so the top shows with the count) off the UI thread
    and call ``done(ids, rows)`` back on it; ``fetch_rows(ids, done,
    failed)`` the rows of those ids. Either calls ``failed()`` when it could
    not; what failed is asked for again by :meth:`retry` (when the database
    answers again), not on every paint.
    """

    def __init__(
        self, fetch_ids: FetchIds, fetch_rows: FetchRows, *, page: int = PAGE, cached_pages: int = CACHED_PAGES
    ) -> None:
        super().__init__()
        self._page = page
        self._cached_pages = cached_pages
        self._fetch_ids = fetch_ids
        self._fetch_rows = fetch_rows
        self._ids = array("q")  # every item of the list, in review order, by position
        self._removed: list[int] = []  # positions taken out, sorted: rows after them move up
        # Pages by number (position // page), least recently shown first; a row
        # is None when its item was not found (gone since the ids were read).
        self._pages: OrderedDict[int, list[QueueRow | None]] = OrderedDict()
        self._where: dict[int, int] = {}  # item id -> position, for the items of the cached pages
        self._absent: set[int] = set()  # item ids looked up and not in the list
        self._asked: set[int] = set()  # pages in flight
        # Pages a paint wanted and not yet asked for, the latest last. A view
        # dragged through the list wants many; the latest is asked for first,
        # so the rows that end up in sight are not read after all the rows
        # that passed by (a paint after each answer wants those in sight again).
        self._wanted: OrderedDict[int, None] = OrderedDict()
        self._failed: set[int] = set()  # pages that did not come: retry() asks again
        self._generation = 0  # a reset makes answers asked for before it stale
        self._ids_failed = False
        self.current_item: int | None = None  # the item the reviewer holds: highlighted
        self.now = datetime.now(UTC)

    # -- the list -----------------------------------------------------------

    def reset(self) -> None:
        """Forget the list and read it again (filters changed, or a refresh)."""
        self.beginResetModel()
        self._generation += 1
        self._clear()
        self.endResetModel()
        self._request_ids()

    def _clear(self) -> None:
        self._ids = array("q")
        self._removed = []
        self._pages.clear()
        self._where = {}
        self._absent = set()
        self._asked = set()
        self._wanted.clear()
        self._failed = set()
        self._ids_failed = False

    def _request_ids(self) -> None:
        generation = self._generation
        self._fetch_ids(
            lambda ids, rows: self._ids_arrived(ids, rows, generation), lambda: self._ids_not_read(generation)
        )

    def _ids_arrived(self, ids: array[int], rows: list[QueueRow], generation: int) -> None:
        if generation != self._generation:
            return  # asked for before a reset: the ids belong to another filter
        if not ids:
            return
        self.beginInsertRows(QModelIndex(), 0, len(ids) - 1)
        self._ids = ids
        self._absent = set()  # looked up before the list came (the item shown as it opens)
        self._store(0, rows)
        self.endInsertRows()

    def _ids_not_read(self, generation: int) -> None:
        if generation == self._generation:
            self._ids_failed = True

    def retry(self) -> None:
        """Ask again for what failed (the database answers again)."""
        if self._ids_failed:
            self._ids_failed = False
            self._request_ids()
        failed, self._failed = self._failed, set()
        for number in sorted(failed, reverse=True):
            self._want(number)

    def remove_item(self, item_id: int) -> None:
        """Take a decided item out of the list."""
        position = self._position(item_id)
        if position is None:
            return
        row = self._row_at(position)
        self.beginRemoveRows(QModelIndex(), row, row)
        insort(self._removed, position)
        self._absent.add(item_id)
        self.endRemoveRows()

    def set_current_item(self, item_id: int | None) -> None:
        old, self.current_item = self.current_item, item_id
        for changed in (old, item_id):
            row = self.row_of(changed) if changed is not None else None
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # -- positions and rows ---------------------------------------------------
    # A position is an item's place in ``_ids``; its row is that less the
    # positions removed before it.

    def _position_of_row(self, row: int) -> int:
        """The position shown at ``row``: the row-th position not removed."""
        position = row
        while True:
            moved = row + bisect_right(self._removed, position)
            if moved == position:
                return position
            position = moved

    def _row_at(self, position: int) -> int:
        return position - bisect_left(self._removed, position)

    def _position(self, item_id: int) -> int | None:
        position = self._where.get(item_id)
        if position is None and item_id not in self._absent:
            # Not in sight lately: a walk along the ids, in C. The items a
            # reviewer holds come from the top of the list, where it stops
            # early; an item not listed is remembered, not looked for again.
            try:
                position = self._ids.index(item_id)
            except ValueError:
                self._absent.add(item_id)
                return None
        if position is None:
            return None
        index = bisect_left(self._removed, position)
        if index < len(self._removed) and self._removed[index] == position:
            return None
        return position

    def row_of(self, item_id: int) -> int | None:
        """The row of ``item_id``, or None: it is not in the list."""
        position = self._position(item_id)
        return None if position is None else self._row_at(position)

    def item_id(self, row: int) -> int:
        """The id of the item at ``row``, whether its row has been read or not."""
        return self._ids[self._position_of_row(row)]

    def is_loaded(self, row: int) -> bool:
        """Whether ``row``'s page has been read (it shows the item, not a placeholder)."""
        return self._position_of_row(row) // self._page in self._pages

    def entry(self, row: int) -> QueueRow:
        """The row at ``row``; LookupError when its page is not here (:meth:`is_loaded` says)."""
        found = self._entry(row, ask=False)
        if found is None:
            raise LookupError(f"row {row} is not loaded")
        return found

    def _entry(self, row: int, *, ask: bool) -> QueueRow | None:
        number, offset = divmod(self._position_of_row(row), self._page)
        page = self._pages.get(number)
        if page is None:
            if ask:
                self._want(number)
            return None
        self._pages.move_to_end(number)
        return page[offset]

    def _want(self, number: int) -> None:
        if number in self._asked or number in self._failed:
            return
        self._wanted[number] = None
        self._wanted.move_to_end(number)
        while len(self._wanted) > WANTED:
            self._wanted.popitem(last=False)
        self._ask()

    def _ask(self) -> None:
        while self._wanted and len(self._asked) < IN_FLIGHT:
            number, _none = self._wanted.popitem()
            if number not in self._pages:
                self._request_page(number)

    def _request_page(self, number: int) -> None:
        self._asked.add(number)
        generation = self._generation
        ids = list(self._ids[number * self._page : (number + 1) * self._page])
        self._fetch_rows(
            ids,
            lambda rows: self._page_arrived(number, rows, generation),
            lambda: self._page_not_read(number, generation),
        )

    def _page_arrived(self, number: int, rows: list[QueueRow], generation: int) -> None:
        if generation != self._generation:
            return
        self._asked.discard(number)
        self._store(number, rows)
        self._ask()
        first = self._row_at(number * self._page)
        last = self._row_at(min(len(self._ids), (number + 1) * self._page)) - 1
        if first <= last:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    def _page_not_read(self, number: int, generation: int) -> None:
        if generation == self._generation:
            self._asked.discard(number)
            self._failed.add(number)
            self._ask()

    def _store(self, number: int, rows: Sequence[QueueRow]) -> None:
        """Keep page ``number``, dropping the least recently shown page when the cache is full."""
        by_id = {row.id: row for row in rows}
        first = number * self._page
        ids = self._ids[first : first + self._page]
        self._pages[number] = [by_id.get(item_id) for item_id in ids]
        self._pages.move_to_end(number)
        self._where.update((item_id, first + offset) for offset, item_id in enumerate(ids))
        while len(self._pages) > self._cached_pages:
            dropped, _rows = self._pages.popitem(last=False)
            for item_id in self._ids[dropped * self._page : (dropped + 1) * self._page]:
                self._where.pop(item_id, None)

    # -- reading ------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids) - len(self._removed)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in SHOWN_ROLES:
            return None  # most roles a view asks for, cheaply: a paint asks for a dozen a cell
        if role == ItemIdRole:
            return self.item_id(index.row())
        row = self._entry(index.row(), ask=True)
        column = index.column()
        if row is None:
            return LOADING if role == Qt.ItemDataRole.DisplayRole and column == len(COLUMNS) - 1 else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
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
