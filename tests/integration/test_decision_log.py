"""The decision log on both databases: filters, keyset pages, an item's
history, the chain status of one item, and who may read what."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Connection, select, text

from db.models import AuditEvent, Item
from desktop.core import audit
from desktop.core.ingest.store import store
from desktop.core.supervision import decision_log, qa
from desktop.domain.audit import EventKind, LogFilter, LogRow
from desktop.domain.errors import PermissionDenied
from desktop.domain.ingest import ItemDraft, MarkerDraft
from desktop.domain.people import Role
from desktop.domain.review import Action
from tests.support.factories import add_items, add_user

if TYPE_CHECKING:
    from collections.abc import Callable

    from desktop.core.workspace import Workspace
    from desktop.domain.people import Actor
    from tests.conftest import FakeClock


def ingest(ws: Workspace, source: str, *texts: str, marker: str | None = None) -> list[int]:
    """Items with ``texts`` from ``source``; ``marker`` tags them all (at the text's start)."""
    tag = f"{source}-{uuid.uuid4().hex[:8]}"
    drafts = [
        ItemDraft(
            text=body,
            external_id=f"{tag}-{n}",
            markers=(MarkerDraft(marker, marker, (0, len(marker)), "test", 2),) if marker else (),
        )
        for n, body in enumerate(texts)
    ]
    with ws.db.write() as session:
        store(session, drafts, source=source, kind="test", actor=None, now=ws.clock())
    with ws.db.read() as session:
        return list(session.scalars(select(Item.id).where(Item.external_id.like(f"{tag}-%")).order_by(Item.id)))


def second_review(ws: Workspace, boss: Actor, reviewer: Actor, item_id: int, action: Action) -> str:
    """Sample the item's decision for a blind second review and record ``reviewer``'s."""
    sampled = qa.sample(ws.db, boss, rate=1.0, clock=ws.clock, seed=1)
    assert item_id in [s.item_id for s in sampled.sampled]
    return qa.decide(ws.db, reviewer, item_id, action, clock=ws.clock).id


@dataclass
class World:
    alice: Actor
    bob: Actor
    carol: Actor
    boss: Actor
    items: dict[str, int]
    events: dict[int, str]  # 1..9 (see build) -> decision id


def build(ws: Workspace, clock: FakeClock) -> World:
    """Nine decision events on five items, one a minute from 09:01:

    1 A alice warn · 2 B bob approve · 3 C alice remove (overridden by 9) ·
    4 D alice approve (undone by 5) · 5 D alice undo · 6 D alice escalate ·
    7 E bob remove · 8 E carol approve, a second review · 9 C boss override: warn
    """
    (a,) = ingest(ws, "wire", "21+ Взрыв на рынке, видео с места", marker="21+")
    (b,) = ingest(ws, "tests", "Crowd at the square, calm")
    (c,) = ingest(ws, "wire", "18+ Blast AFTERMATH photos from the port", marker="18+")
    d, e = ingest(ws, "tests", "A quiet street", "Second look needed")
    alice, bob, carol = add_user(ws, "alice"), add_user(ws, "bob"), add_user(ws, "carol")
    boss = add_user(ws, "boss", Role.SUPERVISOR)
    review = ws.review
    events: dict[int, str] = {}

    def at(minute: int) -> None:
        clock.now = clock.now.replace(hour=9, minute=minute, second=0)

    at(1)
    review.claim(alice, a)
    events[1] = review.decide(alice, a, Action.WARN, labels=["graphic-violence"]).id
    at(2)
    review.claim(bob, b)
    events[2] = review.decide(bob, b, Action.APPROVE).id
    at(3)
    review.claim(alice, c)
    events[3] = review.decide(alice, c, Action.REMOVE, reason="gratuitous").id
    at(4)
    review.claim(alice, d)
    events[4] = review.decide(alice, d, Action.APPROVE).id
    at(5)
    events[5] = review.undo_last(alice).id
    at(6)
    events[6] = review.decide(alice, d, Action.ESCALATE, reason="unsure", note="not sure about the flag").id
    at(7)
    review.claim(bob, e)
    events[7] = review.decide(bob, e, Action.REMOVE, reason="spam").id
    at(8)
    events[8] = second_review(ws, boss, carol, e, Action.APPROVE)
    at(10)
    events[9] = review.override(
        boss, c, Action.WARN, labels=["graphic-violence", "newsworthy"], reason_note="newsworthy: the port blast"
    ).id
    return World(alice, bob, carol, boss, {"A": a, "B": b, "C": c, "D": d, "E": e}, events)


def all_rows(ws: Workspace, actor: Actor, query: LogFilter, limit: int = 1000) -> list[LogRow]:
    rows: list[LogRow] = []
    after = None
    while True:
        got = decision_log.page(ws.db, actor, query, after=after, limit=limit)
        rows += got.rows
        if got.next_key is None:
            return rows
        after = got.next_key


def numbers(world: World, rows: list[LogRow]) -> list[int]:
    by_id = {decision: n for n, decision in world.events.items()}
    return [by_id[row.id] for row in rows]


def test_the_log_lists_every_decision_event_newest_first(workspace: Workspace, clock: FakeClock) -> None:
    world = build(workspace, clock)

    rows = all_rows(workspace, world.boss, LogFilter())

    assert numbers(world, rows) == [9, 8, 7, 6, 5, 4, 3, 2, 1]
    kinds = {numbers(world, [row])[0]: row.kind for row in rows}
    assert kinds == {
        1: EventKind.DECISION, 2: EventKind.DECISION, 3: EventKind.DECISION, 4: EventKind.DECISION,
        5: EventKind.UNDO, 6: EventKind.DECISION, 7: EventKind.DECISION, 8: EventKind.SECOND_REVIEW,
        9: EventKind.OVERRIDE,
    }  # fmt: skip
    by_number = dict(zip(numbers(world, rows), rows, strict=True))
    assert by_number[3].withdrawn == "overridden" and by_number[3].withdrawn_by is not None
    assert by_number[3].withdrawn_by.reviewer == "boss"
    assert by_number[4].withdrawn == "undone"
    assert [n for n, row in by_number.items() if row.withdrawn] == [4, 3]
    # A second review is never the decision in force.
    assert sorted(n for n, row in by_number.items() if row.in_force) == [1, 2, 6, 7, 9]
    assert by_number[9].refers_to is not None and by_number[9].refers_to.reviewer == "alice"
    assert by_number[9].refers_to.action == Action.REMOVE
    assert by_number[5].refers_to is not None and by_number[5].refers_to.id == world.events[4]
    assert by_number[8].round == 2
    assert by_number[1].markers == ("21+",) and by_number[1].source == "wire"
    assert by_number[6].note == "not sure about the flag" and by_number[6].reason == "unsure"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"reviewer": "alice"}, [6, 5, 4, 3, 1]),
        ({"reviewer": "bob"}, [7, 2]),
        ({"reviewer": "nobody-here"}, []),
        ({"since": 5, "until": 8}, [7, 6, 5]),
        ({"since": 8}, [9, 8]),
        ({"until": 2}, [1]),
        ({"action": Action.REMOVE}, [7, 3]),
        ({"action": Action.UNDO}, [5]),
        ({"kind": EventKind.OVERRIDE}, [9]),
        ({"kind": EventKind.SECOND_REVIEW}, [8]),
        ({"kind": EventKind.UNDO}, [5]),
        ({"kind": EventKind.DECISION}, [7, 6, 4, 3, 2, 1]),
        ({"label": "graphic-violence"}, [9, 1]),
        ({"label": "newsworthy"}, [9]),
        ({"label": "graphic"}, []),  # a whole label, never part of one
        ({"marker": "21+"}, [1]),
        ({"marker": "18+"}, [9, 3]),
        ({"source": "wire"}, [9, 3, 1]),
        ({"source": "no-such-source"}, []),
        ({"text": "взрыв"}, [1]),  # Cyrillic, lower case against "Взрыв"
        ({"text": "aftermath PHOTOS"}, [9, 3]),
        ({"text": "ＡＦＴＥＲＭＡＴＨ"}, [9, 3]),  # full-width letters, as some keyboards type them
        ({"text": "nothing like this"}, []),
        ({"item": "C"}, [9, 3]),
        ({"reviewer": "alice", "action": Action.REMOVE}, [3]),
        ({"source": "wire", "text": "blast", "since": 10}, [9]),
    ],
)
def test_each_filter_narrows_the_log(
    workspace: Workspace, clock: FakeClock, query: dict[str, object], expected: list[int]
) -> None:
    world = build(workspace, clock)
    start = clock.now.replace(hour=9, second=0)
    fields: dict[str, object] = {}
    for name, value in query.items():
        if name in ("since", "until"):
            assert isinstance(value, int)
            fields[name] = start.replace(minute=value)
        elif name == "item":
            fields["item_id"] = world.items[str(value)]
        else:
            fields[name] = value

    rows = all_rows(workspace, world.boss, LogFilter(**fields))  # type: ignore[arg-type]

    assert numbers(world, rows) == expected


