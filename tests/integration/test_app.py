"""The application layer on both databases: one path per use case, its transactions, its clock, its changes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from db.models import AuditEvent, Exposure
from desktop.app.outbox import Outbox
from desktop.app.veil import Veil
from desktop.core.workspace import open_workspace
from desktop.domain.errors import PermissionDenied, UsageError
from desktop.domain.people import Role
from desktop.domain.review import Action, PendingDecision, PendingExposure, Replayed
from tests.conftest import signed_in
from tests.support.factories import add_items

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.conftest import FakeClock


@pytest.fixture
def team(veil: Veil, db_url: str, clock: FakeClock) -> Iterator[dict[str, Veil]]:
    """An admin (the first to sign in), a supervisor and two moderators, each on their own workstation,
    and twelve items waiting."""
    veil.sign_in("root")
    for name, role in (("sup", Role.SUPERVISOR), ("amira", Role.MODERATOR), ("ben", Role.MODERATOR)):
        veil.people.add(name, role)
    ws = open_workspace(db_url, clock=clock)
    try:
        add_items(ws, 12, severity=1)
    finally:
        ws.close()
    others = {name: signed_in(db_url, name, clock) for name in ("sup", "amira", "ben")}
    yield {"root": veil, **others}
    for opened in others.values():
        opened.close()


def pending(veil: Veil, item_id: int, action: Action = Action.APPROVE, **kwargs: Any) -> PendingDecision:
    assert veil.actor is not None
    return PendingDecision(str(uuid.uuid4()), item_id, action.value, veil.where, veil.actor.name, **kwargs)


class Transactions:
    """Every transaction any engine begins while counting."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, _connection: object) -> None:
        self.count += 1


@pytest.fixture
def transactions() -> Iterator[Transactions]:
    counter = Transactions()
    event.listen(Engine, "begin", counter)
    yield counter
    event.remove(Engine, "begin", counter)


def test_a_decision_key_is_one_transaction(team: dict[str, Veil], transactions: Transactions) -> None:
    amira = team["amira"]
    first = amira.review.next().value
    assert first.claim is not None and first.shown is not None
    before = transactions.count
    done = amira.review.decide_and_next(pending(amira, first.claim.item_id))
    assert transactions.count - before == 1  # decide, claim the next, read it and its previews
    decision, moved = done.value
    assert decision.item_id == first.claim.item_id and decision.action == Action.APPROVE
    assert moved.claim is not None and moved.shown is not None and moved.shown.view.id == moved.claim.item_id
    assert moved.claim.item_id != first.claim.item_id
    # What changed: both items, and the queue they left and came from.
    assert done.changes.items == {first.claim.item_id, moved.claim.item_id}
    assert done.changes.queue and done.changes.history


def test_an_item_read_ahead_is_not_read_again(team: dict[str, Veil]) -> None:
    amira = team["amira"]
    first = amira.review.next().value
    assert first.claim is not None
    ahead = amira.review.read(first.claim.item_id + 1)
    done = amira.review.decide_and_next(pending(amira, first.claim.item_id), ahead={ahead.view.id})
    _decision, moved = done.value
    assert moved.claim is not None and moved.claim.item_id == ahead.view.id
    assert moved.shown is None  # the caller shows what it read ahead


def test_a_second_review_takes_the_same_path_as_a_decision(team: dict[str, Veil]) -> None:
    amira, ben, sup = team["amira"], team["ben"], team["sup"]
    first = amira.review.next().value
    assert first.claim is not None
    item = first.claim.item_id
    amira.review.decide(pending(amira, item, Action.WARN, labels=["graphic-violence"]))
    sampled = sup.second_review.sample(1.0, seed=1).value
    assert [s.item_id for s in sampled.sampled] == [item]
    task = ben.second_review.next().value
    assert task is not None and task.item_id == item and task.item.blind
    # The same use case as a first decision, told it is a second review.
    second = ben.review.decide(pending(ben, item, Action.REMOVE, reason="victim-dignity", second_review=True))
    assert second.value.round == 2
    assert not second.changes.queue  # a second review never moves the item
    shown = sup.review.show(item)
    assert shown.status.value == "decided" and [d.round for d in shown.decisions] == [1, 2]


def test_a_repeated_decision_is_harmless(team: dict[str, Veil]) -> None:
    amira = team["amira"]
    first = amira.review.next().value
    assert first.claim is not None
    request = pending(amira, first.claim.item_id)
    once = amira.review.decide(request).value
    again = amira.review.decide(request).value
    assert once == again


def seen(veil: Veil, item_id: int, started_at: datetime, seconds: float) -> PendingExposure:
    assert veil.actor is not None
    return PendingExposure(str(uuid.uuid4()), item_id, None, "view", started_at, seconds, veil.where, veil.actor.name)


