"""The queue list: every id, a bounded cache of pages, read on a worker from a real database.

Pages of 4 rows and a cache of 2 pages, so a list of 30 items crosses many
page boundaries and drops pages as it is scrolled, as a list of a million
does with the real sizes.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QTableView

from desktop import config
from desktop.core.review import listing
from desktop.domain.queue import QueueFilter
from desktop.domain.review import Action, DecisionRequest
from desktop.ui.queue_model import LOADING, ItemIdRole, QueueModel
from desktop.ui.queue_pane import QueuePane
from desktop.ui.review_controller import ReviewController
from desktop.ui.workers import DbWorker
from tests.support.factories import add_items

if TYPE_CHECKING:
    from array import array
    from collections.abc import Callable, Iterator

    from pytestqt.qtbot import QtBot

    from desktop.core.workspace import Workspace
    from desktop.domain.queue import QueueRow

WAIT = 15_000
PAGE, CACHED = 4, 2
TEXT = 5  # the text column


@pytest.fixture
def order(workspace: Workspace) -> list[int]:
    """30 pending items; their ids in review order, read the other way (keyset pages)."""
    workspace.actor("root")
    add_items(workspace, 18, severity=1)
    add_items(workspace, 12, severity=3, prefix="worse")  # these come first
    return [row.id for row in listing.page(workspace.db, QueueFilter(), limit=100, clock=workspace.clock)]


class Away:
    """Whether the database answers the list's page reads (it is real: this stands for a cut cable)."""

    def __init__(self) -> None:
        self.now = False
        self.asked = 0  # pages asked for
        self.failed = 0  # pages the model was told did not come


@pytest.fixture
def away() -> Away:
    return Away()


@pytest.fixture
def model(qtbot: QtBot, workspace: Workspace, order: list[int], away: Away) -> Iterator[QueueModel]:
    worker = DbWorker(name="veil-test-read")

    def fetch_ids(done: Callable[[array[int], list[QueueRow]], None], failed: Callable[[], None]) -> None:
        def work() -> tuple[array[int], list[QueueRow]]:
            ids = listing.ordered_ids(workspace.db, QueueFilter())
            return ids, listing.rows(workspace.db, ids[:PAGE], clock=workspace.clock)

        worker.submit(work, lambda found: done(*found), lambda _error: failed())

    def fetch_rows(ids: list[int], done: Callable[[list[QueueRow]], None], failed: Callable[[], None]) -> None:
        def work() -> list[QueueRow]:
            if away.now:
                raise ConnectionError("the database is not answering")
            return listing.rows(workspace.db, ids, clock=workspace.clock)

        def not_read(_error: Exception) -> None:
            away.failed += 1
            failed()

        away.asked += 1
        worker.submit(work, done, not_read)

    made = QueueModel(fetch_ids, fetch_rows, page=PAGE, cached_pages=CACHED)
    with qtbot.waitSignal(made.rowsInserted, timeout=WAIT):
        made.reset()
    yield made
    worker.shutdown()


def shown(qtbot: QtBot, model: QueueModel, row: int) -> int:
    """Ask for ``row`` as a view does; wait for its page; the item id its row shows."""
    model.data(model.index(row, TEXT))
    qtbot.waitUntil(lambda: model.is_loaded(row), timeout=WAIT)
    entry = model.entry(row)
    assert model.data(model.index(row, TEXT)).endswith(entry.excerpt)
    return entry.id


def loaded_rows(model: QueueModel) -> list[int]:
    return [row for row in range(model.rowCount()) if model.is_loaded(row)]


def view_of(qtbot: QtBot, model: QueueModel) -> QTableView:
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.resize(400, 120)  # a few rows in sight: less than a page's worth of the list
    view.show()
    qtbot.waitExposed(view)
    return view


