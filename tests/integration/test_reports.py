"""The supervisors' report from a history made at known times, on both databases."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Connection, text

from desktop.core import audit
from desktop.core.supervision import reports
from desktop.domain.errors import IntegrityFailure, PermissionDenied, UsageError
from desktop.domain.people import Role
from desktop.domain.reports import Quantiles
from desktop.domain.review import Action
from tests.integration.test_audit import _drop_triggers
from tests.support.factories import add_items, add_user

if TYPE_CHECKING:
    from collections.abc import Callable

    from desktop.core.workspace import Workspace
    from desktop.domain.people import Actor
    from tests.conftest import FakeClock

DAY1 = datetime(2026, 11, 20, tzinfo=UTC)
DAY2 = datetime(2026, 11, 21, tzinfo=UTC)
DAY3 = datetime(2026, 11, 22, tzinfo=UTC)


def at(clock: FakeClock, day: datetime, hour: int, minute: int = 0) -> None:
    clock.now = day.replace(hour=hour, minute=minute)


def _history(ws: Workspace, clock: FakeClock) -> Actor:
    """Two days of work; returns the supervisor. The expected figures are worked out beside each step."""
    review = ws.review
    at(clock, DAY1, 9)
    i1, i2, i3, i4, i5, _i6 = add_items(ws, 6, severity=2, prefix="day1")  # received 20 Nov 09:00
    alice, bob = add_user(ws, "alice"), add_user(ws, "bob")
    boss = add_user(ws, "boss", Role.SUPERVISOR)

    at(clock, DAY1, 9, 5)
    review.record_exposure(alice, i1, media_id=None, mode="reveal", started_at=clock(), seconds=30)
    review.record_exposure(alice, i1, media_id=None, mode="peek", started_at=clock(), seconds=10)
    review.record_exposure(alice, i2, media_id=None, mode="view", started_at=clock(), seconds=120)
    review.record_exposure(alice, i2, media_id=None, mode="view", started_at=clock(), seconds=60)  # same item
    review.record_exposure(alice, i4, media_id=None, mode="view", started_at=clock(), seconds=90)
    at(clock, DAY1, 9, 10)
    review.decide(alice, i1, Action.APPROVE)  # 600 s after it came in
    at(clock, DAY1, 9, 20)
    review.decide(alice, i2, Action.WARN, labels=["graphic-violence", "newsworthy"])  # 1200 s
    at(clock, DAY1, 9, 30)
    review.decide(bob, i3, Action.REMOVE, reason="gratuitous")
    at(clock, DAY1, 9, 32)
    review.undo_last(bob)  # neither the removal nor the undo counts
    at(clock, DAY1, 10)
    review.decide(bob, i3, Action.WARN, labels=["medical"])  # 3600 s: its first decision not undone
    at(clock, DAY1, 10, 15)
    review.decide(alice, i4, Action.ESCALATE, reason="unsure", note="context?")  # 4500 s
    at(clock, DAY1, 11)
    review.override(boss, i1, Action.REMOVE, reason="gratuitous", reason_note="faces")  # an override, not a decision

    at(clock, DAY2, 9)
    i7, _i8 = add_items(ws, 2, severity=2, prefix="day2")  # received 21 Nov 09:00
    at(clock, DAY2, 9, 30)
    review.decide(boss, i4, Action.WARN, labels=["graphic-violence"])  # resolves the escalation
    at(clock, DAY2, 9, 50)
    review.record_exposure(bob, i7, media_id=None, mode="reveal", started_at=clock(), seconds=15.5)
    review.record_exposure(bob, i5, media_id=None, mode="view", started_at=clock(), seconds=45)
    at(clock, DAY2, 10)
    review.decide(alice, i7, Action.APPROVE)  # 3600 s
    at(clock, DAY2, 11)
    review.decide(bob, i5, Action.ESCALATE, reason="unsure")  # 26 h = 93600 s; stays open
    at(clock, DAY2, 12)
    return boss


def test_whole_history(workspace: Workspace, clock: FakeClock) -> None:
    boss = _history(workspace, clock)

    found = reports.report(workspace.db, boss, clock=clock)
    data = found.as_dict()

    assert data["decisions"] == 7
    assert data["by_action"] == {"approve": 2, "warn": 3, "remove": 0, "escalate": 2}
    assert data["by_label"] == {"graphic-violence": 2, "medical": 1, "newsworthy": 1}
    assert data["label_names"]["graphic-violence"] == "Graphic violence"
    assert data["by_moderator"] == {"alice": 4, "bob": 2, "boss": 1}
    assert data["decisions_per_day"] == {"2026-11-20": 4, "2026-11-21": 3}
    assert {h: n for h, n in data["decisions_per_hour"].items() if n} == {"09": 3, "10": 3, "11": 1}
    assert list(data["decisions_per_hour"]) == [f"{h:02d}" for h in range(24)]
    # End of 20 Nov: 6 received, items 1-3 decided (4 escalated, 5-6 waiting). Now: 8 received, 5 decided.
    assert data["queue_depth"] == {"2026-11-20": 3, "2026-11-21": 3}
    # 600, 1200, 3600, 3600, 4500, 93600: median of the middle two; p90 halfway from 4500 to 93600.
    assert data["time_to_decision_s"] == {"n": 6, "median": 3600.0, "p90": 49050.0}
    assert data["overrides"] == 1
    assert data["escalations"] == {"open": 1, "resolved": 1}
    assert data["exposure_s_by_moderator"] == {"alice": 40.0, "bob": 15.5}
    assert data["graphic_s_by_moderator"] == {"alice": 270.0, "bob": 45.0}
    assert data["graphic_items_by_moderator_day"] == {"alice": {"2026-11-20": 2}, "bob": {"2026-11-21": 1}}
    assert data["exposure_by_moderator_day"]["alice"] == {
        "2026-11-20": {"exposure_s": 40.0, "graphic_s": 270.0, "graphic_items": 2}
    }
    chain = audit.verify(workspace.db)
    assert data["audit"] == {"events": chain.events, "head_hash": chain.head_hash}
    assert data["start"] == DAY1.replace(hour=9).isoformat() and data["end"] == clock().isoformat()
    assert json.loads(json.dumps(data)) == data  # plain JSON all the way down


def test_a_range_counts_only_its_own_events(workspace: Workspace, clock: FakeClock) -> None:
    boss = _history(workspace, clock)

    data = reports.report(workspace.db, boss, since=DAY2, until=DAY3, clock=clock).as_dict()

    assert data["decisions"] == 3
    assert data["by_action"] == {"approve": 1, "warn": 1, "remove": 0, "escalate": 1}
    assert data["by_moderator"] == {"alice": 1, "bob": 1, "boss": 1}
    assert data["decisions_per_day"] == {"2026-11-21": 3}
    # The first decisions of items 7 (3600 s) and 5 (93600 s) fall in the range; item 4's was on 20 Nov.
    assert data["time_to_decision_s"] == {"n": 2, "median": 48600.0, "p90": 84600.0}
    # From 3 waiting at midnight: 2 received, 2 decided.
    assert data["queue_depth"] == {"2026-11-21": 3}
    assert data["overrides"] == 0
    assert data["escalations"] == {"open": 1, "resolved": 0}
    assert data["exposure_s_by_moderator"] == {"bob": 15.5}
    assert data["graphic_items_by_moderator_day"] == {"bob": {"2026-11-21": 1}}
    # The range runs to the report's own time, not into the future.
    assert data["until"] == DAY3.isoformat() and data["end"] == clock().isoformat()


def test_first_day_only(workspace: Workspace, clock: FakeClock) -> None:
    boss = _history(workspace, clock)

    data = reports.report(workspace.db, boss, since=DAY1, until=DAY2, clock=clock).as_dict()

    assert data["decisions"] == 4
    assert data["decisions_per_day"] == {"2026-11-20": 4}
    assert data["queue_depth"] == {"2026-11-20": 3}
    assert data["time_to_decision_s"] == {"n": 4, "median": 2400.0, "p90": 4230.0}


def test_queue_depth_replays_what_the_queue_held(workspace: Workspace, clock: FakeClock) -> None:
    at(clock, DAY1, 9)
    first, second = add_items(workspace, 2)
    alice = add_user(workspace, "alice")
    boss = add_user(workspace, "boss", Role.SUPERVISOR)
    at(clock, DAY1, 23, 58)
    workspace.review.decide(alice, first, Action.APPROVE)
    at(clock, DAY2, 0, 1)
    workspace.review.undo_last(alice)  # across midnight: the item was decided when 20 Nov ended
    at(clock, DAY2, 10)
    workspace.review.decide(alice, second, Action.ESCALATE, reason="unsure")  # escalated items still wait
    at(clock, DAY2, 12)

    data = reports.report(workspace.db, boss, clock=clock).as_dict()

    assert data["queue_depth"] == {"2026-11-20": 1, "2026-11-21": 2}
    assert data["decisions"] == 1  # the undone approval does not count; the escalation does
    assert data["by_action"]["escalate"] == 1


def test_escalation_resolved_after_the_range_is_open_within_it(workspace: Workspace, clock: FakeClock) -> None:
    boss = _history(workspace, clock)

    # Item 4 was escalated on 20 Nov and resolved on 21 Nov: open at the end of 20 Nov.
    data = reports.report(workspace.db, boss, since=DAY1, until=DAY2, clock=clock).as_dict()

    assert data["escalations"] == {"open": 1, "resolved": 0}


def test_empty_database(workspace: Workspace, clock: FakeClock) -> None:
    boss = add_user(workspace, "boss", Role.SUPERVISOR)

    data = reports.report(workspace.db, boss, clock=clock).as_dict()

    assert data["decisions"] == 0 and data["by_label"] == {} and data["queue_depth"] == {}
    assert data["decisions_per_day"] == {}
    assert data["time_to_decision_s"] == {"n": 0, "median": None, "p90": None}
    assert set(data["agreement"]) >= {"overall", "by_moderator", "by_label"}
    assert set(data["agreement"]["overall"]) == {"n", "percent", "kappa"}


def test_moderators_may_not_read_reports(workspace: Workspace, clock: FakeClock) -> None:
    alice = add_user(workspace, "alice")
    with pytest.raises(PermissionDenied, match="alice is a moderator"):
        reports.report(workspace.db, alice, clock=clock)
    with pytest.raises(PermissionDenied):
        reports.open_escalations(workspace.db, alice, clock=clock)


def test_an_empty_range_is_refused(workspace: Workspace, clock: FakeClock) -> None:
    boss = add_user(workspace, "boss", Role.SUPERVISOR)
    with pytest.raises(UsageError, match="range is empty"):
        reports.report(workspace.db, boss, since=DAY2, until=DAY1, clock=clock)


def test_open_escalations_name_who_when_and_why(workspace: Workspace, clock: FakeClock) -> None:
    boss = _history(workspace, clock)

    found = [e.as_dict() for e in reports.open_escalations(workspace.db, boss, clock=clock)]

    assert [(e["escalated_by"], e["reason"], e["escalated_at"]) for e in found] == [
        ("bob", "unsure", DAY2.replace(hour=11).isoformat())
    ]
    assert found[0]["text"] == "day1 4" and found[0]["held_by"] is None and found[0]["reason_name"]


def test_held_escalation_names_its_holder_until_the_lease_lapses(workspace: Workspace, clock: FakeClock) -> None:
    (item,) = add_items(workspace, 1)
    alice = add_user(workspace, "alice")
    boss = add_user(workspace, "boss", Role.SUPERVISOR)
    workspace.review.decide(alice, item, Action.ESCALATE, reason="unsure", note="is this staged?")
    assert workspace.review.claim_next(boss, escalations=True) is not None

    (held,) = reports.open_escalations(workspace.db, boss, clock=clock)
    clock.advance(minutes=11)
    (lapsed,) = reports.open_escalations(workspace.db, boss, clock=clock)

    assert (held.held_by, held.note, held.escalated_by) == ("boss", "is this staged?", "alice")
    assert lapsed.held_by is None


def test_quantiles_interpolate_between_ranks() -> None:
    assert reports.quantiles([]) == Quantiles(0, None, None)
    assert reports.quantiles([7.0]) == Quantiles(1, 7.0, 7.0)
    assert reports.quantiles([10.0, 20.0]) == Quantiles(2, 15.0, 19.0)
    assert reports.quantiles(float(n) for n in range(1, 11)) == Quantiles(10, 5.5, 9.1)


# -- the audit chain exported, and checked against later ------------------------


def _export(ws: Workspace, actor: Actor) -> list[str]:
    out = io.StringIO()
    audit.export_chain(ws.db, actor, out)
    return out.getvalue().splitlines(keepends=True)


def _rewrite_from(conn: Connection, first: int) -> None:
    """What a careful forger does: edit event ``first`` and recompute every hash after it."""
    rows = conn.execute(text("SELECT id, at, actor, kind, item_id, payload, prev_hash FROM audit_event ORDER BY id"))
    prev = audit.GENESIS
    for row in rows.all():
        at = row.at if isinstance(row.at, datetime) else datetime.fromisoformat(row.at)
        payload = '{"forged":true}' if row.id == first else row.payload
        if row.id >= first:
            at = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)  # SQLite gives naive UTC
            digest = audit.event_hash(prev, row.id, at, row.actor, row.kind, row.item_id, payload)
            conn.execute(
                text("UPDATE audit_event SET payload = :p, prev_hash = :prev, hash = :h WHERE id = :id"),
                {"p": payload, "prev": prev, "h": digest, "id": row.id},
            )
            prev = digest
        else:
            prev = conn.execute(text("SELECT hash FROM audit_event WHERE id = :id"), {"id": row.id}).scalar_one()


def test_export_then_check_passes(workspace: Workspace, clock: FakeClock) -> None:
    boss = _history(workspace, clock)

    lines = _export(workspace, boss)
    result = audit.check_export(workspace.db, lines)

    chain = audit.verify(workspace.db)
    assert result.ok and result.problem is None
    assert (result.events, result.database_events, result.head_hash) == (chain.events, chain.events, chain.head_hash)
    first, last = json.loads(lines[0]), json.loads(lines[-1])
    assert set(first) == {"id", "kind", "actor", "at", "item_id", "payload", "prev_hash", "hash"}
    assert (first["id"], first["prev_hash"]) == (1, audit.GENESIS)
    assert last == {"head_hash": chain.head_hash, "events": chain.events}
    assert len(lines) == chain.events + 1


def test_events_added_after_the_export_still_pass(workspace: Workspace, clock: FakeClock) -> None:
    boss = _history(workspace, clock)
    lines = _export(workspace, boss)
    (item,) = add_items(workspace, 1, prefix="later")
    workspace.review.decide(boss, item, Action.APPROVE)

    result = audit.check_export(workspace.db, lines)

    assert result.ok
    assert result.database_events == result.events + 2  # the ingest and the decision


def _edit_line(lines: list[str], event_id: int, **changes: object) -> list[str]:
    edited = list(lines)
    edited[event_id - 1] = json.dumps({**json.loads(lines[event_id - 1]), **changes}) + "\n"
    return edited


@pytest.mark.parametrize(
    ("damage", "differs_at", "problem"),
    [
        (lambda lines: _edit_line(lines, 7, hash="0" * 64), 7, "export's event 7 was edited"),
        (lambda lines: _edit_line(lines, 7, actor="mallory"), 7, "export's event 7 was edited"),
        (lambda lines: lines[:6] + lines[7:], 7, "export's event 7 is missing"),
        (lambda lines: lines[:-1], None, "no closing line"),
        (lambda lines: [*lines[:-1], '{"head_hash": "%s", "events": 3}\n' % ("0" * 64)], None, "closing line"),
        (lambda lines: [*lines, '{"id": 999}\n'], None, "follows the export's closing line"),
        (lambda lines: [*lines[:4], "not json\n", *lines[5:]], 5, "line 5 of the export is not an audit event"),
    ],
)
def test_a_damaged_export_fails_naming_where(
    workspace: Workspace,
    clock: FakeClock,
    damage: Callable[[list[str]], list[str]],
    differs_at: int | None,
    problem: str,
) -> None:
    boss = _history(workspace, clock)
    lines = _export(workspace, boss)

    result = audit.check_export(workspace.db, damage(lines))

    assert not result.ok
    assert result.differs_at == differs_at
    assert result.problem is not None and problem in result.problem


def test_a_rewritten_history_that_verifies_fails_the_check(workspace: Workspace, clock: FakeClock) -> None:
    boss = _history(workspace, clock)
    lines = _export(workspace, boss)
    forged = next(json.loads(line)["id"] for line in lines if json.loads(line).get("kind") == "reveal")
    with workspace.db.engine.begin() as conn:
        _drop_triggers(conn)
        _rewrite_from(conn, forged)

    result = audit.check_export(workspace.db, lines)

    assert audit.verify(workspace.db).ok  # the forgery fools the chain alone...
    assert not result.ok  # ...not the export kept elsewhere
    assert result.differs_at == forged
    assert result.problem is not None and f"event {forged} differs" in result.problem


def test_an_edited_row_fails_the_check_at_that_row(workspace: Workspace, clock: FakeClock) -> None:
    boss = _history(workspace, clock)
    lines = _export(workspace, boss)
    with workspace.db.engine.begin() as conn:
        _drop_triggers(conn)
        conn.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE id = 5"))

    result = audit.check_export(workspace.db, lines)

    assert (result.ok, result.differs_at) == (False, 5)
    assert result.problem is not None and "was edited" in result.problem


def test_a_broken_chain_is_not_exported(workspace: Workspace, clock: FakeClock) -> None:
    boss = _history(workspace, clock)
    with workspace.db.engine.begin() as conn:
        _drop_triggers(conn)
        conn.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE id = 5"))

    with pytest.raises(IntegrityFailure, match="broken at event 5"):
        _export(workspace, boss)


def test_exporting_the_chain_is_for_supervisors(workspace: Workspace) -> None:
    alice = add_user(workspace, "alice")
    with pytest.raises(PermissionDenied):
        _export(workspace, alice)


def test_a_file_that_is_not_an_export_is_refused(workspace: Workspace) -> None:
    with pytest.raises(UsageError, match="not an audit export"):
        audit.check_export(workspace.db, ["item_id,action\n", "1,approve\n"])
    with pytest.raises(UsageError, match="empty"):
        audit.check_export(workspace.db, [])
