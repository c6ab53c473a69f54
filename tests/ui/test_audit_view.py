"""The audit view on real databases, offscreen: the log, its filters, an
item's history and chain status, overriding, and verifying the chain."""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from sqlalchemy import select, text

from db.models import Decision, Item, User
from desktop.core import audit
from desktop.domain.people import Role
from desktop.domain.review import Action
from desktop.ui.audit_view import COLUMNS, AuditView, DecisionIdRole, good_colour, warning_colour
from desktop.ui.theme import THEMES, apply_theme, colours
from tests.integration.test_decision_log import _drop_triggers, _event_of, build
from tests.support.factories import add_items, add_user
from tests.ui.test_theme import contrast, restored_look

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from PySide6.QtWidgets import QApplication, QComboBox
    from pytestqt.qtbot import QtBot

    from desktop.app.veil import Veil
    from desktop.core.workspace import Workspace
    from tests.conftest import FakeClock
    from tests.integration.test_decision_log import World

WAIT = 15_000


def _threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(("veil-audit", "veil-override"))]


@pytest.fixture
def open_view(qtbot: QtBot, workstation: Callable[[str], Veil]) -> Iterator[Callable[[str], AuditView]]:
    made: list[AuditView] = []

    def make(name: str) -> AuditView:
        view = AuditView(workstation(name))
        qtbot.addWidget(view)
        view.resize(1400, 800)
        made.append(view)
        return view

    yield make
    for view in made:
        view.close()
    # Closing joins the view's threads: nothing of it keeps running.
    assert not _threads()


def loaded(qtbot: QtBot, view: AuditView) -> AuditView:
    with qtbot.waitSignal(view.page_loaded, timeout=WAIT):
        view.show()
    return view


def cell(view: AuditView, row: int, column: str) -> str:
    return str(view.model.index(row, COLUMNS.index(column)).data())


def struck(view: AuditView, row: int) -> bool:
    font = view.model.index(row, 0).data(Qt.ItemDataRole.FontRole)
    return bool(font is not None and font.strikeOut())


def event_numbers(world: World, view: AuditView) -> list[int]:
    by_id = {decision: n for n, decision in world.events.items()}
    return [by_id[view.model.index(row, 0).data(DecisionIdRole)] for row in range(view.model.rowCount())]


def choose(qtbot: QtBot, view: AuditView, box: QComboBox, data: object) -> None:
    found = box.findData(data)
    assert found >= 0, data
    with qtbot.waitSignal(view.page_loaded, timeout=WAIT):
        box.setCurrentIndex(found)


def test_the_view_lists_decisions_and_strikes_through_withdrawn_ones(
    qtbot: QtBot, workspace: Workspace, clock: FakeClock, open_view: Callable[[str], AuditView]
) -> None:
    world = build(workspace, clock)
    view = loaded(qtbot, open_view("boss"))

    assert event_numbers(world, view) == [9, 8, 7, 6, 5, 4, 3, 2, 1]
    assert [n for n, row in zip(event_numbers(world, view), range(9), strict=True) if struck(view, row)] == [4, 3]
    assert cell(view, 0, "Event") == "Override" and cell(view, 0, "Reviewer") == "boss"
    assert cell(view, 0, "Decision") == "Warn: Graphic violence, Newsworthy"
    assert cell(view, 1, "Event") == "Second review"
    assert cell(view, 4, "Decision") == "Undo of Approve (alice)"
    assert "Approve with warning: Graphic violence, Newsworthy" in view.model.index(0, 3).data(
        Qt.ItemDataRole.ToolTipRole
    )
    assert cell(view, 6, "Status") == "Overridden" and cell(view, 5, "Status") == "Undone"
    assert cell(view, 6, "Decision") == "Remove — Gratuitous graphic content"
    assert cell(view, 8, "Text").startswith("21+ Взрыв")
    assert view.status_label.text() == "9 decision events"