@pytest.mark.parametrize("search", [None, "batch"])
def test_pages_have_no_gaps_or_repeats(
    workspace: Workspace, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, search: str | None
) -> None:
    alice = add_user(workspace, "alice")
    boss = add_user(workspace, "boss", Role.SUPERVISOR)
    # Many decisions share one instant (a bulk approval), so the page key's
    # item and sequence numbers, not the time, have to carry the order.
    for round_ in range(3):
        ids = add_items(workspace, 17, severity=0, prefix=f"batch{round_}")
        filler = add_items(workspace, 5, severity=0, prefix=f"other{round_}")
        workspace.review.approve_many(alice, [(i, str(uuid.uuid4())) for i in [*ids, *filler]])
        clock.advance(seconds=30)
    # A search reads at most this many rows a call: it then hands back what
    # it found with a key to go on from, sometimes nothing at all.
    monkeypatch.setattr(decision_log, "SCAN_BUDGET", 9)
    query = LogFilter(text=search)

    whole = decision_log.page(workspace.db, boss, LogFilter(), limit=1000).rows
    paged = all_rows(workspace, boss, query, limit=7)

    expected = [row.id for row in whole if search is None or search in row.excerpt]
    assert len(expected) == (66 if search is None else 51)
    assert [row.id for row in paged] == expected
    assert len({row.id for row in paged}) == len(paged)


