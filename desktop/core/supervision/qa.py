"""Blind second review: sample decisions, review them again unseen, measure agreement.

A supervisor samples primary decisions in force; each sampled decision
becomes a task (``qa_task``) that another reviewer claims under a lease, the
way items are claimed, and decides without seeing the first decision. The
second decision is a ``decision`` row with round 2: audited, exported, and
never the item's decision in force. Agreement between the two decisions is
computed by :mod:`desktop.domain.agreement`.

Like the review service, every function is one transaction and returns
plain dataclasses, so the window can call them on its worker thread.
"""

from __future__ import annotations

import math
import random
import secrets
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import aliased

from db.models import Decision, Item, QaTask, User
from desktop.core import audit
from desktop.core.clock import now as clock_now
from desktop.core.review.claims import DEFAULT_LEASE, locked_item
from desktop.core.review.decisions import checked_id, decision_info, record_decision
from desktop.core.review.items import show
from desktop.core.transactions import writing
from desktop.domain import agreement as measures
from desktop.domain.agreement import Agreement as Agreement  # the front ends print it
from desktop.domain.clock import Clock, system_clock
from desktop.domain.errors import Conflict, NotFound, PermissionDenied, UsageError
from desktop.domain.people import Actor, Permission
from desktop.domain.qa import (
    AgreementReport,
    Call,
    QaClaim,
    ReviewPair,
    SampledDecision,
    SampleResult,
    Stratum,
)
from desktop.domain.review import DECISIONS, DecisionInfo

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime, timedelta

    from sqlalchemy.orm import Session

    from db.session import Database
    from desktop.domain.review import Action

MAX_SEED = 2**63 - 1  # what a BIGINT column holds


def stratum_size(rate: float, n: int) -> int:
    """How many of a stratum's ``n`` candidates to sample.

    ``rate * n`` rounded half up (not Python's round-half-to-even, so a
    supervisor can recompute it by hand), but at least 1 when ``n > 0``: a
    small stratum (a new moderator, a rare action such as escalate) would
    round to nothing at 5 % and never be checked, yet QA means to see every
    kind of call each moderator makes, and the rare calls matter most.
    """
    if n <= 0:
        return 0
    # Decimal of the shortest repr: 0.35 * 10 is 3.5, not 3.4999999999999996.
    exact = Decimal(repr(rate)) * n + Decimal("0.5")
    return min(n, max(1, math.floor(exact)))


# -- sampling ----------------------------------------------------------------


def sample(
    database: Database,
    actor: Actor,
    *,
    rate: float,
    clock: Clock = system_clock,
    moderator: str | None = None,
    seed: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    dry_run: bool = False,
) -> SampleResult:
    """Draw primary decisions for a blind second review (supervisors).

    Candidates: round-1 decisions (not overrides) that are their item's
    decision in force (so neither undone nor overridden), by ``moderator``
    or anyone, made in [since, until), never sampled before, on items whose
    media are not withheld (suspected CSAM is not shown to more people for
    calibration). Each (moderator, action) stratum gives
    :func:`stratum_size` of its candidates.

    Reproducible: each stratum is sorted by (item id, decision id) and drawn
    with ``random.Random`` seeded by ``"{seed}:{moderator}:{action}"``, so
    the same seed on the same data draws the same decisions, and a stratum's
    draw does not depend on which other strata exist (sampling one
    moderator picks what sampling everyone would have picked for them).
    Without a seed one is made up and recorded on the tasks and in the
    audit chain. ``dry_run`` shows the draw and stores nothing.
    """
    actor.require(Permission.SAMPLE)
    if not 0 < rate <= 1:
        raise UsageError(f"a rate is a fraction in (0, 1], not {rate}")
    if seed is None:
        seed = secrets.randbelow(2**31)
    if not 0 <= seed <= MAX_SEED:
        raise UsageError(f"a seed is a whole number from 0 to {MAX_SEED}")
    with database.write() as session:
        # Two supervisors sampling at once on PostgreSQL: the second waits
        # here and then sees the first one's tasks, instead of failing on
        # the unique primary decision.
        audit.lock_chain(session)
        now = clock_now(session, clock)
        strata = _candidates(session, moderator, since, until)
        counts: list[Stratum] = []
        chosen: list[tuple[str, str, int, str, int]] = []
        for (name, action), members in sorted(strata.items()):
            members.sort()
            k = stratum_size(rate, len(members))
            picked = random.Random(f"{seed}:{name}:{action}").sample(members, k)
            counts.append(Stratum(name, action, len(members), k))
            chosen += [(name, action, item_id, decision_id, reviewer) for item_id, decision_id, reviewer in picked]
        sampled: list[SampledDecision] = []
        for name, action, item_id, decision_id, reviewer in chosen:
            task_id = None
            if not dry_run:
                task = QaTask(
                    item_id=item_id,
                    primary_decision_id=decision_id,
                    moderator_id=reviewer,
                    sampled_by=actor.id,
                    sampled_at=now,
                    seed=seed,
                    rate=rate,
                )
                session.add(task)
                session.flush()
                task_id = task.id
            sampled.append(SampledDecision(task_id, item_id, decision_id, name, action))
        if not dry_run:
            payload = {
                "rate": rate,
                "seed": seed,
                "moderator": moderator,
                "since": since.isoformat() if since else None,
                "until": until.isoformat() if until else None,
                "tasks": len(sampled),
                "strata": [s.as_dict() for s in counts],
            }
            audit.append(session, kind="qa.sample", actor=actor.name, at=now, payload=payload)
        return SampleResult(rate, seed, moderator, dry_run, counts, sampled)


