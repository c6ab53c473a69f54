"""The override dialog on real databases, offscreen: it asks for what the
service will ask for, records the override, and shows refusals in place."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog
from sqlalchemy import select

from db.models import AuditEvent, Decision, Item, User
from desktop.core import audit, taxonomy
from desktop.domain.review import Action
from desktop.ui.override_dialog import OverrideDialog
from tests.integration.test_decision_log import build
from tests.support.factories import add_items, admin

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from pytestqt.qtbot import QtBot

    from desktop.app.veil import Veil
    from desktop.core.workspace import Workspace
    from tests.conftest import FakeClock

WAIT = 15_000


@pytest.fixture
def open_dialog(qtbot: QtBot, workstation: Callable[[str], Veil]) -> Iterator[Callable[[str, int], OverrideDialog]]:
    made: list[OverrideDialog] = []

    def make(name: str, item_id: int) -> OverrideDialog:
        dialog = OverrideDialog(workstation(name), item_id)
        qtbot.addWidget(dialog)
        made.append(dialog)
        return dialog

    yield make
    for dialog in made:
        dialog.close()
    assert not [t.name for t in threading.enumerate() if t.name.startswith("veil-override")]


def shown(qtbot: QtBot, dialog: OverrideDialog) -> OverrideDialog:
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT):
        dialog.show()
    return dialog


def tick(dialog: OverrideDialog, code: str) -> None:
    for n in range(dialog.labels_list.count()):
        item = dialog.labels_list.item(n)
        if item.data(Qt.ItemDataRole.UserRole + 1) == code:
            item.setCheckState(Qt.CheckState.Checked)
            return
    raise AssertionError(f"no label {code}")


def test_override_waits_for_everything_it_needs_and_a_reason(
    qtbot: QtBot, workspace: Workspace, clock: FakeClock, open_dialog: Callable[[str, int], OverrideDialog]
) -> None:
    world = build(workspace, clock)
    dialog = shown(qtbot, open_dialog("boss", world.items["B"]))  # bob's approval

    assert dialog.in_force_label.text().startswith("In force: Approve\nby bob, ")
    assert not dialog.ok_button.isEnabled() and dialog.hint_label.text() == "Choose the new decision."

    dialog.action_buttons[Action.WARN].click()
    assert dialog.labels_box.isVisible() and not dialog.reason_box.isVisible()
    assert not dialog.ok_button.isEnabled() and dialog.hint_label.text() == "Tick at least one warning label."
    tick(dialog, "newsworthy")
    assert not dialog.ok_button.isEnabled() and "only goes with another label" in dialog.hint_label.text()
    tick(dialog, "graphic-violence")
    assert not dialog.ok_button.isEnabled() and dialog.hint_label.text() == "Say why the decision changes."
    QTest.keyClicks(dialog.why_edit, "   ")
    assert not dialog.ok_button.isEnabled()  # blanks are no reason
    QTest.keyClicks(dialog.why_edit, "Bodies visible at 0:12")
    assert dialog.ok_button.isEnabled() and not dialog.hint_label.isVisible()

    dialog.action_buttons[Action.REMOVE].click()
    assert dialog.reason_box.isVisible() and not dialog.labels_box.isVisible()
    assert not dialog.ok_button.isEnabled() and dialog.hint_label.text() == "Choose a reason to remove."
    dialog.reason_combo.setCurrentIndex(dialog.reason_combo.findData("gratuitous"))
    assert dialog.ok_button.isEnabled()
    dialog.why_edit.clear()
    assert not dialog.ok_button.isEnabled()

    # Pressing Override (or Enter) while something is missing sends nothing.
    dialog.buttons.accepted.emit()
    assert dialog.isVisible()
    with workspace.db.read() as session:
        assert session.scalar(select(Decision.id).where(Decision.overrides == world.events[2])) is None


def test_the_override_is_recorded(
    qtbot: QtBot, workspace: Workspace, clock: FakeClock, open_dialog: Callable[[str, int], OverrideDialog]
) -> None:
    world = build(workspace, clock)
    item = world.items["D"]  # alice's escalation
    dialog = shown(qtbot, open_dialog("boss", item))
    assert "Escalate — Unsure which decision applies" in dialog.in_force_label.text()
    assert "Note: not sure about the flag" in dialog.in_force_label.text()
    clock.advance(hours=1)

    dialog.action_buttons[Action.WARN].click()
    tick(dialog, "graphic-violence")
    QTest.keyClicks(dialog.why_edit, "The flag is a war memorial; the photo is of the funeral")
    with qtbot.waitSignal(dialog.overridden, timeout=WAIT) as saved:
        dialog.ok_button.click()

    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    info = saved.args[0]
    with workspace.db.read() as session:
        row, by = session.execute(
            select(Decision, User.name).join(User, User.id == Decision.reviewer_id).where(Decision.id == info.id)
        ).one()
        item_row = session.get(Item, item)
        kind = session.scalar(select(AuditEvent.kind).where(AuditEvent.ref == info.id))
    assert (row.action, row.labels, row.reason_code, by) == (Action.WARN, ["graphic-violence"], None, "boss")
    assert row.overrides == world.events[6] and row.decided_at == clock.now
    assert row.note == "The flag is a war memorial; the photo is of the funeral"
    assert item_row is not None and item_row.current_decision_id == info.id and item_row.status.value == "decided"
    assert kind == "override"
    assert audit.verify(workspace.db).ok


def test_a_refusal_is_shown_in_the_dialog_and_a_retry_records_once(
    qtbot: QtBot, workspace: Workspace, clock: FakeClock, open_dialog: Callable[[str, int], OverrideDialog]
) -> None:
    world = build(workspace, clock)
    dialog = shown(qtbot, open_dialog("boss", world.items["A"]))
    dialog.action_buttons[Action.WARN].click()
    tick(dialog, "medical")
    QTest.keyClicks(dialog.why_edit, "It is surgery footage, not violence")
    # An admin retires the label while the dialog is open.
    with workspace.db.write() as session:
        taxonomy.set_label_active(session, admin(workspace), "medical", False, clock())

    with qtbot.waitSignal(dialog.failed, timeout=WAIT) as failed:
        dialog.ok_button.click()

    assert "unknown label code 'medical'" in failed.args[0]
    assert dialog.isVisible() and dialog.error_label.isVisible()
    assert dialog.error_label.text() == failed.args[0]
    assert dialog.ok_button.isEnabled()  # fix it and send again

    with workspace.db.write() as session:
        taxonomy.set_label_active(session, admin(workspace), "medical", True, clock())
    with qtbot.waitSignal(dialog.overridden, timeout=WAIT):
        dialog.ok_button.click()
    with workspace.db.read() as session:
        overrides = session.scalars(select(Decision.id).where(Decision.overrides == world.events[1])).all()
    assert len(overrides) == 1


def test_nothing_to_override_and_no_right_to(
    qtbot: QtBot, workspace: Workspace, clock: FakeClock, open_dialog: Callable[[str, int], OverrideDialog]
) -> None:
    world = build(workspace, clock)
    (pending,) = add_items(workspace, 1, severity=0, prefix="fresh")

    empty = shown(qtbot, open_dialog("boss", pending))
    refused = open_dialog("alice", world.items["A"])
    with qtbot.waitSignal(refused.failed, timeout=WAIT) as failed:
        refused.show()

    assert empty.in_force_label.text() == f"Item {pending} has no decision in force to override."
    empty.action_buttons[Action.APPROVE].click()
    QTest.keyClicks(empty.why_edit, "whatever")
    assert not empty.ok_button.isEnabled()
    assert "moderator and may not" in failed.args[0] and refused.error_label.isVisible()
    assert not refused.ok_button.isEnabled()
