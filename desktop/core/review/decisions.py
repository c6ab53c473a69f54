"""The review queue: claim, decide, undo, skip, escalate, override.

Every method is one write transaction that changes the item, adds its
event row and appends to the audit chain together, so a crash leaves
either all of it or none. Methods return plain dataclasses, never ORM
objects, so the window can call them on a worker thread.

Claims are leases. ``claim_next`` takes the first free pending item in
review order (most severe first, then oldest): free means unclaimed or its
lease has run out. On PostgreSQL the row is locked ``FOR UPDATE SKIP
LOCKED``; on SQLite the write transaction holds the database's write lock
from its first statement. Either way two reviewers never hold one item.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, delete, exists, func, or_, select

from db.models import Decision, Exposure, Item, Marker, Media, QaTask, Skip, Source, User
from desktop.core import audit, taxonomy
from desktop.core.clock import now as clock_now
from desktop.core.media.originals import file_uri_path
from desktop.domain.clock import Clock, system_clock
from desktop.domain.errors import Conflict, NotFound, PermissionDenied, UsageError
from desktop.domain.people import Actor, Permission
from desktop.domain.review import (
    DECISIONS,
    Action,
    Claim,
    DecisionInfo,
    ItemStatus,
    ItemView,
    MediaInfo,
    QueueEntry,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from sqlalchemy.orm import Session

    from db.session import Database

DEFAULT_LEASE = timedelta(minutes=10)
DEFAULT_UNDO_GRACE = timedelta(minutes=5)
EXPOSURE_MODES = ("reveal", "peek", "view")


class ReviewService:
    def __init__(
        self,
        database: Database,
        *,
        clock: Clock = system_clock,
        lease: timedelta = DEFAULT_LEASE,
        undo_grace: timedelta = DEFAULT_UNDO_GRACE,
    ) -> None:
        self.db = database
        self.clock = clock
        self.lease = lease
        self.undo_grace = undo_grace

    # -- claims ---------------------------------------------------------

    def claim_next(self, actor: Actor, *, escalations: bool = False, into: Session | None = None) -> Claim | None:
        """Hold the next free item for ``actor``; None when the queue is empty.

        A reviewer who already holds a live claim gets that item back (after
        a crash or restart of the window), with its lease renewed.
        """
        actor.require(Permission.RESOLVE_ESCALATIONS if escalations else Permission.REVIEW)
        status = ItemStatus.ESCALATED if escalations else ItemStatus.PENDING
        with self._writing(into) as session:
            now = self._now(session)
            held = session.scalar(self._held(actor, status, now).with_for_update(of=Item))
            if held is not None:
                held.lease_expires_at = now + self.lease
                return Claim(held.id, held.lease_expires_at, resumed=True)
            item = session.scalar(self._next_free(actor, status, now).with_for_update(skip_locked=True, of=Item))
            if item is None:
                return None
            item.claimed_by = actor.id
            item.lease_expires_at = now + self.lease
            audit.append(session, kind="claim", actor=actor.name, at=now, item_id=item.id)
            return Claim(item.id, item.lease_expires_at)

    @staticmethod
    def _held(actor: Actor, status: ItemStatus, now: datetime) -> Any:
        # No ORDER BY: a reviewer holds one item at a time, and ordering
        # would tempt the planner to walk the whole queue index instead of
        # seeking ix_item_holder.
        return (
            select(Item).where(Item.claimed_by == actor.id, Item.status == status, Item.lease_expires_at > now).limit(1)
        )

    @staticmethod
    def _next_free(actor: Actor, status: ItemStatus, now: datetime) -> Any:
        skipped = exists().where(Skip.item_id == Item.id, Skip.user_id == actor.id)
        return (
            select(Item)
            .where(
                Item.status == status,
                or_(Item.claimed_by.is_(None), Item.lease_expires_at <= now),
                ~skipped,
            )
            .order_by(Item.priority, Item.received_at, Item.id)
            .limit(1)
        )

    def claim(self, actor: Actor, item_id: int, *, into: Session | None = None) -> Claim:
        """Hold the item the reviewer picked from the list, giving back any
        other item they hold (a reviewer holds one item at a time)."""
        actor.require(Permission.REVIEW)
        with self._writing(into) as session:
            now = self._now(session)
            item = self._locked_item(session, item_id)
            if item.status == ItemStatus.DECIDED:
                raise Conflict(f"item {item_id} is already decided")
            if item.status == ItemStatus.ESCALATED:
                actor.require(Permission.RESOLVE_ESCALATIONS)
            self._check_holder(session, item, actor, now)
            others = select(Item).where(
                Item.claimed_by == actor.id,
                Item.id != item_id,
                Item.status.in_((ItemStatus.PENDING, ItemStatus.ESCALATED)),
            )
            for other in session.scalars(others.with_for_update(of=Item)):
                other.claimed_by = None
                other.lease_expires_at = None
                audit.append(session, kind="release", actor=actor.name, at=now, item_id=other.id)
            resumed = item.claimed_by == actor.id and item.lease_expires_at is not None and item.lease_expires_at > now
            item.claimed_by = actor.id
            item.lease_expires_at = now + self.lease
            if not resumed:
                audit.append(session, kind="claim", actor=actor.name, at=now, item_id=item.id)
            return Claim(item.id, item.lease_expires_at, resumed=resumed)

    def renew(self, actor: Actor, item_id: int) -> Claim:
        """Extend the lease on an item the reviewer holds (not audited: no change of hands)."""
        with self.db.write() as session:
            now = self._now(session)
            item = self._locked_item(session, item_id)
            self._check_holder(session, item, actor, now)
            if item.claimed_by != actor.id:
                raise Conflict(f"you do not hold item {item_id}; claim it first")
            item.lease_expires_at = now + self.lease
            return Claim(item.id, item.lease_expires_at)

    def release(self, actor: Actor, item_id: int, *, into: Session | None = None) -> None:
        """Give an item back to the queue untouched."""
        with self._writing(into) as session:
            now = self._now(session)
            item = self._locked_item(session, item_id)
            if item.claimed_by != actor.id:
                raise Conflict(f"you do not hold item {item_id}")
            item.claimed_by = None
            item.lease_expires_at = None
            audit.append(session, kind="release", actor=actor.name, at=now, item_id=item.id)

    def skip(self, actor: Actor, item_id: int, *, into: Session | None = None) -> None:
        """Pass an item on to others; it is not offered to this reviewer again."""
        actor.require(Permission.REVIEW)
        with self._writing(into) as session:
            now = self._now(session)
            item = self._locked_item(session, item_id)
            self._check_holder(session, item, actor, now)
            if session.get(Skip, (item.id, actor.id)) is None:
                session.add(Skip(item_id=item.id, user_id=actor.id, skipped_at=now))
            if item.claimed_by == actor.id:
                item.claimed_by = None
                item.lease_expires_at = None
            audit.append(session, kind="skip", actor=actor.name, at=now, item_id=item.id)

    def clear_skips(self, actor: Actor, *, item_id: int | None = None, user: str | None = None) -> int:
        """Offer skipped items to those who skipped them again (supervisors)."""
        actor.require(Permission.CLEAR_SKIPS)
        with self.db.write() as session:
            now = self._now(session)
            query = delete(Skip)
            if item_id is not None:
                query = query.where(Skip.item_id == item_id)
            if user is not None:
                user_id = session.scalar(select(User.id).where(User.name == user))
                if user_id is None:
                    raise NotFound(f"unknown user {user!r}")
                query = query.where(Skip.user_id == user_id)
            cleared = session.execute(query).rowcount  # type: ignore[attr-defined]
            audit.append(
                session,
                kind="skip.clear",
                actor=actor.name,
                at=now,
                item_id=item_id,
                payload={"user": user, "cleared": cleared},
            )
            return int(cleared)

    # -- decisions ------------------------------------------------------

    def decide(
        self,
        actor: Actor,
        item_id: int,
        action: Action,
        *,
        labels: Sequence[str] = (),
        reason: str | None = None,
        note: str | None = None,
        decision_id: str | None = None,
        into: Session | None = None,
    ) -> DecisionInfo:
        """Record a decision on an item. A repeat with the same ``decision_id`` is a no-op."""
        actor.require(Permission.REVIEW)
        if action not in DECISIONS:
            raise UsageError(f"{action.value} is not a decision")
        decision_id = _check_uuid(decision_id)
        with self._writing(into) as session:
            now = self._now(session)
            # Lock first: a concurrent retry of this very decision waits here,
            # then finds the row the first attempt wrote.
            item = self._locked_item(session, item_id)
            earlier = session.get(Decision, decision_id)
            if earlier is not None:
                return self._replayed(session, earlier, actor, item_id)
            if item.status == ItemStatus.DECIDED:
                raise Conflict(
                    f"item {item_id} is already decided; undo your own decision or ask a supervisor to override it"
                )
            if item.status == ItemStatus.ESCALATED:
                actor.require(Permission.RESOLVE_ESCALATIONS)
                if action == Action.ESCALATE:
                    raise UsageError(f"item {item_id} is already escalated")
            self._check_holder(session, item, actor, now)
            row = self._record(session, item, actor, action, labels, reason, note, decision_id, now)
            audit.append_decision(session, row, kind="decision", actor=actor.name)
            return decision_info(row, actor.name)

    def approve_many(self, actor: Actor, decisions: Sequence[tuple[int, str]]) -> list[DecisionInfo]:
        """Approve several quiet items at once: ``(item_id, decision_id)`` pairs.

        Only items that need no look are allowed: pending, severity 0, no
        media, no markers or cues. One transaction: all are approved or none
        (a repeat with the same decision ids is a no-op, as for ``decide``).
        """
        actor.require(Permission.REVIEW)
        if not decisions:
            return []
        checked = [(item_id, _check_uuid(decision_id)) for item_id, decision_id in decisions]
        done: list[DecisionInfo] = []
        with self.db.write() as session:
            now = self._now(session)
            ids = [item_id for item_id, _ in checked]
            marked = set(session.scalars(select(Marker.item_id).where(Marker.item_id.in_(ids))))
            with_media = set(session.scalars(select(Media.item_id).where(Media.item_id.in_(ids))))
            for item_id, decision_id in checked:
                item = self._locked_item(session, item_id)
                earlier = session.get(Decision, decision_id)
                if earlier is not None:
                    done.append(self._replayed(session, earlier, actor, item_id))
                    continue
                if item.status != ItemStatus.PENDING or item.severity > 0 or item_id in marked | with_media:
                    raise UsageError(
                        f"item {item_id} needs its own look (it has media, markers or a severity, or is not "
                        "pending); nothing was approved"
                    )
                self._check_holder(session, item, actor, now)
                row = self._record(session, item, actor, Action.APPROVE, (), None, None, decision_id, now)
                audit.append_decision(session, row, kind="decision", actor=actor.name)
                done.append(decision_info(row, actor.name))
        return done

    def undo_last(self, actor: Actor, *, into: Session | None = None) -> DecisionInfo:
        """Withdraw the reviewer's own newest decision, within the grace period.

        The undo is a new event. An undone decision gives the item back to
        the reviewer, claimed, in the state it was in before; an undone
        override puts the decision it replaced back in force.
        """
        actor.require(Permission.REVIEW)
        with self._writing(into) as session:
            now = self._now(session)
            last = session.scalar(
                select(Decision)
                # Second reviews (round 2) are measurements, not decisions on the item: undo skips them.
                .where(Decision.reviewer_id == actor.id, Decision.action != Action.UNDO, Decision.round == 1)
                .order_by(Decision.decided_at.desc(), Decision.item_seq.desc())
                .limit(1)
            )
            if last is None:
                raise Conflict("you have no decision to undo")
            item = self._locked_item(session, last.item_id)
            if item.current_decision_id != last.id:
                raise Conflict(
                    f"your last decision (item {item.id}) was already undone or has been overridden; nothing changed"
                )
            if now - last.decided_at > self.undo_grace:
                minutes = int(self.undo_grace.total_seconds() // 60)
                raise Conflict(
                    f"your last decision (item {item.id}) is older than {minutes} min; ask a supervisor to override it"
                )
            # An escalation someone is now resolving is theirs, not the undoer's.
            self._check_holder(session, item, actor, now)
            row = Decision(
                id=str(uuid.uuid4()),
                item_id=item.id,
                item_seq=self._next_seq(session, item.id),
                reviewer_id=actor.id,
                action=Action.UNDO,
                labels=[],
                decided_at=now,
                round=last.round,
                status_before=item.status,
                undoes=last.id,
            )
            session.add(row)
            item.status = last.status_before
            item.current_decision_id = last.overrides  # None unless an override is undone
            if last.overrides is None:
                item.claimed_by = actor.id
                item.lease_expires_at = now + self.lease
            session.flush()
            audit.append_decision(session, row, kind="undo", actor=actor.name)
            return decision_info(row, actor.name)

    def override(
        self,
        actor: Actor,
        item_id: int,
        action: Action,
        *,
        reason_note: str,
        labels: Sequence[str] = (),
        reason: str | None = None,
        override_id: str | None = None,
    ) -> DecisionInfo:
        """Replace the item's newest decision by a new one (supervisors).

        The original stays in the history; the override points at it.
        """
        actor.require(Permission.OVERRIDE)
        if not reason_note or not reason_note.strip():
            raise UsageError("an override needs a reason: say why the decision changes")
        if action not in DECISIONS:
            raise UsageError(f"{action.value} is not a decision")
        override_id = _check_uuid(override_id)
        with self.db.write() as session:
            now = self._now(session)
            item = self._locked_item(session, item_id)
            earlier = session.get(Decision, override_id)
            if earlier is not None:
                return self._replayed(session, earlier, actor, item_id)
            original = session.get(Decision, item.current_decision_id) if item.current_decision_id else None
            if original is None:
                raise Conflict(f"item {item_id} has no decision in force to override")
            row = self._record(
                session, item, actor, action, labels, reason, reason_note, override_id, now,
                overrides=original.id, round_=original.round,
            )  # fmt: skip
            audit.append_decision(session, row, kind="override", actor=actor.name)
            return decision_info(row, actor.name)

    def record_exposure(
        self, actor: Actor, item_id: int, *, media_id: int | None, mode: str, started_at: datetime, seconds: float
    ) -> None:
        """Note what ``actor`` saw of ``item_id`` and for how long: "reveal"
        (unblurred), "peek" (lightly blurred) or "view" (a graphic item open
        on screen, which counts against the daily exposure budget)."""
        if mode not in EXPOSURE_MODES:
            raise UsageError(f"unknown exposure mode {mode!r}")
        with self.db.write() as session:
            item = self._locked_item(session, item_id)
            if item.media_withheld and mode != "view":
                raise Conflict(f"item {item_id}'s media is withheld and cannot be revealed")
            session.add(
                Exposure(
                    user_id=actor.id,
                    item_id=item_id,
                    media_id=media_id,
                    mode=mode,
                    started_at=started_at,
                    seconds=max(0.0, seconds),
                )
            )
            audit.append(
                session,
                kind=mode,
                actor=actor.name,
                at=self._now(session),
                item_id=item_id,
                payload={"media_id": media_id, "seconds": round(seconds, 3)},
            )

    # -- reading --------------------------------------------------------

    def queue(self, *, limit: int = 50, escalations: bool = False) -> list[QueueEntry]:
        """Waiting items in review order (claimed ones included)."""
        status = ItemStatus.ESCALATED if escalations else ItemStatus.PENDING
        with self.db.read() as session:
            rows = session.execute(
                select(Item.id, Item.severity, Item.text, Item.status)
                .where(Item.status == status)
                .order_by(Item.priority, Item.received_at, Item.id)
                .limit(limit)
            ).all()
            ids = [r.id for r in rows]
            markers = marker_codes(session, ids)
            media = media_counts(session, ids)
        return [QueueEntry(r.id, r.severity, markers[r.id], r.text, media.get(r.id, 0), r.status) for r in rows]

    def stored_preview(self, media_id: int) -> bytes:
        """The stored, blurred preview of one media file (a JPEG)."""
        with self.db.read() as session:
            media = _shown_media(session, media_id)
            if media.preview is None:
                reason = media.error or "not made yet"
                raise NotFound(f"media {media_id} has no preview: {reason}")
            return media.preview

    def stored_previews(self, media_ids: Sequence[int], *, into: Session | None = None) -> dict[int, bytes]:
        """The stored previews of several media at once (those that have one)."""
        if not media_ids:
            return {}
        with self._reading(into) as session:
            rows = session.execute(
                select(Media.id, Media.preview, Item.media_withheld)
                .join(Item, Item.id == Media.item_id)
                .where(Media.id.in_(media_ids), Media.preview.is_not(None))
            )
            return {media_id: preview for media_id, preview, withheld in rows if preview is not None and not withheld}

    def original_path(self, media_id: int) -> Path:
        """Where the original of a medium is, for a reveal; refused for withheld media."""
        with self.db.read() as session:
            uri = _shown_media(session, media_id).uri
        path = file_uri_path(uri)
        if path is None:
            raise NotFound(f"media {media_id} is not a local file ({uri}); only its preview can be shown")
        if not path.is_file():
            raise NotFound(f"the original of media {media_id} is no longer at {path}")
        return path

    def counts(self) -> dict[str, int]:
        with self.db.read() as session:
            rows = session.execute(select(Item.status, func.count()).group_by(Item.status)).all()
        found = {str(status): int(n) for status, n in rows}
        return {status.value: found.get(status.value, 0) for status in ItemStatus}

    def show(self, item_id: int, *, viewer: Actor | None = None, into: Session | None = None) -> ItemView:
        """One item with its history. With a ``viewer``: blind (see
        :attr:`ItemView.blind`) while they hold an open second review of it,
        and a moderator sees no one else's second reviews. Without one, all."""
        with self._reading(into) as session:
            item = session.get(Item, item_id)
            if item is None:
                raise NotFound(f"no item {item_id}")
            blind = viewer is not None and _second_reviewing(session, viewer, item_id)
            source = session.scalar(select(Source.name).where(Source.id == item.source_id)) or ""
            holder = None
            if item.claimed_by is not None and item.lease_expires_at and item.lease_expires_at > self._now(session):
                holder = session.scalar(select(User.name).where(User.id == item.claimed_by))
            markers = [
                {
                    "code": m.code,
                    "text": m.matched_text,
                    "span": [m.span_start, m.span_end],
                    "rule": m.rule,
                    "severity": m.severity,
                    "kind": m.kind,  # explicit | weak | cue
                    "language": m.language,
                }
                for m in session.scalars(select(Marker).where(Marker.item_id == item_id).order_by(Marker.span_start))
            ]
            media = [
                MediaInfo(
                    m.id,
                    m.uri,
                    m.media_type,
                    m.size_bytes,
                    m.width,
                    m.height,
                    m.preview is not None,
                    m.error,
                    m.frames,
                    m.duration_s,
                    m.codec,
                )
                for m in session.scalars(select(Media).where(Media.item_id == item_id).order_by(Media.id))
            ]
            history = (
                select(Decision, User.name)
                .join(User, User.id == Decision.reviewer_id)
                .where(Decision.item_id == item_id)
                .order_by(Decision.item_seq)
            )
            if viewer is not None and not viewer.may(Permission.AGREEMENT):
                # Knowing who checks whom, and how, would colour a moderator's next calls.
                history = history.where(or_(Decision.round == 1, Decision.reviewer_id == viewer.id))
            decisions = [] if blind else [decision_info(d, name) for d, name in session.execute(history)]
            suggestion = None
            if item.duplicate_of is not None and not blind:
                twin = session.get(Item, item.duplicate_of)
                suggestion = decision_in_force(session, twin) if twin is not None else None
            return ItemView(
                suggestion=suggestion,
                id=item.id,
                source=source,
                external_id=item.external_id,
                text=item.text,
                language=item.language,
                author=item.author,
                author_name=item.author_name,
                published_at=item.published_at,
                received_at=item.received_at,
                severity=item.severity,
                status=item.status,
                claimed_by=None if blind else holder,
                lease_expires_at=item.lease_expires_at if holder and not blind else None,
                media_withheld=item.media_withheld,
                duplicate_of=None if blind else item.duplicate_of,
                markers=markers,
                media=media,
                decisions=decisions,
                blind=blind,
            )

    # -- helpers --------------------------------------------------------

    @contextmanager
    def _writing(self, into: Session | None) -> Iterator[Session]:
        """The caller's transaction when given one (the application layer joins
        several steps into one), else a write transaction of its own."""
        if into is not None:
            yield into
            return
        with self.db.write() as session:
            yield session

    @contextmanager
    def _reading(self, into: Session | None) -> Iterator[Session]:
        if into is not None:
            yield into
            return
        with self.db.read() as session:
            yield session

    def _now(self, session: Session) -> datetime:
        return clock_now(session, self.clock)

    @staticmethod
    def _next_seq(session: Session, item_id: int) -> int:
        last = session.scalar(select(func.max(Decision.item_seq)).where(Decision.item_id == item_id))
        return (last or 0) + 1

    @staticmethod
    def _locked_item(session: Session, item_id: int) -> Item:
        item = session.get(Item, item_id, with_for_update=True)
        if item is None:
            raise NotFound(f"no item {item_id}")
        return item

    @staticmethod
    def _check_holder(session: Session, item: Item, actor: Actor, now: datetime) -> None:
        """Refuse when someone else holds a live lease on ``item``."""
        if item.claimed_by in (None, actor.id):
            return
        if item.lease_expires_at is not None and item.lease_expires_at > now:
            holder = session.scalar(select(User.name).where(User.id == item.claimed_by))
            until = item.lease_expires_at.strftime("%H:%M UTC")
            raise Conflict(f"item {item.id} is held by {holder} until {until}; nothing was saved")

    @staticmethod
    def _check_payload(
        session: Session, action: Action, labels: Sequence[str], reason: str | None
    ) -> tuple[list[str], Any]:
        checked = taxonomy.check_labels(session, list(labels)) if labels else []
        reason_row = None
        if action == Action.APPROVE:
            if checked:
                raise UsageError("approve takes no labels; use warn to approve with warning labels")
            if reason:
                raise UsageError("approve takes no reason")
        elif action == Action.WARN:
            if not checked:
                raise UsageError("warn needs at least one label (--label CODE; see: veil labels list)")
            if reason:
                raise UsageError("warn takes labels, not a reason")
        else:
            reason_row = taxonomy.check_reason(session, action.value, reason)
        return checked, reason_row

    @staticmethod
    def _record(
        session: Session,
        item: Item,
        actor: Actor,
        action: Action,
        labels: Sequence[str],
        reason: str | None,
        note: str | None,
        decision_id: str,
        now: datetime,
        *,
        overrides: str | None = None,
        round_: int = 1,
        moves_item: bool = True,
    ) -> Decision:
        """Check what ``action`` requires, add its row and (unless it is a
        second review's measurement, ``moves_item=False``) move the item on."""
        checked_labels, reason_row = ReviewService._check_payload(session, action, labels, reason)
        if reason_row is not None and reason_row.withholds_media:
            # Safety outranks everything, a blind second review included:
            # suspected CSAM is withheld from everyone at once.
            item.media_withheld = True
        row = Decision(
            id=decision_id,
            item_id=item.id,
            item_seq=ReviewService._next_seq(session, item.id),
            reviewer_id=actor.id,
            action=action,
            labels=checked_labels,
            reason_code=reason,
            note=note or None,
            decided_at=now,
            round=round_,
            status_before=item.status,
            overrides=overrides,
        )
        session.add(row)
        if moves_item:
            item.status = ItemStatus.ESCALATED if action == Action.ESCALATE else ItemStatus.DECIDED
            item.current_decision_id = decision_id
            item.claimed_by = None
            item.lease_expires_at = None
        session.flush()
        return row

    @staticmethod
    def _replayed(session: Session, earlier: Decision, actor: Actor, item_id: int) -> DecisionInfo:
        if earlier.item_id != item_id or earlier.reviewer_id != actor.id:
            raise Conflict(f"decision id {earlier.id} is already used for another decision")
        return decision_info(earlier, actor.name)