def test_exposure_kept_in_the_outbox_is_recorded_once_with_the_decisions(
    team: dict[str, Veil], db_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    amira = team["amira"]
    morning = clock.now - timedelta(hours=1)
    first = amira.review.next().value
    assert first.claim is not None
    outbox = Outbox(tmp_path / "pending-decisions.jsonl")
    looked = seen(amira, first.claim.item_id, clock.now - timedelta(minutes=3), 42.5)
    decided = pending(amira, first.claim.item_id)
    outbox.add(looked)
    outbox.add(decided)
    kept = outbox.path.read_text(encoding="utf-8")
    assert [p.key for p in outbox.pending(database=amira.where, reviewer="amira")] == [looked.key, decided.key]

    done = amira.review.replay(outbox)
    assert done.value == Replayed(decisions=1, exposures=1) and done.changes.care
    assert outbox.pending(database=amira.where, reviewer="amira") == []
    # A crash mid-replay leaves the file as it was: sent again, nothing is saved twice.
    outbox.path.write_text(kept, encoding="utf-8")
    amira.review.replay(outbox)

    day = amira.care.day_so_far(morning)
    assert (day.graphic_s, day.graphic_items, day.decisions) == (42.5, 1, 1)
    ws = open_workspace(db_url)
    try:
        with ws.db.read() as session:
            rows = session.scalars(select(Exposure).where(Exposure.item_id == first.claim.item_id)).all()
            events = session.scalars(select(AuditEvent).where(AuditEvent.kind == "view")).all()
            assert [(r.client_id, r.seconds) for r in rows] == [(looked.exposure_id, 42.5)]
            assert len(events) == 1
    finally:
        ws.close()


def test_an_outbox_of_decisions_alone_still_replays(team: dict[str, Veil], tmp_path: Path) -> None:
    amira = team["amira"]
    first = amira.review.next().value
    assert first.claim is not None
    decided = pending(amira, first.claim.item_id)
    # As an earlier version wrote it: a decision's fields, no kind.
    line = (
        f'{{"decision_id": "{decided.decision_id}", "item_id": {decided.item_id}, "action": "approve", '
        f'"database": "{amira.where}", "reviewer": "amira", "labels": [], "reason": null, "note": null, '
        '"second_review": false}\n'
    )
    outbox = Outbox(tmp_path / "pending-decisions.jsonl")
    outbox.path.write_text(line, encoding="utf-8")
    assert outbox.pending(database=amira.where, reviewer="amira") == [decided]
    assert amira.review.replay(outbox).value == Replayed(decisions=1)
    assert amira.review.show(first.claim.item_id).decisions[-1].id == decided.decision_id
    assert not outbox.path.exists()


def test_undo_gives_the_item_back_shown(team: dict[str, Veil]) -> None:
    amira = team["amira"]
    first = amira.review.next().value
    assert first.claim is not None
    amira.review.decide_and_next(pending(amira, first.claim.item_id))
    undone, shown = amira.review.undo().value
    assert undone.undoes is not None and shown.view.id == first.claim.item_id
    assert shown.view.claimed_by == "amira"


def test_nobody_signed_in_is_refused(veil: Veil) -> None:
    with pytest.raises(UsageError, match="nobody is signed in"):
        veil.review.next()


def test_the_audit_chain_is_for_supervisors_in_every_front_end(team: dict[str, Veil]) -> None:
    # The window required the audit permission and `veil audit verify` none: one use case now.
    with pytest.raises(PermissionDenied):
        team["amira"].audit.verify()
    with pytest.raises(PermissionDenied):
        team["amira"].audit.check([])
    assert team["sup"].audit.verify().ok


def test_a_reports_verified_head_is_the_head_its_figures_were_counted_under(
    team: dict[str, Veil], db_url: str, clock: FakeClock
) -> None:
    """An event appended while the report is read is in neither the figures nor the verification."""
    amira, sup = team["amira"], team["sup"]
    first = amira.review.next().value
    assert first.claim is not None
    amira.review.decide(pending(amira, first.claim.item_id))
    other = signed_in(db_url, "ben", clock)
    appended: list[bool] = []

    def append_once(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        # After the report's first read: its snapshot is taken.
        if not appended and statement.lstrip().upper().startswith("SELECT"):
            appended.append(True)
            other.care.record_reminder("break", "shown")

    event.listen(Engine, "after_cursor_execute", append_once)
    try:
        found, chain = sup.supervision.verified_report()
    finally:
        event.remove(Engine, "after_cursor_execute", append_once)
        other.close()
    assert appended
    assert chain.ok and chain.head_hash == found.audit_head_hash and chain.events == found.audit_events
    # The event is there for the next report.
    later, again = sup.supervision.verified_report()
    assert later.audit_events == again.events == found.audit_events + 1


class FastWorkstationClock:
    """A workstation's own clock, two hours fast (not a test's stand-in for the server)."""

    wall = True

    def __call__(self) -> datetime:
        return datetime.now(UTC) + timedelta(hours=2)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_second_review_leases_are_measured_by_the_servers_clock(team: dict[str, Veil], db_url: str) -> None:
    """A workstation whose clock runs two hours fast still leases a second review for ten minutes."""

    amira, sup = team["amira"], team["sup"]
    first = amira.review.next().value
    assert first.claim is not None
    amira.review.decide(pending(amira, first.claim.item_id))
    sup.second_review.sample(1.0, seed=3)
    ben = Veil.open(db_url, clock=FastWorkstationClock())
    try:
        ben.sign_in("ben")
        before = datetime.now(UTC)
        task = ben.second_review.next().value
        assert task is not None
        lease = task.lease_expires_at - before
        assert timedelta(minutes=9) < lease < timedelta(minutes=11), lease
    finally:
        ben.close()
