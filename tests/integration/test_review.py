"""The review service on both databases: claims, leases, decisions, undo, escalation."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from db.models import AuditEvent, Decision, Exposure, Item
from desktop.domain.errors import Conflict, PermissionDenied, UsageError
from desktop.domain.people import Role
from desktop.domain.review import Action, ItemStatus
from tests.support.factories import add_items, add_user

if TYPE_CHECKING:
    from desktop.core.workspace import Workspace
    from tests.conftest import FakeClock


def test_claim_follows_severity_then_age(workspace: Workspace, clock: FakeClock) -> None:
    mild = add_items(workspace, 2, severity=1, prefix="mild")
    clock.advance(minutes=1)
    severe = add_items(workspace, 2, severity=3, prefix="severe")
    alice, bob, carol, dave = (add_user(workspace, n) for n in ("alice", "bob", "carol", "dave"))

    claimed = [workspace.review.claim_next(who) for who in (alice, bob, carol, dave)]

    assert [c.item_id for c in claimed if c] == [*severe, *mild]
    assert workspace.review.claim_next(add_user(workspace, "erin")) is None


def test_claim_again_resumes_the_held_item(workspace: Workspace) -> None:
    add_items(workspace, 3)
    alice = add_user(workspace, "alice")
    first = workspace.review.claim_next(alice)
    again = workspace.review.claim_next(alice)
    assert first is not None and again is not None
    assert again.item_id == first.item_id and again.resumed


def test_expired_lease_returns_the_item(workspace: Workspace, clock: FakeClock) -> None:
    (item,) = add_items(workspace, 1)
    alice, bob = add_user(workspace, "alice"), add_user(workspace, "bob")
    assert workspace.review.claim_next(alice) is not None
    assert workspace.review.claim_next(bob) is None

    clock.advance(minutes=10, seconds=1)
    taken = workspace.review.claim_next(bob)

    assert taken is not None and taken.item_id == item
    assert workspace.review.show(item).claimed_by == "bob"


def test_renewed_lease_keeps_the_item(workspace: Workspace, clock: FakeClock) -> None:
    (item,) = add_items(workspace, 1)
    alice, bob = add_user(workspace, "alice"), add_user(workspace, "bob")
    workspace.review.claim_next(alice)
    clock.advance(minutes=9)
    workspace.review.renew(alice, item)
    clock.advance(minutes=9)
    assert workspace.review.claim_next(bob) is None


def test_decision_on_an_item_someone_else_now_holds_is_refused(workspace: Workspace, clock: FakeClock) -> None:
    (item,) = add_items(workspace, 1)
    alice, bob = add_user(workspace, "alice"), add_user(workspace, "bob")
    workspace.review.claim_next(alice)
    clock.advance(minutes=11)
    workspace.review.claim_next(bob)

    with pytest.raises(Conflict, match="held by bob"):
        workspace.review.decide(alice, item, Action.APPROVE)

    with workspace.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 0
        assert session.get(Item, item).status == ItemStatus.PENDING  # type: ignore[union-attr]


def test_late_decision_is_kept_when_nobody_took_the_item(workspace: Workspace, clock: FakeClock) -> None:
    (item,) = add_items(workspace, 1)
    alice = add_user(workspace, "alice")
    workspace.review.claim_next(alice)
    clock.advance(minutes=30)
    decision = workspace.review.decide(alice, item, Action.APPROVE)
    assert decision.action == Action.APPROVE
    assert workspace.review.show(item).status == ItemStatus.DECIDED


def test_retried_decision_is_a_no_op(workspace: Workspace) -> None:
    (item,) = add_items(workspace, 1)
    alice = add_user(workspace, "alice")
    workspace.review.claim_next(alice)
    decision_id = str(uuid.uuid4())
    first = workspace.review.decide(alice, item, Action.WARN, labels=["graphic-violence"], decision_id=decision_id)
    again = workspace.review.decide(alice, item, Action.WARN, labels=["graphic-violence"], decision_id=decision_id)

    assert again == first
    with workspace.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 1
        kinds = session.scalars(select(AuditEvent.kind).where(AuditEvent.kind == "decision")).all()
    assert len(kinds) == 1


@pytest.mark.parametrize(
    ("action", "labels", "reason", "message"),
    [
        (Action.WARN, [], None, "warn needs at least one label"),
        (Action.WARN, ["no-such-label"], None, "unknown label code 'no-such-label'"),
        (Action.WARN, ["newsworthy"], None, "only accompanies another label"),
        (Action.APPROVE, ["graphic-violence"], None, "approve takes no labels"),
        (Action.REMOVE, [], None, "remove needs a reason"),
        (Action.REMOVE, [], "no-such-reason", "unknown remove reason"),
        (Action.ESCALATE, [], None, "escalate needs a reason"),
    ],
)
def test_incomplete_decisions_are_refused_and_nothing_is_written(
    workspace: Workspace, action: Action, labels: list[str], reason: str | None, message: str
) -> None:
    (item,) = add_items(workspace, 1)
    alice = add_user(workspace, "alice")
    workspace.review.claim_next(alice)
    with workspace.db.read() as session:
        events_before = session.scalar(select(func.count()).select_from(AuditEvent))

    with pytest.raises(UsageError, match=message):
        workspace.review.decide(alice, item, action, labels=labels, reason=reason)

    with workspace.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
    assert workspace.review.show(item).claimed_by == "alice"


def test_newsworthy_goes_with_another_label(workspace: Workspace) -> None:
    (item,) = add_items(workspace, 1)
    alice = add_user(workspace, "alice")
    decision = workspace.review.decide(alice, item, Action.WARN, labels=["graphic-violence", "newsworthy"])
    assert decision.labels == ["graphic-violence", "newsworthy"]


def test_skipped_item_is_not_offered_again_until_cleared(workspace: Workspace) -> None:
    (item,) = add_items(workspace, 1)
    alice, bob = add_user(workspace, "alice"), add_user(workspace, "bob")
    boss = add_user(workspace, "boss", Role.SUPERVISOR)
    workspace.review.claim_next(alice)
    workspace.review.skip(alice, item)

    assert workspace.review.claim_next(alice) is None
    bob_claim = workspace.review.claim_next(bob)
    assert bob_claim is not None and bob_claim.item_id == item
    workspace.review.release(bob, item)

    with pytest.raises(PermissionDenied):
        workspace.review.clear_skips(alice, item_id=item)
    assert workspace.review.clear_skips(boss, user="alice") == 1
    again = workspace.review.claim_next(alice)
    assert again is not None and again.item_id == item


def test_undo_own_last_decision_within_grace(workspace: Workspace, clock: FakeClock) -> None:
    first, second = add_items(workspace, 2, severity=2)
    alice = add_user(workspace, "alice")
    workspace.review.claim_next(alice)
    decision = workspace.review.decide(alice, first, Action.REMOVE, reason="gratuitous")
    clock.advance(minutes=2)

    undo = workspace.review.undo_last(alice)

    assert undo.action == Action.UNDO and undo.undoes == decision.id
    view = workspace.review.show(first)
    assert view.status == ItemStatus.PENDING and view.claimed_by == "alice"
    assert [d.action for d in view.decisions] == [Action.REMOVE, Action.UNDO]
    with pytest.raises(Conflict, match="already undone"):
        workspace.review.undo_last(alice)
    # The reviewer decides again; the history keeps all three events.
    workspace.review.decide(alice, first, Action.APPROVE)
    assert [d.action for d in workspace.review.show(first).decisions] == [Action.REMOVE, Action.UNDO, Action.APPROVE]
    assert second != first


def test_undo_after_grace_is_refused(workspace: Workspace, clock: FakeClock) -> None:
    (item,) = add_items(workspace, 1)
    alice = add_user(workspace, "alice")
    workspace.review.decide(alice, item, Action.APPROVE)
    clock.advance(minutes=6)
    with pytest.raises(Conflict, match="older than 5 min"):
        workspace.review.undo_last(alice)
    assert workspace.review.show(item).status == ItemStatus.DECIDED


def test_escalation_goes_to_supervisors(workspace: Workspace) -> None:
    (item,) = add_items(workspace, 1)
    alice, bob = add_user(workspace, "alice"), add_user(workspace, "bob")
    boss = add_user(workspace, "boss", Role.SUPERVISOR)
    workspace.review.decide(alice, item, Action.ESCALATE, reason="unsure", note="context?")

    assert workspace.review.claim_next(bob) is None
    assert [e.id for e in workspace.review.queue(escalations=True)] == [item]
    with pytest.raises(PermissionDenied):
        workspace.review.claim_next(bob, escalations=True)
    with pytest.raises(PermissionDenied):
        workspace.review.decide(bob, item, Action.APPROVE)

    claim = workspace.review.claim_next(boss, escalations=True)
    assert claim is not None and claim.item_id == item
    workspace.review.decide(boss, item, Action.WARN, labels=["medical"], note="resolved")
    assert workspace.review.show(item).status == ItemStatus.DECIDED


def test_suspected_csam_withholds_media_from_everyone(workspace: Workspace) -> None:
    (item,) = add_items(workspace, 1)
    alice = add_user(workspace, "alice")
    workspace.review.decide(alice, item, Action.ESCALATE, reason="csam-suspected")

    view = workspace.review.show(item)
    assert view.media_withheld and view.status == ItemStatus.ESCALATED
    assert view.as_dict()["media"] == []
    with pytest.raises(Conflict, match="withheld"):
        workspace.review.record_exposure(
            alice, item, media_id=None, mode="reveal", started_at=workspace.clock(), seconds=1.0
        )


def test_override_adds_an_event_and_keeps_the_original(workspace: Workspace) -> None:
    (item,) = add_items(workspace, 1)
    alice = add_user(workspace, "alice")
    boss = add_user(workspace, "boss", Role.SUPERVISOR)
    original = workspace.review.decide(alice, item, Action.APPROVE)

    with pytest.raises(PermissionDenied):
        workspace.review.override(alice, item, Action.REMOVE, reason="gratuitous", reason_note="mine")
    with pytest.raises(UsageError, match="needs a reason"):
        workspace.review.override(boss, item, Action.REMOVE, reason="gratuitous", reason_note=" ")

    new = workspace.review.override(boss, item, Action.REMOVE, reason="gratuitous", reason_note="shows victims' faces")

    assert new.overrides == original.id
    history = workspace.review.show(item).decisions
    assert [(d.action, d.reviewer) for d in history] == [(Action.APPROVE, "alice"), (Action.REMOVE, "boss")]
    with pytest.raises(Conflict, match="overridden"):
        workspace.review.undo_last(alice)


def test_undoing_an_override_puts_the_original_back_in_force(workspace: Workspace) -> None:
    (item,) = add_items(workspace, 1)
    alice = add_user(workspace, "alice")
    boss = add_user(workspace, "boss", Role.SUPERVISOR)
    original = workspace.review.decide(alice, item, Action.APPROVE)
    workspace.review.override(boss, item, Action.REMOVE, reason="gratuitous", reason_note="faces")

    workspace.review.undo_last(boss)

    view = workspace.review.show(item)
    assert view.status == ItemStatus.DECIDED and view.claimed_by is None
    # The original is in force again: a supervisor can override it once more.
    again = workspace.review.override(boss, item, Action.WARN, labels=["medical"], reason_note="on reflection")
    assert again.overrides == original.id


def test_undoing_an_escalation_a_supervisor_is_resolving_is_refused(workspace: Workspace) -> None:
    (item,) = add_items(workspace, 1)
    alice = add_user(workspace, "alice")
    boss = add_user(workspace, "boss", Role.SUPERVISOR)
    workspace.review.decide(alice, item, Action.ESCALATE, reason="unsure")
    assert workspace.review.claim_next(boss, escalations=True) is not None

    with pytest.raises(Conflict, match="held by boss"):
        workspace.review.undo_last(alice)
    assert workspace.review.show(item).status == ItemStatus.ESCALATED


def test_exposure_is_recorded_and_audited(workspace: Workspace, clock: FakeClock) -> None:
    (item,) = add_items(workspace, 1)
    alice = add_user(workspace, "alice")
    workspace.review.record_exposure(alice, item, media_id=None, mode="reveal", started_at=clock(), seconds=4.25)
    with workspace.db.read() as session:
        exposure = session.scalars(select(Exposure)).one()
        event = session.scalars(select(AuditEvent).where(AuditEvent.kind == "reveal")).one()
    assert (exposure.user_id, exposure.item_id, exposure.seconds, exposure.mode) == (alice.id, item, 4.25, "reveal")
    assert event.actor == "alice" and event.item_id == item
    with pytest.raises(UsageError, match="unknown exposure mode"):
        workspace.review.record_exposure(alice, item, media_id=None, mode="stare", started_at=clock(), seconds=1)