def test_each_filter_narrows_the_table(
    qtbot: QtBot, workspace: Workspace, clock: FakeClock, open_view: Callable[[str], AuditView]
) -> None:
    world = build(workspace, clock)
    view = loaded(qtbot, open_view("boss"))

    choose(qtbot, view, view.reviewer_box, "alice")
    assert event_numbers(world, view) == [6, 5, 4, 3, 1]
    choose(qtbot, view, view.action_box, Action.REMOVE)
    assert event_numbers(world, view) == [3]
    choose(qtbot, view, view.reviewer_box, None)
    assert event_numbers(world, view) == [7, 3]
    choose(qtbot, view, view.action_box, None)
    choose(qtbot, view, view.kind_box, "second-review")
    assert event_numbers(world, view) == [8]
    choose(qtbot, view, view.kind_box, None)
    choose(qtbot, view, view.label_box, "newsworthy")
    assert event_numbers(world, view) == [9]
    choose(qtbot, view, view.label_box, None)
    choose(qtbot, view, view.marker_box, "18+")
    assert event_numbers(world, view) == [9, 3]
    choose(qtbot, view, view.marker_box, None)
    choose(qtbot, view, view.source_box, "wire")
    assert event_numbers(world, view) == [9, 3, 1]
    choose(qtbot, view, view.source_box, None)

    # The search waits for the typing to stop: one search for the word, not one per key.
    pages: list[int] = []
    view.page_loaded.connect(pages.append)
    with qtbot.waitSignal(view.page_loaded, timeout=WAIT):
        QTest.keyClicks(view.search_edit, "AFTERMATH")
    assert event_numbers(world, view) == [9, 3]
    assert pages == [2]
    with qtbot.waitSignal(view.page_loaded, timeout=WAIT):
        view.search_edit.setText("взрыв")  # QTest types Latin keys only
    assert event_numbers(world, view) == [1]
    with qtbot.waitSignal(view.page_loaded, timeout=WAIT):
        view.search_edit.clear()
    assert view.model.rowCount() == 9

    day = world_day(workspace, world)
    with qtbot.waitSignal(view.page_loaded, timeout=WAIT):
        view.from_date.setDate(day.addDays(1))
        view.from_check.setChecked(True)
    assert view.model.rowCount() == 0
    with qtbot.waitSignal(view.page_loaded, timeout=WAIT):
        view.from_date.setDate(day)
    assert view.model.rowCount() == 9
    with qtbot.waitSignal(view.page_loaded, timeout=WAIT):
        view.until_date.setDate(day.addDays(-1))
        view.until_check.setChecked(True)
    assert view.model.rowCount() == 0


def world_day(workspace: Workspace, world: World) -> QDate:
    """The local day the world's decisions were made on."""
    with workspace.db.read() as session:
        decided = session.scalar(select(Decision.decided_at).where(Decision.id == world.events[1]))
    assert decided is not None
    local = decided.astimezone()
    return QDate(local.year, local.month, local.day)


def test_selecting_a_row_shows_the_history_and_chain_status(
    qtbot: QtBot, workspace: Workspace, clock: FakeClock, open_view: Callable[[str], AuditView]
) -> None:
    world = build(workspace, clock)
    view = loaded(qtbot, open_view("boss"))
    item = world.items["D"]
    row = event_numbers(world, view).index(6)

    with qtbot.waitSignal(view.history_shown, timeout=WAIT) as shown:
        view.table.selectRow(row)

    assert shown.args == [item]
    assert view.item_title.text() == f"Item {item} · tests · escalated"
    lines = [view.history_list.item(n).text() for n in range(view.history_list.count())]
    assert [line.splitlines()[0] for line in lines] == [
        "Received from tests",
        "Claimed",
        "Decision: Approve",
        "Undo of alice's Approve",
        "Decision: Escalate — Unsure which decision applies",
    ]
    assert "Undone by alice" in lines[2]
    assert "Note: not sure about the flag" in lines[4]
    assert [view.history_list.item(n).font().strikeOut() for n in range(5)] == [False, False, True, False, False]
    assert view.chain_label.property("chain_ok") is True
    assert view.chain_label.text().startswith("✓ Intact in the audit chain: 4 events")
    assert good_colour() in view.chain_label.styleSheet()
    assert view.override_button.isVisible() and view.override_button.isEnabled()

    edited = _event_of(workspace, world.events[6])
    with workspace.db.engine.begin() as conn:
        _drop_triggers(conn)
        conn.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE id = :id"), {"id": edited})
    view.table.clearSelection()
    with qtbot.waitSignal(view.history_shown, timeout=WAIT):
        view.table.selectRow(0)
    with qtbot.waitSignal(view.history_shown, timeout=WAIT):
        view.table.selectRow(row)

    assert view.chain_label.property("chain_ok") is False
    assert view.chain_label.text().startswith(f"⚠ Audit chain broken at event {edited}:")
    assert warning_colour() in view.chain_label.styleSheet()
    assert "red" not in view.chain_label.styleSheet()


