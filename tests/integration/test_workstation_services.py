"""What the review window asks of the core: queue pages, picking an item,
approving quiet items together, originals for reveal, and the day's exposure."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image
from sqlalchemy import event, func, select

from db.models import AuditEvent, Decision, User
from desktop.core import care
from desktop.core.ingest.files import CHUNK, ingest_files
from desktop.core.ingest.store import store
from desktop.core.people import users
from desktop.core.review import listing
from desktop.domain.care import Day, Policy, Tracker
from desktop.domain.errors import Conflict, NotFound, PermissionDenied, UsageError
from desktop.domain.ingest import ItemDraft, MarkerDraft, MediaRef
from desktop.domain.people import Role
from desktop.domain.queue import QueueFilter
from desktop.domain.review import Action, ItemStatus
from tests.support.factories import add_items, add_user

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.core.workspace import Workspace
    from tests.conftest import FakeClock


def _ingest(ws: Workspace, drafts: list[ItemDraft], source: str = "feed") -> None:
    with ws.db.write() as session:
        store(session, drafts, source=source, kind="test", actor=None, now=ws.clock())


def test_pages_follow_review_order_without_gaps_or_repeats(workspace: Workspace, clock: FakeClock) -> None:
    add_items(workspace, 30, severity=0, prefix="calm")
    clock.advance(minutes=1)
    severe = add_items(workspace, 7, severity=3, prefix="severe")
    query = QueueFilter()

    seen: list[int] = []
    after = None
    while rows := listing.page(workspace.db, query, after=after, limit=8, clock=workspace.clock):
        seen += [r.id for r in rows]
        after = rows[-1].key

    assert len(seen) == len(set(seen)) == 37
    assert seen[:7] == severe  # most severe first, as claim_next takes them
    assert listing.count(workspace.db) == 37


def test_filters_by_marker_source_language_and_label(workspace: Workspace) -> None:
    _ingest(
        workspace,
        [
            ItemDraft(
                text="+21 footage", external_id="a", language="en", markers=(MarkerDraft("21+", "+21", (0, 3), "t", 3),)
            ),
            ItemDraft(text="Привет", external_id="b", language="ru"),
        ],
    )
    _ingest(workspace, [ItemDraft(text="other", external_id="c", language="en")], source="wire")

    def ids(**kwargs: object) -> list[str]:
        rows = listing.page(workspace.db, QueueFilter(**kwargs), clock=workspace.clock)  # type: ignore[arg-type]
        return sorted(r.excerpt for r in rows)

    assert ids(marker="21+") == ["+21 footage"]
    assert ids(language="ru") == ["Привет"]
    assert ids(source="wire") == ["other"]
    assert ids(source="no such source") == []

    alice = add_user(workspace, "alice")
    claim = workspace.review.claim_next(alice)
    assert claim is not None
    workspace.review.decide(alice, claim.item_id, Action.WARN, labels=["graphic-violence"])
    assert ids(status=ItemStatus.DECIDED, label="graphic-violence") == ["+21 footage"]
    assert ids(status=ItemStatus.DECIDED, label="graphic") == []  # whole codes only
    facets = listing.facets(workspace.db)
    assert facets.sources == ["feed", "wire"] and "21+" in facets.markers and "ru" in facets.languages


def test_rows_say_who_holds_an_item(workspace: Workspace, clock: FakeClock) -> None:
    (item,) = add_items(workspace, 1, severity=1)
    alice = add_user(workspace, "alice")
    workspace.review.claim_next(alice)
    (row,) = listing.page(workspace.db, QueueFilter(), clock=workspace.clock)
    assert row.id == item and row.claimed_by == "alice"
    clock.advance(minutes=11)  # the lease ran out
    (row,) = listing.page(workspace.db, QueueFilter(), clock=workspace.clock)
    assert row.claimed_by is None


def test_a_later_page_is_an_index_seek(workspace: Workspace) -> None:
    add_items(workspace, 20)
    (first,) = listing.page(workspace.db, QueueFilter(), limit=1, clock=workspace.clock)
    captured: list[tuple[str, Any]] = []

    def keep(_conn: object, _cursor: object, statement: str, params: Any, *_: object) -> None:
        captured.append((statement, params))

    event.listen(workspace.db.engine, "before_cursor_execute", keep)
    try:
        listing.page(workspace.db, QueueFilter(), after=first.key, limit=5, clock=workspace.clock)
    finally:
        event.remove(workspace.db.engine, "before_cursor_execute", keep)
    statement, params = next((s, p) for s, p in captured if "ORDER BY item.priority" in s)
    with workspace.db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            plan = "\n".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params))
        else:
            # Few rows make a sequential scan look cheap; forbid it to see which index can serve.
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("ANALYZE item")
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", params))
    assert "ix_item_queue" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_claiming_a_picked_item_gives_back_the_one_held(workspace: Workspace) -> None:
    first, second = add_items(workspace, 2, severity=1)
    alice, bob = add_user(workspace, "alice"), add_user(workspace, "bob")
    assert workspace.review.claim(alice, first).resumed is False
    assert workspace.review.claim(alice, first).resumed is True
    workspace.review.claim(alice, second)
    assert workspace.review.show(first).claimed_by is None
    assert workspace.review.show(second).claimed_by == "alice"
    with pytest.raises(Conflict, match="held by alice"):
        workspace.review.claim(bob, second)
    workspace.review.decide(alice, second, Action.APPROVE)
    with pytest.raises(Conflict, match="already decided"):
        workspace.review.claim(bob, second)
    with workspace.db.read() as session:
        kinds = list(session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)))
    assert kinds.count("claim") == 2 and kinds.count("release") == 1  # a resumed claim is not a new claim


def test_quiet_items_are_approved_together_or_not_at_all(workspace: Workspace) -> None:
    quiet = add_items(workspace, 3, severity=0, prefix="quiet")
    (loud,) = add_items(workspace, 1, severity=2, prefix="loud")
    alice = add_user(workspace, "alice")
    pairs = [(item, str(uuid.uuid4())) for item in quiet]

    with pytest.raises(UsageError, match=f"item {loud} needs its own look"):
        workspace.review.approve_many(alice, [*pairs, (loud, str(uuid.uuid4()))])
    with workspace.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 0

    done = workspace.review.approve_many(alice, pairs)
    again = workspace.review.approve_many(alice, pairs)  # a retry after a lost answer

    assert [d.item_id for d in done] == quiet and [d.id for d in again] == [d.id for d in done]
    assert all(workspace.review.show(i).status == ItemStatus.DECIDED for i in quiet)
    with workspace.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 3


def test_originals_for_reveal_and_never_for_withheld_media(workspace: Workspace, tmp_path: Path) -> None:
    picture = tmp_path / "photo.png"
    Image.new("RGB", (40, 30), (200, 10, 10)).save(picture)
    _ingest(
        workspace,
        [
            ItemDraft(text="photo", external_id="p", media=(MediaRef(uri=picture.as_uri(), media_type="image"),)),
            ItemDraft(
                text="link", external_id="l", media=(MediaRef(uri="https://example.org/x.jpg", media_type="image"),)
            ),
        ],
    )
    shown = {view.text: view for view in map(workspace.review.show, _all_ids(workspace))}
    photo_item, link_item = shown["photo"], shown["link"]
    media_id = photo_item.media[0].id
    assert workspace.review.original_path(media_id) == picture
    with pytest.raises(NotFound, match="not a local file"):
        workspace.review.original_path(link_item.media[0].id)

    boss = add_user(workspace, "boss", Role.SUPERVISOR)
    workspace.review.claim(boss, photo_item.id)
    workspace.review.decide(boss, photo_item.id, Action.ESCALATE, reason="csam-suspected")
    with pytest.raises(PermissionDenied, match="withheld"):
        workspace.review.original_path(media_id)
    picture.unlink()
    with pytest.raises(NotFound):
        workspace.review.original_path(10_000)


def _all_ids(ws: Workspace) -> list[int]:
    return [r.id for r in listing.page(ws.db, QueueFilter(), clock=ws.clock)]


def test_the_day_so_far_counts_decisions_and_exposure(workspace: Workspace, clock: FakeClock) -> None:
    items = add_items(workspace, 3, severity=2)
    alice = add_user(workspace, "alice")
    start = workspace.clock()
    for item in items[:2]:
        workspace.review.claim(alice, item)
        workspace.review.record_exposure(alice, item, media_id=None, mode="view", started_at=start, seconds=30)
        workspace.review.decide(alice, item, Action.APPROVE)
    workspace.review.record_exposure(alice, items[0], media_id=None, mode="reveal", started_at=start, seconds=4.5)
    workspace.review.record_exposure(alice, items[0], media_id=None, mode="peek", started_at=start, seconds=1.5)
    workspace.review.undo_last(alice)

    day = care.day_so_far(workspace.db, alice, since=start - timedelta(hours=1))

    assert day == Day(decisions=2, reveal_s=6.0, graphic_s=60.0, graphic_items=2)
    assert care.day_so_far(workspace.db, alice, since=start + timedelta(hours=1)).decisions == 0


def test_reminders_come_after_a_stretch_and_once_for_the_budget(workspace: Workspace) -> None:
    policy = Policy(break_reveal_s=60, break_graphic_items=3, daily_budget_s=100)
    tracker = Tracker(policy, Day(0, 0.0, 50.0, 0))
    tracker.add_reveal(59)
    assert tracker.due() is None
    tracker.add_reveal(1)
    assert tracker.due() == "break"
    tracker.answered("break")
    assert tracker.due() is None
    tracker.add_graphic_item(10)
    tracker.add_graphic_item(10)
    assert tracker.due() is None
    tracker.add_graphic_item(40)  # the third graphic item, and the day reaches 110 s of 100
    assert tracker.due() == "budget"
    tracker.answered("budget")
    assert tracker.due() == "break"
    tracker.answered("break")
    tracker.add_graphic_item(10)
    assert tracker.due() is None  # the budget is told once a session

    alice = add_user(workspace, "alice")
    care.record_reminder(workspace.db, alice, "break", "shown", clock=workspace.clock)
    care.record_reminder(workspace.db, alice, "break", "dismissed", clock=workspace.clock)
    with workspace.db.read() as session:
        kinds = list(session.scalars(select(AuditEvent.kind).where(AuditEvent.kind.like("care.%"))))
    assert kinds == ["care.break", "care.break"]
    with pytest.raises(UsageError):
        care.record_reminder(workspace.db, alice, "nap", "shown", clock=workspace.clock)


def test_passwords_guard_sign_in_and_are_stored_hashed(workspace: Workspace) -> None:
    alice = add_user(workspace, "alice")
    boss = workspace.actor("root-admin")
    assert workspace.sign_in("alice", None) == alice  # no password set: none needed

    bob = add_user(workspace, "bob")
    with workspace.db.write() as session, pytest.raises(PermissionDenied):
        users.set_password(session, bob, "alice", "bobs-guess-1", workspace.clock())
    with workspace.db.write() as session, pytest.raises(UsageError, match="at least 8"):
        users.set_password(session, alice, "alice", "short", workspace.clock())
    with workspace.db.write() as session:
        info = users.set_password(session, alice, "alice", "correct horse", workspace.clock())
    assert info.has_password and workspace.needs_password("alice")
    with workspace.db.read() as session:
        stored = session.scalar(select(User.password_hash).where(User.name == "alice"))
    assert stored is not None and "correct horse" not in stored and stored.startswith("scrypt$")

    assert workspace.sign_in("alice", "correct horse") == alice
    for wrong in (None, "", "correct horsE"):
        with pytest.raises(PermissionDenied, match="wrong password"):
            workspace.sign_in("alice", wrong)

    with workspace.db.write() as session:
        users.set_password(session, boss, "alice", None, workspace.clock())  # an admin clears it
    assert workspace.sign_in("alice", None) == alice
    with workspace.db.read() as session:
        kinds = list(
            session.scalars(
                select(AuditEvent.kind).where(AuditEvent.kind.like("user.password%")).order_by(AuditEvent.id)
            )
        )
    assert kinds == ["user.password.set", "user.password.clear"]


def test_an_ingest_asked_to_stop_keeps_what_it_stored(workspace: Workspace, tmp_path: Path) -> None:
    manifest = tmp_path / "big.jsonl"
    lines = [json.dumps({"id": f"n{n}", "text": f"post {n}"}) for n in range(CHUNK * 3)]
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    asked = 0

    def stop() -> bool:
        nonlocal asked
        asked += 1
        return asked > 1  # the first chunk goes in, then stop

    report = ingest_files(workspace.db, [manifest], actor="root-admin", clock=workspace.clock, stop=stop)
    assert report.stopped and report.items_added == CHUNK
    again = ingest_files(workspace.db, [manifest], actor="root-admin", clock=workspace.clock)
    assert not again.stopped and again.items_added == CHUNK * 2 and again.items_duplicate == CHUNK
