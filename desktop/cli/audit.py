"""``veil audit``: verify the hash chain, export it, check a database against an export.

All three read the whole team's history: the audit permission (supervisors
and admins), as in the window.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from desktop.cli.output import say
from desktop.domain.errors import UsageError

if TYPE_CHECKING:
    import argparse

    from desktop.cli.context import Context


def verify(args: argparse.Namespace, ctx: Context) -> int:
    result = ctx.signed_in().audit.verify()

    def human() -> None:
        if result.ok:
            say(f"audit chain intact: {result.events} events, head {result.head_hash}")
        else:
            say(f"audit chain BROKEN at event {result.broken_id}: {result.problem}")

    ctx.emit(result.as_dict(), human)
    return 0 if result.ok else 3


def export(args: argparse.Namespace, ctx: Context) -> int:
    veil = ctx.signed_in()
    target = Path(args.output)
    result = veil.audit.export(target)
    ctx.emit(
        {"file": str(target), **result.as_dict()},
        lambda: say(f"{result.events} audit events written to {target}, head {result.head_hash}"),
    )
    return 0


def check(args: argparse.Namespace, ctx: Context) -> int:
    source = Path(args.file)
    if not source.is_file():
        raise UsageError(f"no file {source}")
    veil = ctx.signed_in()
    # A damaged byte is the export's damage to report, not a crash.
    with source.open(encoding="utf-8", errors="replace") as lines:
        result = veil.audit.check(lines)

    def human() -> None:
        if result.ok:
            say(
                f"audit export {source} matches: the database's chain begins with its {result.events} events "
                f"(head {result.head_hash}) and verifies ({result.database_events} events now)"
            )
        else:
            where = f"event {result.differs_at}: " if result.differs_at is not None else ""
            say(f"audit export {source} does NOT match the database at {where}{result.problem}")

    ctx.emit(result.as_dict(), human)
    return 0 if result.ok else 3