def test_an_override_from_the_view_is_saved_and_shown(
    qtbot: QtBot, workspace: Workspace, clock: FakeClock, open_view: Callable[[str], AuditView]
) -> None:
    world = build(workspace, clock)
    view = loaded(qtbot, open_view("boss"))
    row = event_numbers(world, view).index(1)  # alice's warning on item A
    with qtbot.waitSignal(view.history_shown, timeout=WAIT):
        view.table.selectRow(row)
    clock.advance(minutes=30)

    view.override_button.click()
    dialog = view.override_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.missing() != "Loading…", timeout=WAIT)
    dialog.action_buttons[Action.REMOVE].click()
    dialog.reason_combo.setCurrentIndex(dialog.reason_combo.findData("victim-dignity"))
    QTest.keyClicks(dialog.why_edit, "Faces of the dead are recognisable")
    with (
        qtbot.waitSignal(view.overridden, timeout=WAIT) as saved,
        qtbot.waitSignal(view.history_shown, timeout=WAIT),
    ):
        dialog.ok_button.click()

    override = saved.args[0]
    assert view.override_dialog is None or not view.override_dialog.isVisible()
    numbers = [view.model.index(n, 0).data(DecisionIdRole) for n in range(view.model.rowCount())]
    assert numbers[0] == override.id
    assert cell(view, 0, "Event") == "Override" and cell(view, 0, "Decision") == "Remove — Victim dignity or privacy"
    original = numbers.index(world.events[1])
    assert struck(view, original) and cell(view, original, "Status") == "Overridden"
    lines = [view.history_list.item(n).text() for n in range(view.history_list.count())]
    assert lines[-1].startswith("Override: Remove — Victim dignity or privacy\nReplaces alice's Approve with warning")
    assert "Reason: Faces of the dead are recognisable" in lines[-1]
    with workspace.db.read() as session:
        row_ = session.execute(
            select(Decision, User.name).join(User, User.id == Decision.reviewer_id).where(Decision.id == override.id)
        ).one()
        current = session.scalar(select(Item.current_decision_id).where(Item.id == world.items["A"]))
    decision, by = row_
    assert (decision.overrides, decision.action, decision.reason_code, by) == (
        world.events[1],
        Action.REMOVE,
        "victim-dignity",
        "boss",
    )
    assert decision.note == "Faces of the dead are recognisable" and current == override.id
    assert audit.verify(workspace.db).ok


def test_verify_audit_chain_says_ok_or_names_the_broken_event(
    qtbot: QtBot, workspace: Workspace, clock: FakeClock, open_view: Callable[[str], AuditView]
) -> None:
    world = build(workspace, clock)
    view = loaded(qtbot, open_view("boss"))
    expected = audit.verify(workspace.db)

    with qtbot.waitSignal(view.verified, timeout=WAIT) as done:
        view.verify_button.click()

    assert done.args[0].ok
    assert view.verify_label.text().startswith(f"✓ Audit chain intact: {expected.events:,} events")
    assert expected.head_hash in view.verify_label.text()

    gone = _event_of(workspace, world.events[2])
    with workspace.db.engine.begin() as conn:
        _drop_triggers(conn)
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": gone})
    with qtbot.waitSignal(view.verified, timeout=WAIT):
        view.verify_button.click()

    assert view.verify_label.text().startswith(f"⚠ Audit chain broken at event {gone}: ")
    assert "missing (deleted)" in view.verify_label.text()
    assert warning_colour() in view.verify_label.styleSheet()


def test_a_moderator_is_told_no(
    qtbot: QtBot, workspace: Workspace, clock: FakeClock, open_view: Callable[[str], AuditView]
) -> None:
    build(workspace, clock)
    view = open_view("alice")

    with qtbot.waitSignal(view.error_shown, timeout=WAIT) as refused:
        view.show()

    assert "may not read the audit trail" in refused.args[0]
    assert "may not read the audit trail" in view.status_label.text()
    assert view.model.rowCount() == 0
    assert not view.override_button.isVisible()


def test_the_table_pages_as_it_scrolls(
    qtbot: QtBot, workspace: Workspace, open_view: Callable[[str], AuditView]
) -> None:
    alice = add_user(workspace, "alice")
    add_user(workspace, "boss", Role.SUPERVISOR)
    ids = add_items(workspace, 450, severity=0)
    workspace.review.approve_many(alice, [(i, str(uuid.uuid4())) for i in ids])
    view = loaded(qtbot, open_view("boss"))
    assert view.model.rowCount() == 200 and view.model.canFetchMore()

    while view.model.canFetchMore():
        with qtbot.waitSignal(view.page_loaded, timeout=WAIT):
            view.table.scrollToBottom()

    assert view.model.rowCount() == 450
    seen = {view.model.index(n, 0).data(DecisionIdRole) for n in range(450)}
    assert len(seen) == 450
    assert view.status_label.text() == "450 decision events"


@pytest.mark.parametrize("name", THEMES)
def test_chain_colours_read_on_either_theme(qapp: QApplication, name: str) -> None:
    with restored_look(qapp):
        apply_theme(qapp, name, 12)
        background = QColor(colours(name).window)
        for colour in (good_colour(), warning_colour()):
            assert contrast(QColor(colour), background) >= 4.5, (name, colour)
