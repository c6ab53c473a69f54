"""The claim -> decide hot path: Core statements and audit events appended at commit, on both databases."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from db.models import AuditEvent, Decision, Item
from desktop.core import audit
from desktop.domain.review import Action, ItemStatus
from tests.support.factories import add_items, add_user

if TYPE_CHECKING:
    from desktop.core.workspace import Workspace


def _events(ws: Workspace) -> list[tuple[str, int | None]]:
    with ws.db.read() as session:
        return [(e.kind, e.item_id) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_decision_and_the_next_claim_in_one_transaction_append_both_events_in_order(workspace: Workspace) -> None:
    first, second = add_items(workspace, 2)
    alice = add_user(workspace, "alice")
    assert workspace.review.claim_next(alice) is not None
    before = len(_events(workspace))

    with workspace.db.write() as session:
        workspace.review.decide(alice, first, Action.APPROVE, into=session)
        following = workspace.review.claim_next(alice, into=session)

    assert following is not None and following.item_id == second and not following.resumed
    assert _events(workspace)[before:] == [("decision", first), ("claim", second)]
    assert audit.verify(workspace.db).ok
    with workspace.db.read() as session:
        decided = session.get(Item, first)
        taken = session.get(Item, second)
        assert decided is not None and taken is not None
        assert decided.status == ItemStatus.DECIDED and decided.claimed_by is None
        assert taken.claimed_by == alice.id and taken.lease_expires_at is not None


def test_a_rolled_back_transaction_appends_nothing(workspace: Workspace) -> None:
    (item,) = add_items(workspace, 1)
    alice = add_user(workspace, "alice")
    assert workspace.review.claim_next(alice) is not None
    before = _events(workspace)

    def decide_then_fail() -> None:
        with workspace.db.write() as session:
            workspace.review.decide(alice, item, Action.APPROVE, into=session)
            raise RuntimeError("the window closed before the commit")

    with pytest.raises(RuntimeError, match="the window closed"):
        decide_then_fail()

    assert _events(workspace) == before
    with workspace.db.read() as session:
        assert session.scalar(select(Decision.id).where(Decision.item_id == item)) is None
    assert audit.verify(workspace.db).ok


def test_an_event_appended_at_once_follows_those_waiting_for_the_commit(workspace: Workspace) -> None:
    first, second = add_items(workspace, 2)
    alice = add_user(workspace, "alice")
    assert workspace.review.claim_next(alice) is not None
    before = len(_events(workspace))

    with workspace.db.write() as session:
        workspace.review.decide(alice, first, Action.APPROVE, into=session)  # appended at commit
        workspace.review.claim_next(alice, into=session)  # at commit
        workspace.review.skip(alice, second, into=session)  # appended at once: the two above go first

    assert _events(workspace)[before:] == [("decision", first), ("claim", second), ("skip", second)]
    assert audit.verify(workspace.db).ok


def test_a_claim_is_seen_by_a_read_of_the_item_loaded_earlier_in_the_transaction(workspace: Workspace) -> None:
    (item,) = add_items(workspace, 1)
    alice = add_user(workspace, "alice")

    with workspace.db.write() as session:
        loaded = session.get(Item, item)  # in the session's identity map, unclaimed
        assert loaded is not None and loaded.claimed_by is None
        claim = workspace.review.claim_next(alice, into=session)
        assert claim is not None and claim.item_id == item
        assert workspace.review.show(item, into=session).claimed_by == "alice"


def test_a_retried_decision_in_a_new_transaction_returns_the_first_and_appends_nothing(workspace: Workspace) -> None:
    (item,) = add_items(workspace, 1)
    alice = add_user(workspace, "alice")
    assert workspace.review.claim_next(alice) is not None
    first = workspace.review.decide(alice, item, Action.APPROVE)
    events = _events(workspace)

    again = workspace.review.decide(alice, item, Action.APPROVE, decision_id=first.id)

    assert again == first
    assert _events(workspace) == events
