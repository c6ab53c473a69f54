"""Reviewing: the queue, one item, its previews, claims, skips, decisions, undo."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.cli.output import print_item, say
from desktop.domain.review import PendingDecision, parse_action

if TYPE_CHECKING:
    import argparse

    from desktop.cli.context import Context


def queue(args: argparse.Namespace, ctx: Context) -> int:
    entries = ctx.veil.review.queue(limit=args.limit, escalations=args.escalations)

    def human() -> None:
        if not entries:
            say("the queue is empty")
        for e in entries:
            text = " ".join(e.text.split())
            marks = ",".join(e.markers)
            print(f"{e.id:>8}  S{e.severity}  {marks:<12.12}  media:{e.media}  {text[:70]}")

    ctx.emit([e.as_dict() for e in entries], human)
    return 0


def show(args: argparse.Namespace, ctx: Context) -> int:
    # A named user sees what they may: nothing of the first decision while
    # they second-review the item, and as a moderator no one else's second
    # reviews. With no user configured, the whole history, as before.
    veil = ctx.signed_in() if ctx.settings.values.user else ctx.veil
    view = veil.review.show(args.item_id)

    def human() -> None:
        print_item(view)
        for d in view.decisions:
            extra = f" labels:{','.join(d.labels)}" if d.labels else ""
            extra += f" reason:{d.reason}" if d.reason else ""
            print(f"{d.decided_at.isoformat(timespec='seconds')}  {d.reviewer}: {d.action.value}{extra}")

    ctx.emit(view.as_dict(), human)
    return 0


def preview(args: argparse.Namespace, ctx: Context) -> int:
    jpeg = ctx.veil.review.preview(args.media_id)
    target = Path(args.output)
    target.write_bytes(jpeg)
    ctx.emit(
        {"media_id": args.media_id, "file": str(target), "bytes": len(jpeg)},
        lambda: say(f"preview written to {target}"),
    )
    return 0


def claim(args: argparse.Namespace, ctx: Context) -> int:
    held = ctx.signed_in().review.claim_next(escalations=args.escalations).value
    if held is None:
        ctx.emit(None, lambda: say("nothing to claim: the queue is empty"))
        return 0
    data = {
        "item_id": held.item_id,
        "lease_expires_at": held.lease_expires_at.isoformat(),
        "resumed": held.resumed,
    }
    ctx.emit(data, lambda: print(held.item_id))
    return 0


def release(args: argparse.Namespace, ctx: Context) -> int:
    ctx.signed_in().review.release(args.item_id)
    ctx.emit({"released": args.item_id}, lambda: say(f"item {args.item_id} released"))
    return 0


def skip(args: argparse.Namespace, ctx: Context) -> int:
    ctx.signed_in().review.skip(args.item_id)
    ctx.emit({"skipped": args.item_id}, lambda: say(f"item {args.item_id} skipped"))
    return 0


def decide(args: argparse.Namespace, ctx: Context) -> int:
    actor, action = ctx.actor(), parse_action(args.action)
    pending = PendingDecision(
        # A repeat with the same --id is harmless; without one, each command is a new decision.
        decision_id=args.id or str(uuid.uuid4()),
        item_id=args.item_id,
        action=action.value,
        database=ctx.veil.where,
        reviewer=actor.name,
        labels=args.label,
        reason=args.reason,
        note=args.note,
        second_review=args.qa,
    )
    decision = ctx.veil.review.decide(pending).value
    what = f"second review ({decision.action.value})" if args.qa else decision.action.value
    ctx.emit(decision.as_dict(), lambda: say(f"item {decision.item_id}: {what} saved ({decision.id})"))
    return 0


def undo(args: argparse.Namespace, ctx: Context) -> int:
    undone = ctx.signed_in().review.undo_last().value
    ctx.emit(
        undone.as_dict(),
        lambda: say(f"decision {undone.undoes} on item {undone.item_id} undone; the item is yours again"),
    )
    return 0