def _candidates(
    session: Session, moderator: str | None, since: datetime | None, until: datetime | None
) -> dict[tuple[str, str], list[tuple[int, str, int]]]:
    """(moderator, action) -> [(item id, decision id, moderator id)]."""
    query = (
        select(Decision.item_id, Decision.id, Decision.reviewer_id, Decision.action, User.name)
        # Through the item's primary key: the decision in force is the item's.
        .join(Item, (Item.id == Decision.item_id) & (Item.current_decision_id == Decision.id))
        .join(User, User.id == Decision.reviewer_id)
        .where(
            Decision.round == 1,
            Decision.overrides.is_(None),
            Decision.action.in_(DECISIONS),
            Item.media_withheld.is_(False),
            ~exists().where(QaTask.primary_decision_id == Decision.id),
        )
    )
    if moderator is not None:
        moderator_id = session.scalar(select(User.id).where(User.name == moderator))
        if moderator_id is None:
            raise NotFound(f"unknown user {moderator!r}")
        query = query.where(Decision.reviewer_id == moderator_id)
    if since is not None:
        query = query.where(Decision.decided_at >= since)
    if until is not None:
        query = query.where(Decision.decided_at < until)
    strata: dict[tuple[str, str], list[tuple[int, str, int]]] = defaultdict(list)
    for item_id, decision_id, reviewer, action, name in session.execute(query):
        strata[(name, action.value)].append((item_id, decision_id, reviewer))
    return strata


# -- the second-review queue -------------------------------------------------


def _open_task() -> Any:
    """Open tasks whose first decision still stands (an undone one has nothing to compare)."""
    # item_id too, so the check is a seek on ix_decision_item_id, not a scan.
    undone = exists().where(Decision.item_id == QaTask.item_id, Decision.undoes == QaTask.primary_decision_id)
    return select(QaTask).where(QaTask.second_decision_id.is_(None), ~undone)


def claim_next(
    database: Database,
    actor: Actor,
    *,
    clock: Clock = system_clock,
    lease: timedelta = DEFAULT_LEASE,
    into: Session | None = None,
) -> QaClaim | None:
    """Hold the next open second review for ``actor`` (None when there is none).

    Anyone who may review may second-review, except the moderator who made
    the first decision: their own items are never offered. A reviewer who
    holds a task gets it back with its lease renewed, even an expired one
    nobody else took (after a crash they are still the one who saw it). On
    PostgreSQL the task row is taken ``FOR UPDATE SKIP LOCKED``, as items are.
    """
    actor.require(Permission.REVIEW)
    with writing(database, into) as session:
        now = clock_now(session, clock)
        held = session.scalar(_open_task().where(QaTask.claimed_by == actor.id).limit(1).with_for_update(of=QaTask))
        resumed = held is not None
        task = held
        if task is None:
            task = session.scalar(
                _open_task()
                .where(
                    QaTask.moderator_id != actor.id,
                    or_(QaTask.claimed_by.is_(None), QaTask.lease_expires_at <= now),
                )
                .order_by(QaTask.sampled_at, QaTask.id)
                .limit(1)
                .with_for_update(skip_locked=True, of=QaTask)
            )
            if task is None:
                return None
            task.claimed_by = actor.id
            audit.append(
                session, kind="qa.claim", actor=actor.name, at=now, item_id=task.item_id, payload={"task": task.id}
            )
        task.lease_expires_at = now + lease
        session.flush()  # so the view sees the claim and is blind
        view = show(session, task.item_id, now, viewer=actor)
        return QaClaim(task.id, task.item_id, task.lease_expires_at, resumed, view)


def decide(
    database: Database,
    actor: Actor,
    item_id: int,
    action: Action,
    *,
    clock: Clock = system_clock,
    labels: Sequence[str] = (),
    reason: str | None = None,
    note: str | None = None,
    decision_id: str | None = None,
    into: Session | None = None,
) -> DecisionInfo:
    """Record the second decision on ``item_id``'s open second review.

    Checked like a primary decision (labels for warn, a reason for remove
    and escalate). It is a round-2 decision row with the item's next
    ``item_seq``; the item's status and decision in force stay as they
    are. A repeat with the same ``decision_id`` is a no-op. The reviewer
    need not have claimed the task, as long as nobody else holds it.
    """
    actor.require(Permission.REVIEW)
    if action not in DECISIONS:
        raise UsageError(f"{action.value} is not a decision")
    decision_id = checked_id(decision_id)
    with writing(database, into) as session:
        # The item's lock orders this row's item_seq among the item's other
        # events and makes a concurrent retry find the first attempt's row.
        item = locked_item(session, item_id)
        now = clock_now(session, clock)
        earlier = session.get(Decision, decision_id)
        if earlier is not None:
            if earlier.item_id != item_id or earlier.reviewer_id != actor.id or earlier.round != 2:
                raise Conflict(f"decision id {decision_id} is already used for another decision")
            return decision_info(earlier, actor.name)
        task = _task_for(session, actor, item_id, now)
        info = record_decision(
            session, item, actor, action, now, labels=labels, reason=reason, note=note, decision_id=decision_id,
            kind="qa.decision", round_=2, moves_item=False,
        )  # fmt: skip
        task.second_decision_id = info.id
        task.claimed_by = None
        task.lease_expires_at = None
        session.flush()
        return info


