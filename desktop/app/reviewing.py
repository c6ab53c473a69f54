"""Reviewing: the queue, claims, decisions, undo, skips, what an item shows, exposure.

One key press is one transaction: :meth:`Reviewing.decide_and_next` records
the decision (a first one or a blind second review's), claims the next item
(in the pending queue: the one the window held and read ahead), holds the
one after it (:meth:`Reviewing.hold_ahead`) and, unless it was read ahead,
reads the next item with its previews before it commits, so the decision is
on disk before the next item shows and the window waits on one round trip.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, BinaryIO

from desktop.app.stages import STAGES
from desktop.core.clock import now as clock_now
from desktop.core.review import items, listing
from desktop.core.supervision import qa
from desktop.domain.changes import Changes, Outcome, of_items
from desktop.domain.errors import Conflict, NotFound, PermissionDenied, UsageError
from desktop.domain.review import Action, ItemStatus, Next, PendingExposure, Replayed, Shown

if TYPE_CHECKING:
    from array import array
    from collections.abc import Collection, Sequence
    from datetime import datetime

    from sqlalchemy.orm import Session

    from desktop.app.context import Context
    from desktop.app.outbox import Outbox
    from desktop.domain.queue import Facets, QueueFilter, QueueRow
    from desktop.domain.review import Claim, DecisionInfo, ItemView, PendingDecision, QueueEntry


# The refusals that mean the world moved on and there is nothing left to do;
# a database error is none of them.
NOTHING_LEFT = (Conflict, NotFound, PermissionDenied, UsageError)


class Reviewing:
    def __init__(self, context: Context) -> None:
        self._c = context

    # -- moving between items ------------------------------------------------

    def next(self, *, escalations: bool = False, ahead: Collection[int] = ()) -> Outcome[Next]:
        """Hold the next free item in review order (of the escalations, for
        supervisors) and read it, unless its id is in ``ahead`` (read already)."""
        actor = self._c.who()
        with self._c.db.write() as session:
            got = self._c.review.claim_next(actor, escalations=escalations, into=session)
            found = self._next(session, got, ahead)
        return Outcome(found, of_items(got.item_id if got else None, history=got is not None))

    def pick(self, item_id: int, *, ahead: Collection[int] = ()) -> Outcome[Next]:
        """Hold the item the reviewer chose from the list (giving back any other they hold)."""
        actor = self._c.who()
        with self._c.db.write() as session:
            got = self._c.review.claim(actor, item_id, into=session)
            found = self._next(session, got, ahead)
        return Outcome(found, of_items(item_id))

    def switch_queue(self, give_back: int | None, *, escalations: bool, ahead: Collection[int] = ()) -> Outcome[Next]:
        """Leave one queue for the other: give back the item held (if still
        ours) and hold the first of the other queue."""
        actor = self._c.who()
        with self._c.db.write() as session:
            if give_back is not None:
                self._release_if_held(session, give_back)
            got = self._c.review.claim_next(actor, escalations=escalations, into=session)
            found = self._next(session, got, ahead)
        return Outcome(found, of_items(give_back, got.item_id if got else None))

    def skip_and_next(self, item_id: int, *, escalations: bool = False, ahead: Collection[int] = ()) -> Outcome[Next]:
        """Pass an item on (never offered to this reviewer again) and hold the next."""
        actor = self._c.who()
        with self._c.db.write() as session:
            self._c.review.skip(actor, item_id, into=session)
            got = self._c.review.claim_next(actor, escalations=escalations, into=session)
            found = self._next(session, got, ahead)
        return Outcome(found, of_items(item_id, got.item_id if got else None, queue=True))

    def hold_ahead(self, shown: int | None) -> Outcome[int | None]:
        """Hold the pending item the reviewer will see after ``shown`` (one
        they hold already, else the next free one), so the window can read it
        ahead and nobody else is shown it; None when none is free. Given back
        with :meth:`release_if_held` when the window closes or leaves the queue."""
        with self._c.db.write() as session:
            held = self._hold_ahead(session, shown)
        return Outcome(held, of_items(held))

    def _hold_ahead(self, session: Session, shown: int | None) -> int | None:
        now = clock_now(session, self._c.clock)
        return items.hold_ahead(session, self._c.who(), shown, now, lease=self._c.review.lease)

    def claim_next(self, *, escalations: bool = False) -> Outcome[Claim | None]:
        """Hold the next free item without reading it (the command line prints its id)."""
        got = self._c.review.claim_next(self._c.who(), escalations=escalations)
        return Outcome(got, of_items(got.item_id if got else None))

    def release(self, item_id: int) -> Outcome[None]:
        self._c.review.release(self._c.who(), item_id)
        return Outcome(None, of_items(item_id))

    def release_if_held(self, item_id: int) -> Outcome[None]:
        """Give an item back if it is still ours (closing the window, leaving a queue)."""
        with self._c.db.write() as session:
            self._release_if_held(session, item_id)
        return Outcome(None, of_items(item_id))

    def _release_if_held(self, session: Session, item_id: int) -> None:
        # Not ours any more (the lease ran out and someone took it): nothing to give back.
        # release() refuses before it changes anything, so the transaction goes on.
        with contextlib.suppress(*NOTHING_LEFT):
            self._c.review.release(self._c.who(), item_id, into=session)

    def skip(self, item_id: int) -> Outcome[None]:
        self._c.review.skip(self._c.who(), item_id)
        return Outcome(None, of_items(item_id, queue=True))

    def renew(self, item_id: int) -> Claim:
        """Extend the lease on the item held (not audited: no change of hands)."""
        return self._c.review.renew(self._c.who(), item_id)

    # -- deciding ----------------------------------------------------------

    def decide(self, pending: PendingDecision) -> Outcome[DecisionInfo]:
        """Record a decision, or a blind second review's, as ``pending`` says.
        A repeat with the same decision id is harmless."""
        with self._c.db.write() as session:
            info = self._decide(session, pending)
        return Outcome(info, of_items(pending.item_id, queue=not pending.second_review))

    def decide_and_next(
        self,
        pending: PendingDecision,
        *,
        escalations: bool = False,
        ahead: Collection[int] = (),
        hold_ahead: bool = False,
    ) -> Outcome[tuple[DecisionInfo, Next]]:
        """Record the decision, then hold and read the next item (the next
        second review, after one): one transaction. With ``hold_ahead``
        (the pending queue), the item after that one is held too
        (:meth:`hold_ahead`), in the same transaction."""
        actor = self._c.who()
        held = None
        STAGES.mark("tx_begun")
        with self._c.db.write() as session:
            info = self._decide(session, pending)
            if pending.second_review:
                task = qa.claim_next(self._c.db, actor, clock=self._c.clock, lease=self._c.review.lease, into=session)
                STAGES.mark("written")
                found = Next(None, Shown(task.item, self._previews(session, task.item)) if task else None)
                moved = task.item_id if task else None
            else:
                got = self._c.review.claim_next(actor, escalations=escalations, into=session)
                held = self._hold_ahead(session, got.item_id) if got and hold_ahead and not escalations else None
                STAGES.mark("written")
                found = replace(self._next(session, got, ahead), ahead=held)
                moved = got.item_id if got else None
            STAGES.mark("read")
        STAGES.mark("committed")
        return Outcome((info, found), of_items(pending.item_id, moved, held, queue=not pending.second_review))

    def replay(self, outbox: Outbox) -> Outcome[Replayed]:
        """Send what could not be saved when it was made: the signed-in
        person's pending decisions and exposure on this database, in the
        order they were kept, each once (each carries its id, so a replay cut
        short and begun again saves nothing twice). Those with nothing left to
        save (an item taken or decided meanwhile) are dropped. How many
        decisions and exposure records were sent."""
        actor = self._c.who()
        sent = seen = 0
        items: set[int] = set()
        for pending in outbox.pending(database=self._c.where(), reviewer=actor.name):
            # Nothing left to save: dropped. Anything else (the database
            # unreachable, read-only, not Veil's) ends the replay and keeps
            # this one and those after it in the outbox, in order.
            with contextlib.suppress(*NOTHING_LEFT):
                if isinstance(pending, PendingExposure):
                    self.keep_exposure(pending)
                else:
                    self.decide(pending)
            outbox.remove(pending.key)
            items.add(pending.item_id)
            if isinstance(pending, PendingExposure):
                seen += 1
            else:
                sent += 1
        decided = sent > 0
        changes = Changes(items=frozenset(items), queue=decided, history=bool(items), care=bool(seen) or decided)
        return Outcome(Replayed(decisions=sent, exposures=seen), changes)

    def _decide(self, session: Session, pending: PendingDecision) -> DecisionInfo:
        actor, action = self._c.who(), Action(pending.action)
        payload = {"labels": pending.labels, "reason": pending.reason, "note": pending.note}
        if pending.second_review:
            return qa.decide(
                self._c.db, actor, pending.item_id, action, clock=self._c.clock,
                decision_id=pending.decision_id, into=session, **payload,  # type: ignore[arg-type]
            )  # fmt: skip
        return self._c.review.decide(
            actor,
            pending.item_id,
            action,
            decision_id=pending.decision_id,
            into=session,
            **payload,  # type: ignore[arg-type]
        )

    def undo(self) -> Outcome[tuple[DecisionInfo, Shown]]:
        """Withdraw the reviewer's own last decision (within the grace
        period): the item is theirs again, and shown."""
        actor = self._c.who()
        with self._c.db.write() as session:
            undone = self._c.review.undo_last(actor, into=session)
            self._c.review.claim(actor, undone.item_id, into=session)
            shown = self._read(session, undone.item_id)
        return Outcome((undone, shown), of_items(undone.item_id, queue=True))

    def undo_last(self) -> Outcome[DecisionInfo]:
        """:meth:`undo` without reading the item (the command line)."""
        undone = self._c.review.undo_last(self._c.who())
        return Outcome(undone, of_items(undone.item_id, queue=True))

    def approve_quiet(self, item_ids: Sequence[int]) -> Outcome[list[DecisionInfo]]:
        """Approve several quiet items at once (no media, markers or severity); all or none."""
        infos = self._c.review.approve_many(self._c.who(), [(i, str(uuid.uuid4())) for i in item_ids])
        return Outcome(infos, of_items(*item_ids, queue=True))

    # -- reading -----------------------------------------------------------

    def queue(self, *, limit: int = 50, escalations: bool = False) -> list[QueueEntry]:
        """The first waiting items in review order (the command line's short list)."""
        return self._c.review.queue(limit=limit, escalations=escalations)

    def queue_ids(self, query: QueueFilter) -> array[int]:
        """The window's list: the id of every item matching ``query``, in review order."""
        return listing.ordered_ids(self._c.db, query)

    def queue_rows(self, item_ids: Sequence[int]) -> list[QueueRow]:
        """The window's list's rows of ``item_ids`` (those coming into sight), in review order."""
        return listing.rows(self._c.db, item_ids, clock=self._c.clock)

    def count(self, status: ItemStatus = ItemStatus.PENDING) -> int:
        return listing.count(self._c.db, status)

    def facets(self) -> Facets:
        """What the list's filters can offer: the sources, languages, markers and labels present."""
        return listing.facets(self._c.db)

    def show(self, item_id: int) -> ItemView:
        """One item with its history, as the signed-in person may see it
        (blind while they second-review it); with nobody signed in, all of it."""
        return self._c.review.show(item_id, viewer=self._c.actor)

    def read(self, item_id: int) -> Shown:
        """An item and its stored previews, for showing (read-ahead, decided items)."""
        with self._c.db.read() as session:
            return self._read(session, item_id)

    def preview(self, media_id: int) -> bytes:
        """The stored, blurred preview of one medium (a JPEG)."""
        return self._c.review.stored_preview(media_id)

    def original(self, media_id: int) -> BinaryIO:
        """A medium's original opened for a reveal (a sealed store copy is
        unsealed as it is read); refused for withheld media, and for sealed
        media whose key the database does not release to this person. The
        caller closes it (``with veil.review.original(m) as stream: ...``)."""
        return self._c.review.open_original(media_id)

    def record_exposure(
        self,
        item_id: int,
        *,
        media_id: int | None,
        mode: str,
        started_at: datetime,
        seconds: float,
        exposure_id: str | None = None,
    ) -> Outcome[None]:
        """What the person saw of an item and for how long ("reveal", "peek"
        or "view"). With an ``exposure_id``, a repeat saves nothing."""
        self._c.review.record_exposure(
            self._c.who(), item_id, media_id=media_id, mode=mode, started_at=started_at, seconds=seconds,
            client_id=exposure_id,
        )  # fmt: skip
        return Outcome(None, Changes(care=True, history=True))

    def keep_exposure(self, exposure: PendingExposure) -> Outcome[None]:
        """Record an exposure measured earlier (kept in the outbox), once."""
        return self.record_exposure(
            exposure.item_id, media_id=exposure.media_id, mode=exposure.mode, started_at=exposure.started_at,
            seconds=exposure.seconds, exposure_id=exposure.exposure_id,
        )  # fmt: skip

    # -- helpers -------------------------------------------------------------

    def _next(self, session: Session, got: Claim | None, ahead: Collection[int]) -> Next:
        if got is None:
            return Next()
        return Next(got, None if got.item_id in ahead else self._read(session, got.item_id))

    def _read(self, session: Session, item_id: int) -> Shown:
        view = self._c.review.show(item_id, viewer=self._c.actor, into=session)
        return Shown(view, self._previews(session, view))

    def _previews(self, session: Session, view: ItemView) -> dict[int, bytes]:
        if view.media_withheld:
            return {}
        return self._c.review.stored_previews([m.id for m in view.media if m.has_preview], into=session)
