"""The review service: each step of the review as one transaction, over one open database.

Every write changes the item, adds its event row and appends to the audit
chain together, so a crash leaves either all of it or none. A step given
the caller's session (``into=``) joins that transaction instead: the
application layer makes one key press one transaction that way. Steps
return plain dataclasses, never ORM objects, so the window can call them on
a worker thread. The rules themselves are in :mod:`.claims`,
:mod:`.decisions`, :mod:`.items` and :mod:`.listing`; the service holds the
clock, the lease and the undo grace period.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

from desktop.core.clock import is_wall_clock
from desktop.core.clock import now as clock_now
from desktop.core.review import claims, decisions, items, listing
from desktop.core.review.claims import DEFAULT_LEASE
from desktop.core.review.decisions import DEFAULT_UNDO_GRACE
from desktop.core.transactions import reading, writing
from desktop.domain.clock import Clock, system_clock

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime, timedelta
    from pathlib import Path

    from sqlalchemy.orm import Session

    from db.session import Database
    from desktop.domain.people import Actor
    from desktop.domain.review import Action, Claim, DecisionInfo, ItemView, QueueEntry


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
        """Hold the next free item in review order (:func:`.claims.claim_next`)."""
        with writing(self.db, into) as session:
            return claims.claim_next(session, actor, self._now(session), lease=self.lease, escalations=escalations)

    def claim(self, actor: Actor, item_id: int, *, into: Session | None = None) -> Claim:
        """Hold the item the reviewer picked from the list (:func:`.claims.claim`)."""
        with writing(self.db, into) as session:
            return claims.claim(session, actor, item_id, self._now(session), lease=self.lease)

    def renew(self, actor: Actor, item_id: int) -> Claim:
        with self.db.write() as session:
            return claims.renew(session, actor, item_id, self._now(session), lease=self.lease)

    def release(self, actor: Actor, item_id: int, *, into: Session | None = None) -> None:
        with writing(self.db, into) as session:
            claims.release(session, actor, item_id, self._now(session))

    def skip(self, actor: Actor, item_id: int, *, into: Session | None = None) -> None:
        with writing(self.db, into) as session:
            claims.skip(session, actor, item_id, self._now(session))

    def clear_skips(self, actor: Actor, *, item_id: int | None = None, user: str | None = None) -> int:
        with self.db.write() as session:
            return claims.clear_skips(session, actor, self._now(session), item_id=item_id, user=user)

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
        """Record a decision on an item (:func:`.decisions.decide`); a repeat with the same id is a no-op."""
        with writing(self.db, into) as session:
            return decisions.decide(
                session, actor, item_id, action, self._now(session),
                labels=labels, reason=reason, note=note, decision_id=decision_id,
            )  # fmt: skip

    def approve_many(self, actor: Actor, approvals: Sequence[tuple[int, str]]) -> list[DecisionInfo]:
        """Approve several quiet items at once, all or none (:func:`.decisions.approve_many`)."""
        if not approvals:
            return []
        with self.db.write() as session:
            return decisions.approve_many(session, actor, approvals, self._now(session))

    def undo_last(self, actor: Actor, *, into: Session | None = None) -> DecisionInfo:
        """Withdraw the reviewer's own newest decision, within the grace period (:func:`.decisions.undo_last`)."""
        with writing(self.db, into) as session:
            return decisions.undo_last(session, actor, self._now(session), lease=self.lease, undo_grace=self.undo_grace)

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
        """Replace the item's decision in force by a new one (supervisors; :func:`.decisions.override`)."""
        with self.db.write() as session:
            return decisions.override(
                session, actor, item_id, action, self._now(session),
                reason_note=reason_note, labels=labels, reason=reason, override_id=override_id,
            )  # fmt: skip

    # -- what an item shows -----------------------------------------------

    def show(self, item_id: int, *, viewer: Actor | None = None, into: Session | None = None) -> ItemView:
        """One item with its history, as ``viewer`` may see it (:func:`.items.show`)."""
        with reading(self.db, into) as session:
            return items.show(session, item_id, self._now(session), viewer=viewer)

    def stored_preview(self, media_id: int) -> bytes:
        with self.db.read() as session:
            return items.stored_preview(session, media_id)

    def stored_previews(self, media_ids: Sequence[int], *, into: Session | None = None) -> dict[int, bytes]:
        if not media_ids:
            return {}
        with reading(self.db, into) as session:
            return items.stored_previews(session, media_ids)

    def original_path(self, media_id: int) -> Path:
        """Where the original of a medium is, for a reveal; refused for withheld media.
        A sealed store copy is only readable through :meth:`open_original`."""
        with self.db.read() as session:
            uri = items.original_uri(session, media_id)
        return items.original_path(media_id, uri)

    def open_original(self, media_id: int) -> BinaryIO:
        """The original's bytes for a reveal, unsealed as they are read
        (:func:`.items.open_original`); refused for withheld media. The caller closes it."""
        with self.db.read() as session:
            uri, key = items.original_source(session, media_id)
        return items.open_original(media_id, uri, key)

    def record_exposure(
        self,
        actor: Actor,
        item_id: int,
        *,
        media_id: int | None,
        mode: str,
        started_at: datetime,
        seconds: float,
        client_id: str | None = None,
    ) -> bool:
        """Note what ``actor`` saw of ``item_id`` and for how long (:func:`.items.record_exposure`)."""
        with self.db.write() as session:
            return items.record_exposure(
                session, actor, item_id, self._now(session),
                media_id=media_id, mode=mode, started_at=started_at, seconds=seconds, client_id=client_id,
            )  # fmt: skip

    # -- the queue ------------------------------------------------------

    def queue(self, *, limit: int = 50, escalations: bool = False) -> list[QueueEntry]:
        """Waiting items in review order, claimed ones included (:func:`.listing.entries`)."""
        return listing.entries(self.db, limit=limit, escalations=escalations, clock=self.clock)

    def counts(self) -> dict[str, int]:
        return listing.counts(self.db)

    def _now(self, session: Session) -> datetime:
        if not is_wall_clock(self.clock) or session.get_bind().dialect.name != "postgresql":
            return clock_now(session, self.clock)
        # The server's now() is the time its transaction began: the same for
        # every step of a transaction, so it is asked once (a round trip less
        # when a decision and the next claim share one).
        transaction = session.get_transaction()
        asked = session.info.get(_NOW)
        if asked is not None and asked[0] is transaction:
            return asked[1]  # type: ignore[no-any-return]
        server_now = clock_now(session, self.clock)
        session.info[_NOW] = (transaction, server_now)
        return server_now


_NOW = "veil_transaction_now"
