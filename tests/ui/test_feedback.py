"""The moderator's list of overrides of their own decisions, on real databases, offscreen."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest

from desktop.domain.review import Action
from desktop.ui.feedback import COLUMNS, FeedbackDialog
from tests.integration.test_decision_log import build

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from PySide6.QtWidgets import QTableWidgetItem
    from pytestqt.qtbot import QtBot

    from desktop.app.veil import Veil
    from desktop.core.workspace import Workspace
    from tests.conftest import FakeClock

WAIT = 15_000


@pytest.fixture
def open_feedback(qtbot: QtBot, workstation: Callable[[str], Veil]) -> Iterator[Callable[[str], FeedbackDialog]]:
    made: list[FeedbackDialog] = []

    def make(name: str) -> FeedbackDialog:
        dialog = FeedbackDialog(workstation(name))
        qtbot.addWidget(dialog)
        made.append(dialog)
        with qtbot.waitSignal(dialog.loaded, timeout=WAIT):
            dialog.show()
        return dialog

    yield make
    for dialog in made:
        dialog.close()
    assert not [t.name for t in threading.enumerate() if t.name.startswith("veil-feedback")]


def cell(dialog: FeedbackDialog, row: int, column: str) -> QTableWidgetItem:
    item = dialog.table.item(row, COLUMNS.index(column))
    assert item is not None
    return item


def rows(dialog: FeedbackDialog) -> list[dict[str, str]]:
    return [{name: cell(dialog, row, name).text() for name in COLUMNS} for row in range(dialog.table.rowCount())]


def test_a_moderator_sees_the_overrides_of_their_own_decisions_only(
    workspace: Workspace, clock: FakeClock, open_feedback: Callable[[str], FeedbackDialog]
) -> None:
    world = build(workspace, clock)
    clock.advance(minutes=5)
    workspace.review.override(
        world.boss, world.items["A"], Action.REMOVE, reason="victim-dignity", reason_note="A face is recognisable"
    )

    listed = rows(open_feedback("alice"))

    assert [(r["Item"], r["Your decision"], r["Changed to"], r["By"], r["Why"]) for r in listed] == [
        (
            str(world.items["A"]),
            "Approve with warning: Graphic violence",
            "Remove — Victim dignity or privacy",
            "boss",
            "A face is recognisable",
        ),
        (
            str(world.items["C"]),
            "Remove — Gratuitous graphic content",
            "Approve with warning: Graphic violence, Newsworthy",
            "boss",
            "newsworthy: the port blast",
        ),
    ]
    assert listed[0]["When"] > listed[1]["When"]  # newest first


def test_no_overrides_says_so_and_a_withdrawn_one_is_marked(
    workspace: Workspace, clock: FakeClock, open_feedback: Callable[[str], FeedbackDialog]
) -> None:
    world = build(workspace, clock)

    before = open_feedback("bob")
    assert before.table.rowCount() == 0 and not before.table.isVisible()
    assert before.status_label.text() == "None of your decisions has been overridden."

    clock.advance(minutes=1)
    workspace.review.override(world.boss, world.items["E"], Action.APPROVE, reason_note="it is not spam")
    clock.advance(minutes=1)
    workspace.review.undo_last(world.boss)
    after = open_feedback("bob")

    (row,) = rows(after)
    assert row["Your decision"] == "Remove — Spam or off-topic"
    assert row["Changed to"] == "Approve\n(override withdrawn: your decision stands)"
    assert cell(after, 0, "Changed to").font().strikeOut()
    assert not rows(open_feedback("carol"))