def test_a_page_that_ends_the_log_says_so(workspace: Workspace, clock: FakeClock) -> None:
    world = build(workspace, clock)

    first = decision_log.page(workspace.db, world.boss, LogFilter(), limit=9)
    short = decision_log.page(workspace.db, world.boss, LogFilter(), limit=4)

    assert len(first.rows) == 9 and first.next_key is None
    assert len(short.rows) == 4 and short.next_key == short.rows[-1].key


def test_item_history_tells_the_whole_story_in_order(workspace: Workspace, clock: FakeClock) -> None:
    (item,) = ingest(workspace, "wire", "18+ Footage from the bridge", marker="18+")
    (other,) = ingest(workspace, "wire", "Unrelated item")
    alice = add_user(workspace, "alice")
    boss = add_user(workspace, "boss", Role.SUPERVISOR)
    review = workspace.review
    clock.advance(minutes=1)
    review.claim(alice, item)
    clock.advance(seconds=5)
    review.record_exposure(alice, item, media_id=None, mode="reveal", started_at=clock(), seconds=4.25)
    review.decide(alice, item, Action.WARN, labels=["graphic-violence"], note="faces visible")
    clock.advance(seconds=20)
    review.undo_last(alice)
    review.claim(alice, other)  # gives the item back: a release
    review.claim(alice, item)
    clock.advance(seconds=20)
    review.decide(alice, item, Action.REMOVE, reason="gratuitous")
    clock.advance(minutes=30)
    review.override(boss, item, Action.WARN, labels=["graphic-violence"], reason_note="news value outweighs it")

    history = decision_log.item_history(workspace.db, boss, item)

    steps = [(e.kind, e.actor) for e in history.entries]
    assert steps == [
        ("received", None),
        ("claim", "alice"),
        ("reveal", "alice"),
        ("decision", "alice"),
        ("undo", "alice"),
        ("release", "alice"),
        ("claim", "alice"),
        ("decision", "alice"),
        ("override", "boss"),
    ]
    times = [e.at for e in history.entries]
    assert times == sorted(times)
    reveal, first, undo = history.entries[2], history.entries[3], history.entries[4]
    assert reveal.seconds == pytest.approx(4.25) and "4.2 s" in reveal.summary
    assert first.decision is not None and first.decision.withdrawn == "undone"
    assert "faces visible" in first.summary and "graphic-violence" in first.summary
    assert undo.summary == "Undo of alice's warn"
    removal, override = history.entries[7], history.entries[8]
    assert removal.decision is not None and removal.decision.withdrawn == "overridden"
    assert override.decision is not None and override.decision.in_force
    assert "news value outweighs it" in override.summary and "replacing alice's remove" in override.summary
    assert all(e.event_id is not None for e in history.entries[1:])
    assert history.source == "wire" and history.current_decision == override.decision.id