def _second_reviewing(session: Session, viewer: Actor, item_id: int) -> bool:
    """Whether ``viewer`` holds an open second review of the item. An expired
    lease still counts: they may be mid-review, and nobody else took it yet."""
    held = select(QaTask.id).where(
        QaTask.item_id == item_id, QaTask.claimed_by == viewer.id, QaTask.second_decision_id.is_(None)
    )
    return session.scalar(held.limit(1)) is not None


def _shown_media(session: Session, media_id: int) -> Media:
    """A medium that may be shown: refused when its item's media are withheld."""
    media = session.get(Media, media_id)
    if media is None:
        raise NotFound(f"no media {media_id}")
    item = session.get(Item, media.item_id)
    if item is not None and item.media_withheld:
        raise PermissionDenied(f"media {media_id} is withheld (suspected CSAM escalation) and never shown")
    return media


def decision_in_force(session: Session, item: Item) -> DecisionInfo | None:
    """The decision that stands on ``item``, with its reviewer's name; None if none does."""
    if item.current_decision_id is None:
        return None
    row = session.execute(
        select(Decision, User.name)
        .join(User, User.id == Decision.reviewer_id)
        .where(Decision.id == item.current_decision_id)
    ).first()
    return decision_info(row[0], row[1]) if row is not None else None


