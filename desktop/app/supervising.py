"""What supervisors do beyond reviewing: overrides, escalations, skips, reports, exports, feedback."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.supervision import decision_log, export, reports
from desktop.domain.changes import Outcome, of_items
from desktop.domain.errors import IntegrityFailure

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from datetime import datetime
    from typing import Any, TextIO

    from desktop.app.context import Context
    from desktop.domain.audit import OverrideContext, OverrideNotice, Verification
    from desktop.domain.reports import OpenEscalation, Report
    from desktop.domain.review import Action, DecisionInfo


PDF_TITLE = "Veil — moderation report"


@dataclass(frozen=True)
class ReportPdf:
    report: Report
    chain: Verification
    pages: int


class Supervising:
    def __init__(self, context: Context) -> None:
        self._c = context

    def override(
        self,
        item_id: int,
        action: Action,
        *,
        why: str,
        labels: Sequence[str] = (),
        reason: str | None = None,
        override_id: str | None = None,
    ) -> Outcome[DecisionInfo]:
        """Replace an item's decision in force; the original stays in the history (supervisors)."""
        info = self._c.review.override(
            self._c.who(), item_id, action, reason_note=why, labels=labels, reason=reason, override_id=override_id
        )
        return Outcome(info, of_items(item_id, queue=True))

    def override_context(self, item_id: int) -> OverrideContext:
        """What an override dialog shows: the decision in force and the item's history."""
        return decision_log.override_context(self._c.db, self._c.who(), item_id)

    def overrides_of_mine(self, *, since: datetime | None = None) -> list[OverrideNotice]:
        """The signed-in person's decisions that a supervisor overrode, with why."""
        return decision_log.overrides_of(self._c.db, self._c.who(), since=since)

    def escalations(self) -> list[OpenEscalation]:
        """Open escalations, longest waiting first (supervisors)."""
        return reports.open_escalations(self._c.db, self._c.who(), clock=self._c.clock)

    def clear_skips(self, *, item_id: int | None = None, user: str | None = None) -> Outcome[int]:
        """Offer skipped items again to those who skipped them (supervisors)."""
        n = self._c.review.clear_skips(self._c.who(), item_id=item_id, user=user)
        return Outcome(n, of_items(item_id, queue=True))

    def report(self, *, since: datetime | None = None, until: datetime | None = None) -> Report:
        """The figures for decisions made in [since, until) (supervisors)."""
        return reports.report(self._c.db, self._c.who(), since=since, until=until, clock=self._c.clock)

    def verified_report(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> tuple[Report, Verification]:
        """The report and the verification of the chain it names, read in one
        snapshot, for a PDF to print; a broken chain gets no report."""
        found, chain = reports.verified_report(self._c.db, self._c.who(), since=since, until=until, clock=self._c.clock)
        assert chain is not None
        if not chain.ok:
            raise IntegrityFailure(
                f"audit chain BROKEN at event {chain.broken_id}: {chain.problem}; no report printed over it"
            )
        return found, chain

    def report_pdf(
        self, target: Path, *, since: datetime | None = None, until: datetime | None = None, title: str = PDF_TITLE
    ) -> ReportPdf:
        """The report as an A4 PDF that prints the head hash of the chain its
        figures were counted under, verified in the same snapshot (supervisors)."""
        from desktop.core.supervision.report_pdf import write_pdf  # fpdf2 loads only for a PDF

        found, chain = self.verified_report(since=since, until=until)
        pages = write_pdf(found, target, head_hash=chain.head_hash, title=title)
        return ReportPdf(found, chain, pages)

    def decision_rows(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[dict[str, Any]]:
        """One export row per decision event (supervisors); :mod:`desktop.core.supervision.export` writes them."""
        return export.decision_rows(self._c.db, self._c.who(), since=since, until=until)

    def export_decisions(
        self,
        out: TextIO | Path,
        *,
        fmt: str = "jsonl",
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> int:
        """Write one row per decision event as JSONL or CSV (supervisors) to a
        stream, or to a file created (or replaced) only once the role is
        checked; returns how many rows were written."""
        rows = self.decision_rows(since=since, until=until)
        writer = export.write_csv if fmt == "csv" else export.write_jsonl
        if isinstance(out, Path):
            with out.open("w", encoding="utf-8", newline="") as file:
                return writer(rows, file)
        return writer(rows, out)
