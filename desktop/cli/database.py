"""``veil db``: the schema and backups. Only ``upgrade`` upgrades: ``status``
says what is there, and ``backup`` copies the database as it is."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from desktop.cli.output import say

if TYPE_CHECKING:
    import argparse

    from desktop.cli.context import Context


def upgrade(args: argparse.Namespace, ctx: Context) -> int:
    result = ctx.veil.upgraded  # opening the database upgrades it, backing an SQLite file up first
    assert result is not None
    data = {"before": result.before, "after": result.after, "backup": str(result.backup) if result.backup else None}

    def human() -> None:
        if result.before == result.after:
            say(f"schema is current ({result.after})")
        else:
            say(f"schema upgraded {result.before or '(empty)'} -> {result.after}")
        if result.backup:
            say(f"backup of the old database: {result.backup}")

    ctx.emit(data, human)
    return 0


def status(args: argparse.Namespace, ctx: Context) -> int:
    from desktop.app import schema

    found = schema.status(ctx.settings.db_url)
    ctx.emit(
        found.as_dict(),
        lambda: print(f"{found.database}: schema {found.revision or '(empty)'}, this Veil knows {found.head}"),
    )
    return 0


def secure(args: argparse.Namespace, ctx: Context) -> int:
    from desktop.app import schema
    from desktop.cli.admin import new_password

    # The first admin's login needs a password to sign in over the network.
    password = new_password(args.admin) if args.admin else None
    done = schema.secure(ctx.settings.db_url, admin=args.admin, admin_password=password)

    def human() -> None:
        say(f"{done.database}: " + ("now in team mode" if done.first else "team mode brought up to date"))
        if done.admin:
            say(f"first admin: {done.admin}, with the password given")
        for login in done.logins:
            say(f"login role made for {login}; it has no password yet: veil users password {login}")

    ctx.emit(done.as_dict(), human)
    return 0


def backup(args: argparse.Namespace, ctx: Context) -> int:
    from desktop.app import schema

    target = Path(args.path)
    schema.backup(ctx.settings.db_url, target)
    ctx.emit({"backup": str(target)}, lambda: say(f"backup written to {target}"))
    return 0
