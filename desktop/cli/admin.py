"""What admins (and for team settings, supervisors) manage: users, the label taxonomy, team settings."""

from __future__ import annotations

import getpass
import os
import sys
from typing import TYPE_CHECKING

from desktop.cli.output import say
from desktop.domain.errors import UsageError
from desktop.domain.people import parse_role
from desktop.domain.taxonomy import LabelInfo
from desktop.domain.team import parse_bool

if TYPE_CHECKING:
    import argparse

    from desktop.cli.context import Context


# -- users ----------------------------------------------------------------------


def users_add(args: argparse.Namespace, ctx: Context) -> int:
    role = parse_role(args.role)
    added = ctx.signed_in().people.add(args.name, role).value
    ctx.emit(
        {"id": added.id, "name": added.name, "role": added.role.value},
        lambda: say(f"user {added.name} added as {added.role.value}"),
    )
    return 0


def users_password(args: argparse.Namespace, ctx: Context) -> int:
    veil = ctx.signed_in()
    password = None if args.clear else new_password(args.name)
    info = veil.people.set_password(args.name, password).value
    done = "removed" if args.clear else "set"
    ctx.emit(info.as_dict(), lambda: say(f"password for {info.name} {done}"))
    return 0


def new_password(name: str) -> str:
    """A new password from VEIL_NEW_PASSWORD or, in a terminal, asked twice."""
    password = os.environ.get("VEIL_NEW_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise UsageError("give the new password in VEIL_NEW_PASSWORD, or run in a terminal")
        password = getpass.getpass(f"new password for {name}: ")
        if getpass.getpass("again: ") != password:
            raise UsageError("the two passwords differ; nothing changed")
    return password


def users_list(args: argparse.Namespace, ctx: Context) -> int:
    found = ctx.veil.people.list()

    def human() -> None:
        for u in found:
            print(f"{u.name:<24} {u.role.value:<11} {'disabled' if u.disabled else 'active'}")

    ctx.emit([u.as_dict() for u in found], human)
    return 0


def users_set_disabled(args: argparse.Namespace, ctx: Context) -> int:
    """``users disable`` and ``users enable``: the parser sets ``args.disabled``."""
    info = ctx.signed_in().people.set_disabled(args.name, args.disabled).value
    state = "disabled" if info.disabled else "enabled"
    ctx.emit(info.as_dict(), lambda: say(f"user {info.name} {state}"))
    return 0


# -- labels and reasons ---------------------------------------------------------


def labels_list(args: argparse.Namespace, ctx: Context) -> int:
    found = ctx.veil.taxonomy.labels(include_inactive=args.all)

    def human() -> None:
        for label in found:
            gate = f"{label.age_gate}+" if label.age_gate else ""
            print(f"{label.code:<20} {label.default_setting:<6} {label.blurs:<7} {gate:<4} {label.name}")

    ctx.emit([label.as_dict() for label in found], human)
    return 0


def labels_reasons(args: argparse.Namespace, ctx: Context) -> int:
    by_kind = ctx.veil.taxonomy.reasons()
    found = [r for kind in ("remove", "escalate") for r in by_kind[kind]]

    def human() -> None:
        for r in found:
            print(f"{r.kind:<9} {r.code:<16} {r.name}")

    ctx.emit([vars(r) for r in found], human)
    return 0


def labels_set(args: argparse.Namespace, ctx: Context) -> int:
    veil = ctx.signed_in()
    if any("=" not in pair for pair in args.equivalent):
        raise UsageError("--equivalent takes PLATFORM=LABEL, e.g. --equivalent bluesky=graphic-media")
    equivalents = dict(pair.split("=", 1) for pair in args.equivalent)
    label = LabelInfo(
        code=args.code,
        name=args.name,
        description=args.description,
        default_setting=args.default,
        blurs=args.blurs,
        severity=args.severity,
        age_gate=args.age_gate,
        equivalents=equivalents,
        accompanies_only=args.accompanies_only,
    )
    saved = veil.taxonomy.set_label(label).value
    ctx.emit(saved.as_dict(), lambda: say(f"label {saved.code} saved"))
    return 0


def labels_set_active(args: argparse.Namespace, ctx: Context) -> int:
    """``labels enable`` and ``labels disable``: the parser sets ``args.active``."""
    ctx.signed_in().taxonomy.set_label_active(args.code, args.active)
    ctx.emit(
        {"code": args.code, "active": args.active},
        lambda: say(f"label {args.code} {'enabled' if args.active else 'disabled'}"),
    )
    return 0


# -- team settings --------------------------------------------------------------


def settings_list(args: argparse.Namespace, ctx: Context) -> int:
    found = ctx.veil.team.list()

    def human() -> None:
        for setting in found:
            who = f"set by {setting.set_by}" if setting.set_by else "default"
            print(f"{setting.key} = {str(setting.value).lower()}  ({who}): {setting.description}")

    ctx.emit([s.as_dict() for s in found], human)
    return 0


def settings_set(args: argparse.Namespace, ctx: Context) -> int:
    veil = ctx.signed_in()
    saved = veil.team.set(args.key, parse_bool(args.value)).value
    ctx.emit(saved.as_dict(), lambda: say(f"{saved.key} = {str(saved.value).lower()}"))
    return 0
