"""What supervisors do from the command line: overrides, skips, exports, reports, escalations."""

from __future__ import annotations

import sys
from datetime import UTC
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.cli.output import say
from desktop.domain.reports import format_duration, format_minutes
from desktop.domain.review import parse_action

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from datetime import datetime

    from desktop.cli.context import Context
    from desktop.domain.reports import AgreementFigure, Report


def override(args: argparse.Namespace, ctx: Context) -> int:
    supervision = ctx.signed_in().supervision
    decision = supervision.override(
        args.item_id,
        parse_action(args.action),
        why=args.reason,
        labels=args.label,
        reason=args.reason_code,
        override_id=args.id,
    ).value
    ctx.emit(decision.as_dict(), lambda: say(f"item {decision.item_id}: overridden with {decision.action.value}"))
    return 0


def skips_clear(args: argparse.Namespace, ctx: Context) -> int:
    n = ctx.signed_in().supervision.clear_skips(item_id=args.item, user=args.user).value
    ctx.emit({"cleared": n}, lambda: say(f"{n} skip(s) cleared"))
    return 0


def export(args: argparse.Namespace, ctx: Context) -> int:
    supervision = ctx.signed_in().supervision
    if args.output:
        count = supervision.export_decisions(Path(args.output), fmt=args.format, since=args.since, until=args.until)
        say(f"{count} decision rows written to {args.output}")
    else:
        supervision.export_decisions(sys.stdout, fmt=args.format, since=args.since, until=args.until)
    return 0


def report(args: argparse.Namespace, ctx: Context) -> int:
    supervision = ctx.signed_in().supervision
    if args.pdf:
        # The figures and the chain they name are read in one snapshot; a broken chain gets no report.
        target = Path(args.pdf)
        found = supervision.report_pdf(target, since=args.since, until=args.until).report
        say(f"report written to {target} (audit chain: {found.audit_events} events, head {found.audit_head_hash})")
        if args.json:
            ctx.emit({**found.as_dict(), "pdf": str(target)}, lambda: None)
        return 0
    found = supervision.report(since=args.since, until=args.until)
    ctx.emit(found.as_dict(), partial(_print_report, found))
    return 0


def _print_report(found: Report) -> None:
    def when(value: datetime | None) -> str:
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "the beginning"

    def table(title: str, rows: Sequence[tuple[str, ...]]) -> None:
        print()
        print(title)
        if not rows:
            print("  (none)")
            return
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            # Figures right-aligned, names left: columns of numbers read down.
            cells = (c.rjust(w) if c[:1].isdigit() else c.ljust(w) for c, w in zip(row, widths, strict=True))
            print(("  " + "  ".join(cells)).rstrip())

    ttd = found.time_to_decision_s
    print(f"Veil report, {when(found.start)} to {when(found.end)}")
    print(f"  decisions          {found.decisions}")
    print(f"  overrides          {found.overrides}")
    print(f"  escalations        {found.escalations_open} open, {found.escalations_resolved} resolved")
    print(f"  time to decision   median {format_duration(ttd.median)}, p90 {format_duration(ttd.p90)} ({ttd.n} items)")
    table("by action", [(action, str(n)) for action, n in found.by_action.items()])
    table("by label", [(code, found.label_names.get(code, code), str(n)) for code, n in found.by_label.items()])
    table("by reviewer", [(name, str(n)) for name, n in found.by_moderator.items()])
    table("decisions per day (UTC)", [(day, str(n)) for day, n in found.decisions_per_day.items()])
    hours = [(f"{hour}:00", str(n)) for hour, n in found.decisions_per_hour.items() if n]
    table("decisions per hour of the day (UTC)", hours)
    table("queue depth at the end of each day", [(day, str(n)) for day, n in found.queue_depth.items()])
    minutes = format_minutes
    exposure = [
        (name, day, minutes(e.exposure_s), minutes(e.graphic_s), str(e.graphic_items))
        for name, days in found.exposure_by_moderator_day.items()
        for day, e in days.items()
    ]
    table("exposure per reviewer per day (unblurred, graphic items open, graphic items)", exposure)
    agreement = found.agreement
    if agreement.measured:
        figures = [("overall", agreement.overall), *agreement.by_moderator.items()]
        figures += [(f"label {code}", figure) for code, figure in agreement.by_label.items()]
        table("agreement with blind second review (n, percent, kappa)", [_agreement_row(*f) for f in figures])
    else:
        print()
        print("agreement: no blind second reviews of decisions in this range")
    print()
    print(f"audit chain: {found.audit_events} events, head {found.audit_head_hash}")


def _agreement_row(name: str, figure: AgreementFigure) -> tuple[str, str, str, str]:
    return (
        name,
        str(figure.n) if figure.n is not None else "-",
        f"{figure.percent:.1f}%" if figure.percent is not None else "-",
        f"{figure.kappa:.2f}" if figure.kappa is not None else "-",
    )


def escalations(args: argparse.Namespace, ctx: Context) -> int:
    found = ctx.signed_in().supervision.escalations()

    def human() -> None:
        if not found:
            say("no open escalations")
        for e in found:
            held = f"  (held by {e.held_by})" if e.held_by else ""
            print(
                f"{e.item_id:>8}  S{e.severity}  {e.escalated_at.strftime('%Y-%m-%d %H:%M')}  by {e.escalated_by}  "
                f"{e.reason or '-'}{held}"
            )
            if e.note:
                print(f"          note: {e.note}")
            print(f"          {' '.join(e.text.split())[:100]}")

    ctx.emit([e.as_dict() for e in found], human)
    return 0