def _task_for(session: Session, actor: Actor, item_id: int, now: datetime) -> QaTask:
    """The open task on ``item_id`` that ``actor`` may finish, or why not."""
    tasks = list(
        session.scalars(
            select(QaTask)
            .where(QaTask.item_id == item_id, QaTask.second_decision_id.is_(None))
            .order_by(QaTask.id)
            .with_for_update(of=QaTask)
        )
    )
    if not tasks:
        done = session.scalar(select(QaTask.id).where(QaTask.item_id == item_id).limit(1))
        if done is not None:
            raise Conflict(f"item {item_id} has already had its second review")
        raise NotFound(f"item {item_id} was not sampled for a second review (a supervisor samples: veil qa sample)")
    if all(t.moderator_id == actor.id for t in tasks):
        raise PermissionDenied(
            f"you made the first decision on item {item_id}; its second review must be someone else's"
        )
    mine = [t for t in tasks if t.claimed_by == actor.id]
    free = [
        t
        for t in tasks
        if t.moderator_id != actor.id
        and (t.claimed_by is None or t.lease_expires_at is None or t.lease_expires_at <= now)
    ]
    if not (mine or free):
        holder_id = next(t.claimed_by for t in tasks if t.moderator_id != actor.id)
        holder = session.scalar(select(User.name).where(User.id == holder_id))
        raise Conflict(f"the second review of item {item_id} is held by {holder}; nothing was saved")
    task = (mine or free)[0]
    undone = select(Decision.id).where(Decision.item_id == item_id, Decision.undoes == task.primary_decision_id)
    if session.scalar(undone) is not None:
        raise Conflict(f"the first decision on item {item_id} was undone; there is nothing to second-review")
    return task


# -- agreement ---------------------------------------------------------------


def agreement(
    database: Database, actor: Actor, *, since: datetime | None = None, until: datetime | None = None
) -> AgreementReport:
    """Agreement between first and second decisions (supervisors).

    Over finished second reviews whose first decision was made in
    [since, until): the period of the work being checked, not of the
    checking. Actions are the categories of the overall and per-moderator
    kappa and of the confusion table; each label gets its own kappa as
    present or absent. Disagreements (on the action or the label set) are
    listed for calibration sessions, oldest first decision first.
    """
    actor.require(Permission.AGREEMENT)
    with database.read() as session:
        return agreement_in(session, since, until)


def agreement_in(session: Session, since: datetime | None, until: datetime | None) -> AgreementReport:
    """:func:`agreement` in the caller's transaction (a report reads it in its own snapshot)."""
    pairs = _pairs(session, since, until)
    actions = [(p.first.action, p.second.action) for p in pairs]
    per_moderator: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for p in pairs:
        per_moderator[p.first.reviewer].append((p.first.action, p.second.action))
    return AgreementReport(
        since=since,
        until=until,
        overall=measures.agreement(actions),
        by_moderator={name: measures.agreement(found) for name, found in sorted(per_moderator.items())},
        by_label=measures.label_agreement([(p.first.labels, p.second.labels) for p in pairs]),
        confusion=measures.confusion(actions, [a.value for a in DECISIONS]),
        disagreements=[p for p in pairs if p.differs],
    )


def _pairs(session: Session, since: datetime | None, until: datetime | None) -> list[ReviewPair]:
    first, second = aliased(Decision), aliased(Decision)
    moderator, reviewer = aliased(User), aliased(User)
    query = (
        select(QaTask.item_id, first, moderator.name, second, reviewer.name)
        .join(first, first.id == QaTask.primary_decision_id)
        .join(second, second.id == QaTask.second_decision_id)
        .join(moderator, moderator.id == first.reviewer_id)
        .join(reviewer, reviewer.id == second.reviewer_id)
        .order_by(first.decided_at, QaTask.item_id, QaTask.id)
    )
    if since is not None:
        query = query.where(first.decided_at >= since)
    if until is not None:
        query = query.where(first.decided_at < until)
    return [
        ReviewPair(item_id, _call(one, first_name), _call(two, second_name))
        for item_id, one, first_name, two, second_name in session.execute(query)
    ]


def _call(row: Decision, reviewer: str) -> Call:
    return Call(reviewer, row.action.value, sorted(row.labels), row.reason_code, row.note, row.decided_at)