def marker_codes(session: Session, item_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each item's marker codes, once each: the publisher's own first, then cues, in reading order."""
    found: dict[int, list[str]] = {item_id: [] for item_id in item_ids}
    if not item_ids:
        return found
    for item_id, code in session.execute(
        select(Marker.item_id, Marker.code)
        .where(Marker.item_id.in_(item_ids))
        .order_by(case((Marker.kind == "explicit", 0), else_=1), Marker.span_start)
    ):
        if code not in found[item_id]:
            found[item_id].append(code)
    return found


def media_counts(session: Session, item_ids: Sequence[int]) -> dict[int, int]:
    rows = session.execute(
        select(Media.item_id, func.count()).where(Media.item_id.in_(item_ids)).group_by(Media.item_id)
    )
    return {item_id: int(n) for item_id, n in rows}


def apply_suggestion(session: Session, item_id: int, actor: Actor, now: datetime) -> DecisionInfo | None:
    """Give a new item the decision in force on its near-duplicate, in the
    caller's transaction: only when a supervisor's team setting says so,
    recorded in that supervisor's name with a note saying why. Escalations
    and removals for a reason that withholds media are never copied."""
    item = session.get(Item, item_id, with_for_update=True)
    if item is None or item.duplicate_of is None or item.status != ItemStatus.PENDING:
        return None
    twin = session.get(Item, item.duplicate_of)
    source = session.get(Decision, twin.current_decision_id) if twin and twin.current_decision_id else None
    if source is None or source.action not in (Action.APPROVE, Action.WARN, Action.REMOVE) or item.media_withheld:
        return None
    note = f"applied automatically: near-duplicate of item {twin.id if twin else '?'} (team setting near-duplicates)"
    row = ReviewService._record(
        session, item, actor, source.action, list(source.labels), source.reason_code, note, str(uuid.uuid4()), now
    )
    audit.append_decision(session, row, kind="decision", actor=actor.name)
    return decision_info(row, actor.name)


def _check_uuid(value: str | None) -> str:
    if value is None:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise UsageError(f"not a UUID: {value!r}") from None


def decision_info(row: Decision, reviewer: str) -> DecisionInfo:
    return DecisionInfo(
        id=row.id,
        item_id=row.item_id,
        action=row.action,
        labels=list(row.labels),
        reason=row.reason_code,
        note=row.note,
        reviewer=reviewer,
        decided_at=row.decided_at,
        round=row.round,
        overrides=row.overrides,
        undoes=row.undoes,
    )
