"""Blind second review on both databases: sampling, the second-review queue, blindness, agreement."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from db.models import AuditEvent, Decision, Item, QaTask
from db.session import Database
from desktop.core import audit
from desktop.core.ingest.files import ingest_files
from desktop.core.supervision import qa
from desktop.domain.errors import Conflict, NotFound, PermissionDenied, UsageError
from desktop.domain.people import Role
from desktop.domain.qa import BLIND_FIELDS, parse_rate
from desktop.domain.review import Action, ItemStatus
from tests.support.factories import add_items, add_user

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.core.workspace import Workspace
    from desktop.domain.people import Actor
    from tests.conftest import FakeClock

# A "yes" and a "no" for the kappa examples: warning labels present or not.
YES: tuple[Action, list[str]] = (Action.WARN, ["graphic-violence"])
NO: tuple[Action, list[str]] = (Action.APPROVE, [])


# -- the pure parts: rates and stratum sizes ----------------------------------


@pytest.mark.parametrize(
    ("text", "rate"), [("0.05", 0.05), ("5%", 0.05), (" 12.5 % ", 0.125), ("1", 1.0), ("100%", 1.0), ("0.5%", 0.005)]
)
def test_a_rate_is_a_fraction_or_a_percentage(text: str, rate: float) -> None:
    assert parse_rate(text) == pytest.approx(rate)


@pytest.mark.parametrize("text", ["0", "0%", "5", "101%", "-0.1", "abc", "", "nan", "inf%"])
def test_a_rate_outside_zero_to_one_is_refused(text: str) -> None:
    with pytest.raises(UsageError, match="a rate is a fraction"):
        parse_rate(text)


@pytest.mark.parametrize(
    ("rate", "n", "size"),
    [
        (0.05, 0, 0),
        (0.05, 3, 1),  # 0.15 rounds to 0, but every non-empty stratum gives one
        (0.05, 10, 1),  # 0.5 rounds half up
        (0.05, 50, 3),  # 2.5 rounds half up (round() would give 2)
        (0.35, 10, 4),  # 3.5 even though 0.35 * 10 is 3.4999999999999996 in floats
        (0.1, 34, 3),
        (1.0, 7, 7),
    ],
)
def test_stratum_size(rate: float, n: int, size: int) -> None:
    assert qa.stratum_size(rate, n) == size


# -- sampling -------------------------------------------------------------------


def _decide_all(ws: Workspace, who: Actor, items: list[int], action: Action, labels: list[str] | None = None) -> None:
    reason = {Action.REMOVE: "gratuitous", Action.ESCALATE: "unsure"}.get(action)
    for item in items:
        ws.review.decide(who, item, action, labels=labels or [], reason=reason)


@pytest.fixture
def team(workspace: Workspace) -> dict[str, Actor]:
    return {
        "alice": add_user(workspace, "alice"),
        "bob": add_user(workspace, "bob"),
        "carol": add_user(workspace, "carol"),
        "sup": add_user(workspace, "sup", Role.SUPERVISOR),
    }


def _mixed_history(ws: Workspace, team: dict[str, Actor]) -> None:
    """alice: 20 approve, 10 warn, 3 remove, 1 escalate; bob: 10 approve, 2 warn."""
    items = iter(add_items(ws, 46))
    alice, bob = team["alice"], team["bob"]
    _decide_all(ws, alice, [next(items) for _ in range(20)], Action.APPROVE)
    _decide_all(ws, alice, [next(items) for _ in range(10)], Action.WARN, ["graphic-violence"])
    _decide_all(ws, alice, [next(items) for _ in range(3)], Action.REMOVE)
    _decide_all(ws, alice, [next(items) for _ in range(1)], Action.ESCALATE)
    _decide_all(ws, bob, [next(items) for _ in range(10)], Action.APPROVE)
    _decide_all(ws, bob, [next(items) for _ in range(2)], Action.WARN, ["medical"])


def _draw(ws: Workspace, sup: Actor, seed: int, moderator: str | None = None) -> list[str]:
    result = qa.sample(ws.db, sup, rate=0.1, seed=seed, moderator=moderator, clock=ws.clock, dry_run=True)
    return [s.decision_id for s in result.sampled]


def test_sampling_is_stratified_by_moderator_and_action(workspace: Workspace, team: dict[str, Actor]) -> None:
    _mixed_history(workspace, team)

    result = qa.sample(workspace.db, team["sup"], rate=0.1, seed=42, clock=workspace.clock)

    assert result.counts == {
        "alice": {"approve": 2, "warn": 1, "remove": 1, "escalate": 1},
        "bob": {"approve": 1, "warn": 1},
    }
    assert [(s.moderator, s.action, s.candidates) for s in result.strata] == [
        ("alice", "approve", 20),
        ("alice", "escalate", 1),
        ("alice", "remove", 3),
        ("alice", "warn", 10),
        ("bob", "approve", 10),
        ("bob", "warn", 2),
    ]
    with workspace.db.read() as session:
        tasks = session.scalars(select(QaTask)).all()
        event = session.scalars(select(AuditEvent).where(AuditEvent.kind == "qa.sample")).one()
    assert sorted(t.primary_decision_id for t in tasks) == sorted(s.decision_id for s in result.sampled)
    assert {(t.seed, t.rate, t.sampled_by) for t in tasks} == {(42, 0.1, team["sup"].id)}
    payload = json.loads(event.payload)
    assert (payload["rate"], payload["seed"], payload["tasks"]) == (0.1, 42, 7)
    assert {(s["moderator"], s["action"]): s["sampled"] for s in payload["strata"]} == {
        (m, a): n for m, per in result.counts.items() for a, n in per.items()
    }
    assert audit.verify(workspace.db).ok


def test_the_same_seed_draws_the_same_sample(workspace: Workspace, team: dict[str, Actor]) -> None:
    _mixed_history(workspace, team)
    sup = team["sup"]

    first, again = _draw(workspace, sup, 42), _draw(workspace, sup, 42)
    stored = qa.sample(workspace.db, sup, rate=0.1, seed=42, clock=workspace.clock)

    assert first == again == [s.decision_id for s in stored.sampled]
    assert _draw(workspace, sup, 43) != first  # a dry run of another seed, on the data as it was
    # A stratum's draw does not depend on the others: bob's share is the same sampled alone.
    assert set(_draw(workspace, sup, 43, moderator="bob")) < set(_draw(workspace, sup, 43))


def test_dry_run_stores_nothing(workspace: Workspace, team: dict[str, Actor]) -> None:
    _mixed_history(workspace, team)
    with workspace.db.read() as session:
        events = session.scalar(select(func.count()).select_from(AuditEvent))

    result = qa.sample(workspace.db, team["sup"], rate=1.0, clock=workspace.clock, dry_run=True)

    assert len(result.sampled) == 46 and all(s.task_id is None for s in result.sampled)
    with workspace.db.read() as session:
        assert session.scalar(select(func.count()).select_from(QaTask)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_a_seed_is_made_up_and_recorded_when_none_is_given(workspace: Workspace, team: dict[str, Actor]) -> None:
    _mixed_history(workspace, team)
    result = qa.sample(workspace.db, team["sup"], rate=0.5, clock=workspace.clock)
    replay = qa.sample(workspace.db, team["sup"], rate=0.5, clock=workspace.clock, dry_run=True)  # what is left
    with workspace.db.read() as session:
        seeds = set(session.scalars(select(QaTask.seed)))
    assert seeds == {result.seed}
    assert not {s.decision_id for s in replay.sampled} & {s.decision_id for s in result.sampled}


def test_only_primary_decisions_in_force_are_candidates(workspace: Workspace, team: dict[str, Actor]) -> None:
    alice, sup = team["alice"], team["sup"]
    kept, overridden, withheld, undone, _pending = add_items(workspace, 5)
    workspace.review.decide(alice, kept, Action.APPROVE)
    workspace.review.decide(alice, overridden, Action.APPROVE)
    workspace.review.override(sup, overridden, Action.REMOVE, reason_note="faces", reason="gratuitous")
    workspace.review.decide(alice, withheld, Action.ESCALATE, reason="csam-suspected")
    workspace.review.decide(alice, undone, Action.APPROVE)
    workspace.review.undo_last(alice)

    result = qa.sample(workspace.db, sup, rate=1.0, seed=1, clock=workspace.clock)

    # Not the overridden decision nor the override, not suspected CSAM, not
    # the undone decision nor the undo, nothing on the pending item.
    assert [s.item_id for s in result.sampled] == [kept]
    assert qa.sample(workspace.db, sup, rate=1.0, seed=1, clock=workspace.clock).sampled == []  # never twice


def test_unknown_moderator_and_bad_arguments_are_refused(workspace: Workspace, team: dict[str, Actor]) -> None:
    sup = team["sup"]
    with pytest.raises(NotFound, match="unknown user 'nobody'"):
        qa.sample(workspace.db, sup, rate=0.1, moderator="nobody", clock=workspace.clock)
    with pytest.raises(UsageError, match="a rate is a fraction"):
        qa.sample(workspace.db, sup, rate=1.5, clock=workspace.clock)
    with pytest.raises(UsageError, match="a seed is a whole number"):
        qa.sample(workspace.db, sup, rate=0.5, seed=-1, clock=workspace.clock)


def test_moderators_may_not_sample_or_read_agreement(workspace: Workspace, team: dict[str, Actor]) -> None:
    _mixed_history(workspace, team)
    with pytest.raises(PermissionDenied, match="alice is a moderator and may not sample decisions"):
        qa.sample(workspace.db, team["alice"], rate=1.0, clock=workspace.clock)
    with pytest.raises(PermissionDenied, match="alice is a moderator and may not read agreement"):
        qa.agreement(workspace.db, team["alice"])
    with workspace.db.read() as session:
        assert session.scalar(select(func.count()).select_from(QaTask)) == 0


# -- the second-review queue ----------------------------------------------------------


def test_second_reviews_are_never_ones_own(workspace: Workspace, team: dict[str, Actor]) -> None:
    alice, bob, carol, sup = team["alice"], team["bob"], team["carol"], team["sup"]
    hers = add_items(workspace, 2, prefix="hers")
    (his,) = add_items(workspace, 1, prefix="his")
    _decide_all(workspace, alice, hers, Action.APPROVE)
    _decide_all(workspace, bob, [his], Action.APPROVE)
    qa.sample(workspace.db, sup, rate=1.0, seed=3, clock=workspace.clock)

    for_alice = qa.claim_next(workspace.db, alice, clock=workspace.clock)
    assert for_alice is not None and for_alice.item_id == his
    qa.decide(workspace.db, alice, his, Action.APPROVE, clock=workspace.clock)
    assert qa.claim_next(workspace.db, alice, clock=workspace.clock) is None  # only her own are left

    with pytest.raises(PermissionDenied, match=f"you made the first decision on item {hers[0]}"):
        qa.decide(workspace.db, alice, hers[0], Action.APPROVE, clock=workspace.clock)
    for_carol = qa.claim_next(workspace.db, carol, clock=workspace.clock)
    for_sup = qa.claim_next(workspace.db, sup, clock=workspace.clock)
    assert for_carol is not None and for_sup is not None
    assert {for_carol.item_id, for_sup.item_id} == set(hers)  # two reviewers never hold one task
    with pytest.raises(Conflict, match="held by carol"):
        qa.decide(workspace.db, sup, for_carol.item_id, Action.APPROVE, clock=workspace.clock)


def test_claim_again_resumes_and_an_expired_lease_frees_the_task(
    workspace: Workspace, team: dict[str, Actor], clock: FakeClock
) -> None:
    (item,) = add_items(workspace, 1)
    workspace.review.decide(team["alice"], item, Action.APPROVE)
    qa.sample(workspace.db, team["sup"], rate=1.0, clock=workspace.clock)
    lease = timedelta(minutes=10)

    first = qa.claim_next(workspace.db, team["bob"], clock=clock, lease=lease)
    again = qa.claim_next(workspace.db, team["bob"], clock=clock, lease=lease)
    assert first is not None and again is not None and again.resumed and again.task_id == first.task_id
    assert qa.claim_next(workspace.db, team["carol"], clock=clock, lease=lease) is None

    clock.advance(minutes=11)
    taken = qa.claim_next(workspace.db, team["carol"], clock=clock, lease=lease)
    assert taken is not None and taken.task_id == first.task_id and not taken.resumed


def test_the_second_decision_leaves_the_item_and_its_decision_in_force(
    workspace: Workspace, team: dict[str, Actor]
) -> None:
    (item,) = add_items(workspace, 1)
    primary = workspace.review.decide(team["alice"], item, Action.WARN, labels=["graphic-violence"])
    qa.sample(workspace.db, team["sup"], rate=1.0, clock=workspace.clock)
    claim = qa.claim_next(workspace.db, team["bob"], clock=workspace.clock)
    assert claim is not None
    decision_id = str(uuid.uuid4())

    second = qa.decide(
        workspace.db, team["bob"], item, Action.REMOVE, reason="victim-dignity", note="a face", decision_id=decision_id,
        clock=workspace.clock,
    )  # fmt: skip
    again = qa.decide(
        workspace.db, team["bob"], item, Action.REMOVE, reason="victim-dignity", note="a face", decision_id=decision_id,
        clock=workspace.clock,
    )  # fmt: skip

    assert again == second and (second.round, second.action, second.reviewer) == (2, Action.REMOVE, "bob")
    with workspace.db.read() as session:
        row = session.get(Item, item)
        assert row is not None and row.status == ItemStatus.DECIDED and row.current_decision_id == primary.id
        assert session.scalars(select(Decision.item_seq).where(Decision.id == second.id)).one() == 2
        task = session.scalars(select(QaTask)).one()
        assert (task.second_decision_id, task.claimed_by) == (second.id, None)
        kinds = session.scalars(select(AuditEvent.kind).where(AuditEvent.ref == second.id)).all()
    assert kinds == ["qa.decision"]
    assert audit.verify(workspace.db).ok
    with pytest.raises(Conflict, match="already had its second review"):
        qa.decide(workspace.db, team["carol"], item, Action.APPROVE, clock=workspace.clock)
    assert qa.claim_next(workspace.db, team["carol"], clock=workspace.clock) is None


@pytest.mark.parametrize(
    ("action", "labels", "reason", "message"),
    [
        (Action.WARN, [], None, "warn needs at least one label"),
        (Action.APPROVE, ["graphic-violence"], None, "approve takes no labels"),
        (Action.REMOVE, [], None, "remove needs a reason"),
        (Action.UNDO, [], None, "undo is not a decision"),
    ],
)
def test_a_second_decision_is_checked_like_a_first(
    workspace: Workspace, team: dict[str, Actor], action: Action, labels: list[str], reason: str | None, message: str
) -> None:
    (item,) = add_items(workspace, 1)
    workspace.review.decide(team["alice"], item, Action.APPROVE)
    qa.sample(workspace.db, team["sup"], rate=1.0, clock=workspace.clock)
    with pytest.raises(UsageError, match=message):
        qa.decide(workspace.db, team["bob"], item, action, labels=labels, reason=reason, clock=workspace.clock)
    with workspace.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 1


def test_an_unsampled_item_has_no_second_review(workspace: Workspace, team: dict[str, Actor]) -> None:
    (item,) = add_items(workspace, 1)
    workspace.review.decide(team["alice"], item, Action.APPROVE)
    with pytest.raises(NotFound, match="was not sampled"):
        qa.decide(workspace.db, team["bob"], item, Action.APPROVE, clock=workspace.clock)


def test_a_first_decision_undone_after_sampling_is_not_second_reviewed(
    workspace: Workspace, team: dict[str, Actor]
) -> None:
    (item,) = add_items(workspace, 1)
    workspace.review.decide(team["alice"], item, Action.APPROVE)
    qa.sample(workspace.db, team["sup"], rate=1.0, clock=workspace.clock)
    workspace.review.undo_last(team["alice"])

    assert qa.claim_next(workspace.db, team["bob"], clock=workspace.clock) is None
    with pytest.raises(Conflict, match="was undone"):
        qa.decide(workspace.db, team["bob"], item, Action.APPROVE, clock=workspace.clock)


def test_a_second_reviewer_suspecting_csam_withholds_the_media(workspace: Workspace, team: dict[str, Actor]) -> None:
    (item,) = add_items(workspace, 1)
    workspace.review.decide(team["alice"], item, Action.APPROVE)
    qa.sample(workspace.db, team["sup"], rate=1.0, clock=workspace.clock)
    qa.decide(workspace.db, team["bob"], item, Action.ESCALATE, reason="csam-suspected", clock=workspace.clock)
    view = workspace.review.show(item)
    assert view.media_withheld and view.status == ItemStatus.DECIDED


# -- blindness ---------------------------------------------------------------------------


def _photo(folder: Path, name: str, size: tuple[int, int], text: str) -> None:
    folder.mkdir()
    image = Image.new("RGB", (800, 600), (90, 110, 130))
    draw = ImageDraw.Draw(image)
    for n in range(12):
        draw.rectangle((n * 60, 50 + n * 30, n * 60 + 90, 300 + n * 20), fill=(200 - n * 12, 40 + n * 9, 30))
    image.resize(size).save(folder / f"{name}.jpg", quality=85)
    (folder / f"{name}.txt").write_text(text, encoding="utf-8")


def test_the_second_reviewer_sees_nothing_of_the_first_decision(
    workspace: Workspace, team: dict[str, Actor], tmp_path: Path
) -> None:
    alice, bob, carol, sup = team["alice"], team["bob"], team["carol"], team["sup"]
    _photo(tmp_path / "first", "scene", (800, 600), "the strike")
    ingest_files(workspace.db, [tmp_path / "first"], actor="alice", clock=workspace.clock)
    (original,) = [e.id for e in workspace.review.queue()]
    workspace.review.decide(alice, original, Action.WARN, labels=["graphic-violence"])
    _photo(tmp_path / "second", "repost", (400, 300), "the strike, reposted")
    ingest_files(workspace.db, [tmp_path / "second"], actor="alice", clock=workspace.clock)
    (repost,) = [e.id for e in workspace.review.queue()]
    assert workspace.review.show(repost).suggestion is not None  # a near-duplicate: the hint exists
    workspace.review.decide(alice, repost, Action.APPROVE)
    qa.sample(workspace.db, sup, rate=1.0, seed=5, clock=workspace.clock, moderator="alice")

    claim = qa.claim_next(workspace.db, bob, clock=workspace.clock)

    assert claim is not None and claim.item_id == repost  # (alice, approve) is drawn before (alice, warn)
    for view in (claim.item, workspace.review.show(repost, viewer=bob)):
        assert view.blind and view.decisions == [] and view.suggestion is None
        assert view.duplicate_of is None and view.claimed_by is None
        shown = view.as_dict()
        assert shown["status"] is None and shown["decisions"] == [] and shown["suggestion"] is None
        assert len(shown["media"]) == 1  # the item itself is all there
    blind = claim.as_dict()["item"]
    assert set(blind) == set(BLIND_FIELDS) and "decisions" not in blind and "status" not in blind
    assert workspace.review.show(repost, viewer=carol).decisions != []  # not blind for anyone else

    second = qa.decide(workspace.db, bob, repost, Action.WARN, labels=["graphic-violence"], clock=workspace.clock)

    after = workspace.review.show(repost, viewer=bob)
    assert not after.blind and [d.id for d in after.decisions if d.round == 2] == [second.id]  # his own
    assert [d.round for d in workspace.review.show(repost, viewer=alice).decisions] == [1]  # not bob's
    assert [d.round for d in workspace.review.show(repost, viewer=carol).decisions] == [1]
    assert [d.round for d in workspace.review.show(repost, viewer=sup).decisions] == [1, 2]
    assert [d.round for d in workspace.review.show(repost).decisions] == [1, 2]


# -- agreement ---------------------------------------------------------------------------


def _second_reviews(
    ws: Workspace, first: Actor, second: Actor, sup: Actor, pattern: dict[tuple[bool, bool], int]
) -> None:
    """Decisions whose (first says yes, second says yes) counts are ``pattern``; yes is warn with a label."""
    items = iter(add_items(ws, sum(pattern.values()), prefix=f"by-{first.name}"))
    planned: list[tuple[int, tuple[Action, list[str]]]] = []
    for (first_yes, second_yes), n in pattern.items():
        for _ in range(n):
            item = next(items)
            action, labels = YES if first_yes else NO
            ws.review.decide(first, item, action, labels=labels, note=f"first {item}")
            planned.append((item, YES if second_yes else NO))
    qa.sample(ws.db, sup, rate=1.0, moderator=first.name, clock=ws.clock)
    for item, (action, labels) in planned:
        qa.decide(ws.db, second, item, action, labels=labels, note=f"second {item}", clock=ws.clock)


WIKIPEDIA = {(True, True): 20, (True, False): 5, (False, True): 10, (False, False): 15}


def test_agreement_through_the_database(workspace: Workspace, team: dict[str, Actor], clock: FakeClock) -> None:
    alice, bob, carol, sup = team["alice"], team["bob"], team["carol"], team["sup"]
    start = clock()
    _second_reviews(workspace, alice, carol, sup, WIKIPEDIA)
    clock.advance(hours=1)
    later = clock()
    _second_reviews(workspace, bob, carol, sup, {(True, True): 2, (False, False): 2})

    report = qa.agreement(workspace.db, sup, until=later)

    # The textbook numbers: p_o 0.70, p_e 0.50, kappa 0.40.
    overall = report.overall
    assert (overall.n, overall.observed, overall.expected, overall.kappa) == (50, 0.7, 0.5, 0.4)
    assert list(report.by_moderator) == ["alice"]
    assert report.by_label["graphic-violence"].kappa == pytest.approx(0.4)  # present exactly when warn
    assert report.confusion.categories == ["approve", "warn", "remove", "escalate"]
    assert report.confusion.counts == [[15, 10, 0, 0], [5, 20, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    assert len(report.disagreements) == 15
    sample = report.disagreements[0].as_dict()
    assert sample["moderator"] == "alice" and sample["second_reviewer"] == "carol"
    assert sample["differs"] == ["action", "labels"]
    assert sample["first"]["action"] == "warn" and sample["first"]["labels"] == ["graphic-violence"]
    assert sample["second"]["action"] == "approve" and sample["second"]["note"] == f"second {sample['item_id']}"
    assert sample["first"]["note"] == f"first {sample['item_id']}"

    everyone = qa.agreement(workspace.db, sup)
    assert everyone.overall.n == 54 and list(everyone.by_moderator) == ["alice", "bob"]
    assert everyone.by_moderator["bob"].kappa == 1.0 and everyone.by_moderator["alice"].kappa == 0.4
    assert qa.agreement(workspace.db, sup, since=later).overall.n == 4
    assert qa.agreement(workspace.db, sup, until=start).overall.n == 0


# -- concurrency ---------------------------------------------------------------------------


def test_concurrent_second_reviewers_never_share_a_task(workspace: Workspace, db_url: str) -> None:
    tasks, workers = 200, 4
    alice = add_user(workspace, "alice")
    items = add_items(workspace, tasks)
    _decide_all(workspace, alice, items, Action.APPROVE)
    sup = add_user(workspace, "sup", Role.SUPERVISOR)
    qa.sample(workspace.db, sup, rate=1.0, clock=workspace.clock)
    reviewers = [add_user(workspace, f"second{n}") for n in range(workers)]
    done: dict[str, list[int]] = {r.name: [] for r in reviewers}
    failures: list[BaseException] = []
    start = threading.Barrier(workers)
    # Each holds a task before any decides, so all really work side by side:
    # claims are quick enough now that one thread could otherwise take every
    # task before the others' first turn at SQLite's write lock.
    all_holding = threading.Barrier(workers, timeout=120)

    def work(actor: Actor) -> None:
        # Its own engine, so its own connection, as each workstation has.
        database = Database(db_url, busy_timeout_ms=60_000)
        try:
            start.wait()
            first = True
            while (claim := qa.claim_next(database, actor, clock=workspace.clock)) is not None:
                if first:
                    all_holding.wait()
                    first = False
                qa.decide(database, actor, claim.item_id, Action.APPROVE, clock=workspace.clock)
                done[actor.name].append(claim.item_id)
        except BaseException as err:  # noqa: BLE001 - any failure is reported by the main thread
            failures.append(err)
        finally:
            database.dispose()

    threads = [threading.Thread(target=work, args=(r,)) for r in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)

    assert not failures, failures[:3]
    everything = [item for mine in done.values() for item in mine]
    assert sorted(everything) == sorted(items)  # each exactly once, none lost
    assert all(done.values())  # every reviewer decided some: it really ran in parallel
    assert qa.agreement(workspace.db, sup).overall.n == tasks
    assert audit.verify(workspace.db).ok
