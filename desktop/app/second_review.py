"""Blind second review: sampling decisions, holding the next review, agreement.

A second review is recorded through :meth:`Reviewing.decide` (a pending
decision with ``second_review`` set), so the window's and the command
line's decisions take one path whatever their round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.core.supervision import qa
from desktop.domain.changes import Changes, Outcome, of_items
from desktop.domain.review import Shown

if TYPE_CHECKING:
    from datetime import datetime

    from desktop.app.context import Context
    from desktop.domain.qa import AgreementReport, QaClaim, SampleResult


class SecondReview:
    def __init__(self, context: Context) -> None:
        self._c = context

    def sample(
        self,
        rate: float,
        *,
        moderator: str | None = None,
        seed: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        dry_run: bool = False,
    ) -> Outcome[SampleResult]:
        """Send a share of each moderator's decisions, by action, to blind second review (supervisors)."""
        result = qa.sample(
            self._c.db, self._c.who(), rate=rate, clock=self._c.clock, moderator=moderator, seed=seed,
            since=since, until=until, dry_run=dry_run,
        )  # fmt: skip
        return Outcome(result, Changes(history=not dry_run))

    def next(self) -> Outcome[QaClaim | None]:
        """Hold the next second review waiting for the signed-in person; the item comes blind."""
        claim = qa.claim_next(self._c.db, self._c.who(), clock=self._c.clock, lease=self._c.review.lease)
        return Outcome(claim, of_items(claim.item_id if claim else None))

    def next_shown(self) -> Outcome[Shown | None]:
        """:meth:`next`, with the item's previews, for the window (one transaction)."""
        with self._c.db.write() as session:
            claim = qa.claim_next(
                self._c.db, self._c.who(), clock=self._c.clock, lease=self._c.review.lease, into=session
            )
            if claim is None:
                return Outcome(None)
            media = [m.id for m in claim.item.media if m.has_preview and not claim.item.media_withheld]
            shown = Shown(claim.item, self._c.review.stored_previews(media, into=session))
        return Outcome(shown, of_items(claim.item_id))

    def agreement(self, *, since: datetime | None = None, until: datetime | None = None) -> AgreementReport:
        """Agreement between first and second decisions (supervisors)."""
        return qa.agreement(self._c.db, self._c.who(), since=since, until=until)