def _drop_triggers(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for name in ("audit_event_no_update", "audit_event_no_delete", "decision_no_update", "decision_no_delete"):
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
    else:
        for table in ("audit_event", "decision"):
            conn.exec_driver_sql(f"DROP TRIGGER {table}_append_only ON {table}")


def _event_of(ws: Workspace, decision_id: str) -> int:
    with ws.db.read() as session:
        found = session.scalar(select(AuditEvent.id).where(AuditEvent.ref == decision_id))
        assert found is not None
        return int(found)


def test_chain_status_is_ok_for_an_untouched_item(workspace: Workspace, clock: FakeClock) -> None:
    world = build(workspace, clock)

    status = decision_log.chain_status(workspace.db, world.boss, world.items["C"])

    assert status.ok and status.problem is None and status.broken_id is None
    assert status.events == 3  # alice's claim and removal, boss's override
    whole = decision_log.verify_all(workspace.db, world.boss)
    assert whole.ok and len(whole.head_hash) == 64
    assert whole.events == audit.verify(workspace.db).events


def test_chain_status_names_the_edited_event_of_the_item(workspace: Workspace, clock: FakeClock) -> None:
    world = build(workspace, clock)
    edited = _event_of(workspace, world.events[3])
    with workspace.db.engine.begin() as conn:
        _drop_triggers(conn)
        conn.execute(
            text("UPDATE audit_event SET payload = :p WHERE id = :id"), {"p": '{"action":"approve"}', "id": edited}
        )

    status = decision_log.chain_status(workspace.db, world.boss, world.items["C"])
    untouched = decision_log.chain_status(workspace.db, world.boss, world.items["A"])
    whole = decision_log.verify_all(workspace.db, world.boss)

    assert not status.ok and status.broken_id == edited
    assert status.problem is not None and "was edited" in status.problem
    assert untouched.ok  # another item's edited event does not concern this one
    assert not whole.ok and whole.broken_id == edited


def test_chain_status_finds_an_edited_decision_row(workspace: Workspace, clock: FakeClock) -> None:
    world = build(workspace, clock)
    with workspace.db.engine.begin() as conn:
        _drop_triggers(conn)
        conn.execute(text("UPDATE decision SET note = 'nothing to see' WHERE id = :id"), {"id": world.events[7]})

    status = decision_log.chain_status(workspace.db, world.boss, world.items["E"])

    assert not status.ok and status.broken_id == _event_of(workspace, world.events[7])
    assert status.problem is not None and "no longer matches" in status.problem


def test_a_deleted_event_breaks_every_item_status(workspace: Workspace, clock: FakeClock) -> None:
    world = build(workspace, clock)
    gone = _event_of(workspace, world.events[2])  # item B's decision
    with workspace.db.engine.begin() as conn:
        _drop_triggers(conn)
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": gone})

    for name in ("A", "B", "E"):
        status = decision_log.chain_status(workspace.db, world.boss, world.items[name])
        assert not status.ok and status.broken_id == gone, name
        assert status.problem is not None and "missing" in status.problem


def test_a_deleted_decision_row_breaks_its_item(workspace: Workspace, clock: FakeClock) -> None:
    world = build(workspace, clock)
    event = _event_of(workspace, world.events[9])
    with workspace.db.engine.begin() as conn:
        _drop_triggers(conn)
        conn.execute(text("DELETE FROM decision WHERE id = :id"), {"id": world.events[9]})

    status = decision_log.chain_status(workspace.db, world.boss, world.items["C"])
    history = decision_log.item_history(workspace.db, world.boss, world.items["C"])

    assert not status.ok and status.broken_id == event
    assert status.problem is not None and "is missing (deleted)" in status.problem
    assert "decision row is missing" in history.entries[-1].summary


def test_moderators_are_refused_by_every_supervisor_function(workspace: Workspace, clock: FakeClock) -> None:
    world = build(workspace, clock)
    item = world.items["C"]
    calls: list[Callable[[], object]] = [
        lambda: decision_log.page(workspace.db, world.alice, LogFilter()),
        lambda: decision_log.page(workspace.db, world.alice, LogFilter(reviewer="alice")),
        lambda: decision_log.facets(workspace.db, world.alice),
        lambda: decision_log.item_history(workspace.db, world.alice, item),
        lambda: decision_log.chain_status(workspace.db, world.alice, item),
        lambda: decision_log.verify_all(workspace.db, world.alice),
        lambda: decision_log.override_context(workspace.db, world.alice, item),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied, match="moderator"):
            call()
    # The same calls by a supervisor work.
    assert decision_log.page(workspace.db, world.boss, LogFilter()).rows
    assert decision_log.override_context(workspace.db, world.boss, item).in_force is not None


def test_overrides_of_shows_a_reviewer_only_their_own(workspace: Workspace, clock: FakeClock) -> None:
    world = build(workspace, clock)
    clock.advance(minutes=1)
    overridden_b = workspace.review.override(
        world.boss, world.items["B"], Action.REMOVE, reason="spam", reason_note="a repost of a scam"
    )
    clock.advance(minutes=1)
    workspace.review.undo_last(world.boss)  # boss takes the override of bob's approval back

    mine = decision_log.overrides_of(workspace.db, world.alice)
    bobs = decision_log.overrides_of(workspace.db, world.bob)
    carols = decision_log.overrides_of(workspace.db, world.carol)
    recent = decision_log.overrides_of(workspace.db, world.alice, since=clock.now - timedelta(minutes=1))

    assert [(n.item_id, n.yours.id, n.override.id) for n in mine] == [
        (world.items["C"], world.events[3], world.events[9])
    ]
    (notice,) = mine
    assert notice.yours.reviewer == "alice" and notice.yours.action == Action.REMOVE
    assert notice.override.reviewer == "boss" and notice.override.note == "newsworthy: the port blast"
    assert notice.override.labels == ["graphic-violence", "newsworthy"] and not notice.withdrawn
    assert "AFTERMATH" in notice.excerpt
    assert [(n.override.id, n.withdrawn) for n in bobs] == [(overridden_b.id, True)]
    assert carols == [] and recent == []


def test_an_override_taken_back_puts_the_original_back_in_force(workspace: Workspace, clock: FakeClock) -> None:
    world = build(workspace, clock)
    clock.advance(minutes=1)
    override = workspace.review.override(world.boss, world.items["B"], Action.REMOVE, reason="spam", reason_note="x")
    clock.advance(minutes=1)
    workspace.review.undo_last(world.boss)

    rows = {row.id: row for row in all_rows(workspace, world.boss, LogFilter(item_id=world.items["B"]))}

    original = rows[world.events[2]]
    assert original.withdrawn is None and original.in_force
    assert rows[override.id].withdrawn == "undone"