def test_the_list_counts_every_item_and_holds_only_the_first_page(model: QueueModel, order: list[int]) -> None:
    assert model.rowCount() == 30
    assert loaded_rows(model) == [0, 1, 2, 3]
    assert [model.item_id(row) for row in range(30)] == order  # ids without rows: J/K need no page
    assert model.data(model.index(20, TEXT)) == LOADING  # not read yet: a placeholder, not a wait
    assert model.data(model.index(20, 0), ItemIdRole) == order[20]


def test_rows_dropped_and_read_again_show_the_right_items(qtbot: QtBot, model: QueueModel, order: list[int]) -> None:
    assert [shown(qtbot, model, row) for row in range(30)] == order
    assert len(loaded_rows(model)) <= PAGE * CACHED  # the cache stays bounded: the first pages went
    assert not model.is_loaded(0)
    assert shown(qtbot, model, 0) == order[0]
    assert shown(qtbot, model, 13) == order[13]
    assert model.row_of(order[25]) == 25  # found again though its page was dropped
    assert model.row_of(-1) is None


def test_pages_wanted_while_others_are_read_come_latest_first(
    qtbot: QtBot, model: QueueModel, order: list[int]
) -> None:
    arrived: list[int] = []
    model.dataChanged.connect(lambda first, _last: arrived.append(first.row() // PAGE))
    for number in (2, 3, 4, 5, 6):  # a view dragged down: each paint wants the page in sight
        model.data(model.index(number * PAGE, TEXT))
    qtbot.waitUntil(lambda: len(arrived) == 5, timeout=WAIT)
    # Two in flight at once; then the page wanted last, the one a view dragged there would show.
    assert arrived == [2, 3, 6, 5, 4]
    assert [shown(qtbot, model, row) for row in range(4 * PAGE, 7 * PAGE)] == order[4 * PAGE : 7 * PAGE]


def test_a_page_that_failed_is_read_again_on_retry_not_on_every_paint(
    qtbot: QtBot, model: QueueModel, order: list[int], away: Away
) -> None:
    away.now = True
    model.data(model.index(10, TEXT))
    model.data(model.index(20, TEXT))
    qtbot.waitUntil(lambda: away.failed == 2, timeout=WAIT)
    model.data(model.index(10, TEXT))  # painted again while away: not asked for again
    assert away.asked == 2 and not model.is_loaded(10) and not model.is_loaded(20)
    away.now = False
    model.retry()
    qtbot.waitUntil(lambda: model.is_loaded(10) and model.is_loaded(20), timeout=WAIT)
    assert model.entry(10).id == order[10] and model.entry(20).id == order[20]


def test_the_selection_and_the_current_item_survive_dropped_pages_and_a_decided_item(
    qtbot: QtBot, model: QueueModel, order: list[int]
) -> None:
    view = view_of(qtbot, model)
    selection = view.selectionModel()
    for row in (1, 2):
        selection.select(
            model.index(row, 0), QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        )
    model.set_current_item(order[2])
    for row in range(30):  # scroll through to the end: page 0 is dropped
        view.scrollTo(model.index(row, 0))
        qtbot.waitUntil(partial(model.is_loaded, row), timeout=WAIT)
    assert not model.is_loaded(1)
    view.scrollToTop()
    qtbot.waitUntil(lambda: model.is_loaded(1), timeout=WAIT)
    selected = sorted(index.row() for index in selection.selectedRows())
    assert [model.entry(row).id for row in selected] == order[1:3]
    assert model.row_of(order[2]) == 2
    assert model.data(model.index(2, TEXT)).startswith("▶ ")
    assert model.data(model.index(2, 0), Qt.ItemDataRole.FontRole).bold()

    model.remove_item(order[0])  # decided: the rows after it move up, still showing their items
    assert model.rowCount() == 29
    selected = sorted(index.row() for index in selection.selectedRows())
    assert [model.item_id(row) for row in selected] == order[1:3]
    assert model.row_of(order[0]) is None and model.row_of(order[2]) == 1
    assert [shown(qtbot, model, row) for row in range(29)] == order[1:]


def test_keys_move_across_page_boundaries(qtbot: QtBot, model: QueueModel, order: list[int]) -> None:
    pane = QueuePane(model)
    qtbot.addWidget(pane)
    pane.resize(400, 200)
    pane.show()
    qtbot.waitExposed(pane)
    view = pane.table
    view.setFocus()
    view.setCurrentIndex(model.index(PAGE - 1, 0))  # the last row of the first page

    def press(key: Qt.Key, row: int) -> None:
        QTest.keyClick(view, key)
        assert view.currentIndex().row() == row
        qtbot.waitUntil(lambda: model.is_loaded(row), timeout=WAIT)
        assert model.entry(row).id == order[row]

    press(Qt.Key.Key_Down, PAGE)
    press(Qt.Key.Key_End, 29)
    press(Qt.Key.Key_Home, 0)
    QTest.keyClick(view, Qt.Key.Key_PageDown)
    down = view.currentIndex().row()
    assert down > 0
    qtbot.waitUntil(lambda: model.is_loaded(down), timeout=WAIT)
    assert model.entry(down).id == order[down]
    press(Qt.Key.Key_End, 29)
    QTest.keyClick(view, Qt.Key.Key_PageUp)
    up = view.currentIndex().row()
    assert up < 29
    qtbot.waitUntil(lambda: model.is_loaded(up), timeout=WAIT)
    assert model.entry(up).id == order[up]
    # J/K: from the item a row shows to the one after, whether its page is here or not.
    for row in range(29):
        after = model.row_of(order[row])
        assert after is not None and model.item_id(after + 1) == order[row + 1]


def test_a_reset_reads_the_list_again(qtbot: QtBot, model: QueueModel, workspace: Workspace, order: list[int]) -> None:
    for row in range(8):
        shown(qtbot, model, row)
    added = add_items(workspace, 3, severity=3, prefix="later")  # as severe, newer: after the other S3 items
    with qtbot.waitSignal(model.rowsInserted, timeout=WAIT):
        model.reset()
    now = [row.id for row in listing.page(workspace.db, QueueFilter(), limit=100, clock=workspace.clock)]
    assert model.rowCount() == 33 and now.index(added[0]) == 12
    assert [shown(qtbot, model, row) for row in range(33)] == now

    model.reset()
    assert model.row_of(now[20]) is None  # not listed until the ids come: then found
    with qtbot.waitSignal(model.rowsInserted, timeout=WAIT):
        pass
    assert model.row_of(now[20]) == 20


@pytest.fixture
def controller(
    qtbot: QtBot, db_url: str, order: list[int], monkeypatch: pytest.MonkeyPatch
) -> Iterator[ReviewController]:
    monkeypatch.setenv("VEIL_DB_URL", db_url)
    monkeypatch.setenv("VEIL_USER", "root")
    made = ReviewController(config.load())
    with qtbot.waitSignal(made.shown, timeout=WAIT):
        made.open_database()
    yield made
    made.close()


def test_the_window_list_follows_decisions_and_refreshes(
    qtbot: QtBot, controller: ReviewController, workspace: Workspace, order: list[int]
) -> None:
    model = controller.model
    qtbot.waitUntil(lambda: model.rowCount() == 30, timeout=WAIT)
    current = controller.current
    assert current is not None and current.view.id == order[0] and model.row_of(order[0]) == 0
    with qtbot.waitSignal(controller.shown, timeout=WAIT):
        controller.decide(DecisionRequest(Action.APPROVE, (), None, None))
    # The list follows once the next item has been painted (desktop.ui.frames).
    qtbot.waitUntil(lambda: model.rowCount() == 29, timeout=WAIT)
    assert model.row_of(order[0]) is None
    assert model.item_id(0) == order[1]

    added = add_items(workspace, 2, severity=0, prefix="quiet")  # least severe: the end of the list
    with qtbot.waitSignal(model.rowsInserted, timeout=WAIT):
        controller.refresh()
    assert model.rowCount() == 31
    assert [model.item_id(row) for row in (29, 30)] == added
    assert shown(qtbot, model, 30) == added[1]
