"""``veil qa``: blind second review of sampled decisions, and the agreement it measures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.cli.output import print_item, say
from desktop.domain.qa import parse_rate

if TYPE_CHECKING:
    import argparse

    from desktop.cli.context import Context
    from desktop.domain import agreement as measures


def sample(args: argparse.Namespace, ctx: Context) -> int:
    veil = ctx.signed_in()
    result = veil.second_review.sample(
        parse_rate(args.rate),
        moderator=args.moderator,
        seed=args.seed,
        since=args.since,
        until=args.until,
        dry_run=args.dry_run,
    ).value

    def human() -> None:
        for s in result.strata:
            print(f"{s.moderator:<24} {s.action:<9} {s.sampled:>6} of {s.candidates}")
        verb = "would be sampled (dry run)" if result.dry_run else "sampled for second review"
        say(f"{len(result.sampled)} decision(s) {verb}; rate {result.rate:g}, seed {result.seed}")

    ctx.emit(result.as_dict(), human)
    return 0


def next_review(args: argparse.Namespace, ctx: Context) -> int:
    claim = ctx.signed_in().second_review.next().value
    if claim is None:
        ctx.emit(None, lambda: say("no second review is waiting for you"))
        return 0

    def human() -> None:
        print_item(claim.item)
        until = claim.lease_expires_at.isoformat(timespec="seconds")
        say(f"second review held until {until}; record it with: veil decide {claim.item_id} --qa --action ...")

    ctx.emit(claim.as_dict(), human)
    return 0


def _measure(a: measures.Agreement) -> str:
    if a.percent is None or a.kappa is None or a.expected is None:
        return f"n={a.n:<5} no pairs"
    return f"n={a.n:<5} agreement {a.percent:5.1f}%  kappa {a.kappa:+.3f}  (chance {100 * a.expected:.1f}%)"


def agreement(args: argparse.Namespace, ctx: Context) -> int:
    report = ctx.signed_in().second_review.agreement(since=args.since, until=args.until)

    def human() -> None:
        print(f"overall        {_measure(report.overall)}")
        print("\nby moderator")
        for name, found in report.by_moderator.items():
            print(f"  {name:<24} {_measure(found)}")
        print("\nby label (present or absent)")
        for label, found in report.by_label.items():
            print(f"  {label:<24} {_measure(found)}")
        table = report.confusion
        print("\nactions: rows first decision, columns second")
        print(" " * 12 + "".join(f"{c:>10}" for c in table.categories))
        for category, row in zip(table.categories, table.counts, strict=True):
            print(f"{category:<12}" + "".join(f"{n:>10}" for n in row))
        print(f"\ndisagreements ({len(report.disagreements)})")
        for p in report.disagreements:
            first, second = p.first, p.second
            print(
                f"  item {p.item_id}: {first.reviewer} {first.action} [{','.join(first.labels)}]"
                f" / {second.reviewer} {second.action} [{','.join(second.labels)}]"
            )
            for who, note in ((first.reviewer, first.note), (second.reviewer, second.note)):
                if note:
                    print(f"      {who}: {note}")

    ctx.emit(report.as_dict(), human)
    return 0
