"""The review loop without a window: the controller on a real database, its signals awaited."""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING

import pytest

from desktop import config
from desktop.app.outbox import Outbox
from desktop.core.workspace import open_workspace
from desktop.domain.review import Action, DecisionRequest, ItemStatus, PendingDecision
from desktop.ui.loaded import Loaded, Opened
from desktop.ui.review_controller import ReviewController
from tests.conftest import signed_in
from tests.support.factories import add_items

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytestqt.qtbot import QtBot

WAIT = 15_000


@pytest.fixture
def items(db_url: str) -> list[int]:
    ws = open_workspace(db_url)
    try:
        ws.actor("root")  # the first user, an admin
        return add_items(ws, 5, severity=1)
    finally:
        ws.close()


@pytest.fixture
def controller(
    qtbot: QtBot, db_url: str, items: list[int], monkeypatch: pytest.MonkeyPatch
) -> Iterator[ReviewController]:
    monkeypatch.setenv("VEIL_DB_URL", db_url)
    monkeypatch.setenv("VEIL_USER", "root")
    made = ReviewController(config.load())
    yield made
    made.close()
    assert not [t.name for t in threading.enumerate() if t.name.startswith("veil-")]


def open_and_show(qtbot: QtBot, controller: ReviewController) -> Loaded:
    with qtbot.waitSignal(controller.shown, timeout=WAIT) as shown:
        controller.open_database()
    found = shown.args[0]
    assert isinstance(found, Loaded)
    return found


def test_opening_signs_in_the_named_user_and_shows_the_first_item(
    qtbot: QtBot, controller: ReviewController, items: list[int]
) -> None:
    with qtbot.waitSignal(controller.opened, timeout=WAIT) as opened:
        first = open_and_show(qtbot, controller)
    info = opened.args[0]
    assert isinstance(info, Opened) and info.actor.name == "root" and info.replayed == 0
    assert first.view.id == items[0] and first.view.claimed_by == "root"
    assert controller.can_decide()


def test_a_decision_is_saved_before_the_next_item_shows(
    qtbot: QtBot, controller: ReviewController, db_url: str, items: list[int]
) -> None:
    first = open_and_show(qtbot, controller)
    saved: list[str] = []
    controller.decision_saved.connect(saved.append)
    with qtbot.waitSignal(controller.shown, timeout=WAIT) as shown:
        controller.decide(DecisionRequest(Action.APPROVE, (), None, "fine"))
    # The decision was committed before the next item came.
    assert saved and controller.pending is None
    check = signed_in(db_url, "root")
    try:
        view = check.review.show(first.view.id)
        assert view.status == ItemStatus.DECIDED and view.decisions[-1].note == "fine"
    finally:
        check.close()
    following = shown.args[0]
    assert isinstance(following, Loaded) and following.view.id == items[1]


def test_skip_and_undo(qtbot: QtBot, controller: ReviewController, items: list[int]) -> None:
    first = open_and_show(qtbot, controller)
    with qtbot.waitSignal(controller.shown, timeout=WAIT) as shown:
        controller.skip()
    assert shown.args[0].view.id == items[1] != first.view.id
    with qtbot.waitSignal(controller.shown, timeout=WAIT):
        controller.decide(DecisionRequest(Action.APPROVE, (), None, None))
    with qtbot.waitSignal(controller.shown, timeout=WAIT) as shown:
        controller.undo()
    back = shown.args[0]
    assert back.view.id == items[1] and back.view.status == ItemStatus.PENDING and back.view.claimed_by == "root"


def test_decisions_left_in_the_outbox_are_saved_at_sign_in(
    qtbot: QtBot, controller: ReviewController, db_url: str, items: list[int]
) -> None:
    check = signed_in(db_url, "root")
    try:
        where = check.where
        outbox = Outbox(controller.outbox.path)
        outbox.add(PendingDecision(str(uuid.uuid4()), items[3], "approve", where, "root"))
        with qtbot.waitSignal(controller.opened, timeout=WAIT) as opened:
            open_and_show(qtbot, controller)
        assert opened.args[0].replayed == 1
        assert check.review.show(items[3]).status == ItemStatus.DECIDED
        assert outbox.pending(database=where, reviewer="root") == []
    finally:
        check.close()
