"""The ``veil`` command line's grammar: every command, its options and the handler that runs it.

One place for the whole grammar, in the order ``veil --help`` lists it; the
handlers live in a module per command group, imported when one of its
commands runs: a command loads its own group's module and what that uses,
not every command's.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from desktop import __version__
from desktop.domain.ingest import FORMATS
from desktop.domain.taxonomy import BLURS, DEFAULT_SETTINGS, SEVERITIES

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

    from desktop.cli.context import Context

    Handler = Callable[[argparse.Namespace, Context], int]


class _Later:
    """The handler ``name`` of the command group ``group``, imported when its command runs."""

    def __init__(self, group: str, name: str) -> None:
        self.group, self.name = group, name

    def resolve(self) -> Handler:
        handler: Handler = getattr(_group(self.group), self.name)
        return handler

    def __call__(self, args: argparse.Namespace, ctx: Context) -> int:
        return self.resolve()(args, ctx)


def _group(name: str) -> ModuleType:
    # One import spelled out per group, so that the bundler (PyInstaller) finds every one.
    if name == "admin":
        from desktop.cli import admin

        return admin
    if name == "audit":
        from desktop.cli import audit

        return audit
    if name == "database":
        from desktop.cli import database

        return database
    if name == "gui":
        from desktop.cli import gui

        return gui
    if name == "ingest":
        from desktop.cli import ingest

        return ingest
    if name == "media":
        from desktop.cli import media

        return media
    if name == "review":
        from desktop.cli import review

        return review
    if name == "second_review":
        from desktop.cli import second_review

        return second_review
    if name == "supervision":
        from desktop.cli import supervision

        return supervision
    raise LookupError(f"no command group {name!r}")


def _when(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (use YYYY-MM-DD or ISO 8601)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"a whole number of at least 1, not {text!r}")
    return value


def _window_size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit()) or not (320 <= int(width) <= 8192 and 240 <= int(height) <= 8192):
        raise argparse.ArgumentTypeError(f"a size like 1440x900 (320x240 to 8192x8192), not {text!r}")
    return int(width), int(height)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: an option given before the command must survive the
    # subcommand's parser, which would otherwise reset it to its default.
    common.add_argument(
        "--db",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="database URL (else VEIL_DB_URL, else the configured default)",
    )
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output on stdout"
    )
    acting = argparse.ArgumentParser(add_help=False)
    acting.add_argument("--as", dest="as_user", metavar="USER", help="act as USER (default: the configured user)")

    parser = argparse.ArgumentParser(
        prog="veil", parents=[common], description="Review graphic material behind blurred previews."
    )
    parser.add_argument("--version", action="version", version=f"veil {__version__}")
    parser.set_defaults(handler=_Later("gui", "open_window"), screenshot=None, size=None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str, *, act: bool = False) -> argparse.ArgumentParser:
        parents = [common, acting] if act else [common]
        p = sub.add_parser(name, parents=parents, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = command("gui", _Later("gui", "open_window"), "open the window (the default)", act=True)
    p.add_argument("--screenshot", metavar="PNG", help="render the window to PNG once the first item shows, then quit")
    p.add_argument("--size", type=_window_size, metavar="WxH", help="the window's size, e.g. 1440x900")

    p = command("ingest", _Later("ingest", "ingest"), "read items from files and folders into the queue", act=True)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", default="auto", choices=FORMATS, help="default: decided by each input's content")
    p.add_argument("--source", help="source name (default: the file or folder name)")
    p.add_argument(
        "--watch",
        action="store_true",
        help="keep watching one folder; take what is dropped in, in any format, once it stops changing",
    )
    p.add_argument("--interval", type=float, default=1.0, help=argparse.SUPPRESS)  # seconds between looks
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument(
        "--workers", type=_positive, metavar="N", help="processes making previews and hashes (default: one per core)"
    )

    p = command("queue", _Later("review", "queue"), "list waiting items in review order")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--escalations", action="store_true", help="the supervisors' queue of escalated items")

    p = command("show", _Later("review", "show"), "show one item, its media, markers and history", act=True)
    p.add_argument("item_id", type=int, metavar="ID")

    p = command("preview", _Later("review", "preview"), "write a media file's stored, blurred preview (JPEG)")
    p.add_argument("media_id", type=int, metavar="MEDIA_ID")
    p.add_argument("-o", "--output", required=True, metavar="FILE")

    p = command("claim", _Later("review", "claim"), "hold the next item for review (prints its id)", act=True)
    p.add_argument("--escalations", action="store_true", help="claim from the escalations queue (supervisors)")

    p = command("release", _Later("review", "release"), "give a held item back to the queue", act=True)
    p.add_argument("item_id", type=int, metavar="ID")

    p = command("skip", _Later("review", "skip"), "pass an item on to others", act=True)
    p.add_argument("item_id", type=int, metavar="ID")

    skips = sub.add_parser("skips", parents=[common], help="manage skipped items").add_subparsers(
        dest="skips_command", required=True
    )
    p = skips.add_parser("clear", parents=[common, acting], help="offer skipped items again (supervisors)")
    p.set_defaults(handler=_Later("supervision", "skips_clear"))
    p.add_argument("--item", type=int)
    p.add_argument("--user")

    for name, handler, text in (
        ("decide", _Later("review", "decide"), "record a decision on an item"),
        ("override", _Later("supervision", "override"), "replace an item's decision (supervisors)"),
    ):
        p = command(name, handler, text, act=True)
        p.add_argument("item_id", type=int, metavar="ID")
        p.add_argument("--action", required=True, metavar="approve|warn|remove|escalate")
        p.add_argument("--label", action="append", default=[], metavar="CODE")
        p.add_argument("--id", metavar="UUID", help="the event's id; repeating a command with the same id is harmless")
    decide, override = sub.choices["decide"], sub.choices["override"]
    decide.add_argument("--reason", metavar="CODE", help="reason code, required for remove and escalate")
    decide.add_argument("--note", metavar="TEXT")
    decide.add_argument("--qa", action="store_true", help="record your blind second review of the item")
    override.add_argument("--reason", required=True, metavar="TEXT", help="why the decision is overridden")
    override.add_argument("--reason-code", metavar="CODE", help="reason code for remove and escalate")

    command("undo", _Later("review", "undo"), "undo your own last decision (within the grace period)", act=True)

    qa_cmd = sub.add_parser("qa", parents=[common], help="blind second review of sampled decisions").add_subparsers(
        dest="qa_command", required=True
    )
    p = qa_cmd.add_parser("sample", parents=[common, acting], help="sample decisions for second review (supervisors)")
    p.set_defaults(handler=_Later("second_review", "sample"))
    p.add_argument("--rate", required=True, metavar="R", help="a fraction (0.05) or a percentage (5%%)")
    p.add_argument("--moderator", metavar="NAME", help="only this reviewer's decisions (default: everyone's)")
    p.add_argument("--seed", type=int, metavar="S", help="draw reproducibly (default: a new seed, printed)")
    p.add_argument("--since", type=_when, metavar="DATE", help="decisions made from DATE")
    p.add_argument("--until", type=_when, metavar="DATE", help="decisions made before DATE")
    p.add_argument("--dry-run", action="store_true", help="show what would be sampled; store nothing")
    p = qa_cmd.add_parser("next", parents=[common, acting], help="hold the next second review; shows the item blind")
    p.set_defaults(handler=_Later("second_review", "next_review"))
    p = qa_cmd.add_parser("agreement", parents=[common, acting], help="agreement of first and second decisions")
    p.set_defaults(handler=_Later("second_review", "agreement"))
    p.add_argument("--since", type=_when, metavar="DATE", help="first decisions made from DATE")
    p.add_argument("--until", type=_when, metavar="DATE", help="first decisions made before DATE")

    p = command("export", _Later("supervision", "export"), "decision events as JSONL or CSV (supervisors)", act=True)
    p.add_argument("--format", default="jsonl", choices=["jsonl", "csv"])
    p.add_argument("--since", type=_when, metavar="DATE")
    p.add_argument("--until", type=_when, metavar="DATE")
    p.add_argument("-o", "--output", metavar="FILE")

    audit_cmd = sub.add_parser("audit", parents=[common], help="the audit chain").add_subparsers(
        dest="audit_command", required=True
    )
    p = audit_cmd.add_parser(
        "verify", parents=[common, acting], help="check the hash chain; exit 3 if broken (supervisors)"
    )
    p.set_defaults(handler=_Later("audit", "verify"))
    p = audit_cmd.add_parser(
        "export", parents=[common, acting], help="write the whole chain as JSONL, ending with its head (supervisors)"
    )
    p.set_defaults(handler=_Later("audit", "export"))
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="a new file (never overwritten)")
    p = audit_cmd.add_parser(
        "check",
        parents=[common, acting],
        help="check that the chain still begins with an export's events; exit 3 if not (supervisors)",
    )
    p.set_defaults(handler=_Later("audit", "check"))
    p.add_argument("file", metavar="FILE", help="a file made by: veil audit export -o FILE")

    p = command(
        "report",
        _Later("supervision", "report"),
        "decision figures for a range: tables, JSON or PDF (supervisors)",
        act=True,
    )
    p.add_argument("--since", type=_when, metavar="DATE", help="from this time (UTC; default: the beginning)")
    p.add_argument("--until", type=_when, metavar="DATE", help="up to, not including, this time (default: now)")
    p.add_argument("--pdf", metavar="FILE", help="write the report as a PDF (A4)")

    command(
        "escalations",
        _Later("supervision", "escalations"),
        "open escalated items: who, when, why (supervisors)",
        act=True,
    )

    users_cmd = sub.add_parser("users", parents=[common], help="users and roles").add_subparsers(
        dest="users_command", required=True
    )
    p = users_cmd.add_parser("add", parents=[common, acting], help="add a user (admins)")
    p.set_defaults(handler=_Later("admin", "users_add"))
    p.add_argument("name")
    p.add_argument("--role", required=True, metavar="moderator|supervisor|admin")
    p = users_cmd.add_parser("list", parents=[common], help="list users")
    p.set_defaults(handler=_Later("admin", "users_list"))
    p = users_cmd.add_parser(
        "password", parents=[common, acting], help="set a sign-in password (your own, or anyone's for admins)"
    )
    p.set_defaults(handler=_Later("admin", "users_password"))
    p.add_argument("name")
    p.add_argument("--clear", action="store_true", help="remove the password")
    for name, disabled in (("disable", True), ("enable", False)):
        p = users_cmd.add_parser(name, parents=[common, acting], help=f"{name} a user (admins)")
        p.set_defaults(handler=_Later("admin", "users_set_disabled"), disabled=disabled)
        p.add_argument("name")

    labels_cmd = sub.add_parser("labels", parents=[common], help="the label taxonomy").add_subparsers(
        dest="labels_command", required=True
    )
    p = labels_cmd.add_parser("list", parents=[common], help="list warning labels")
    p.set_defaults(handler=_Later("admin", "labels_list"))
    p.add_argument("--all", action="store_true", help="include disabled labels")
    p = labels_cmd.add_parser("reasons", parents=[common], help="list removal and escalation reasons")
    p.set_defaults(handler=_Later("admin", "labels_reasons"))
    p = labels_cmd.add_parser("set", parents=[common, acting], help="add or change a label (admins)")
    p.set_defaults(handler=_Later("admin", "labels_set"))
    p.add_argument("code")
    p.add_argument("--name", required=True)
    p.add_argument("--description", default="")
    p.add_argument("--default", default="warn", choices=DEFAULT_SETTINGS)
    p.add_argument("--blurs", default="media", choices=BLURS)
    p.add_argument("--severity", default="alert", choices=SEVERITIES)
    p.add_argument("--age-gate", type=int, choices=[18, 21])
    p.add_argument("--equivalent", action="append", default=[], metavar="PLATFORM=LABEL")
    p.add_argument("--accompanies-only", action="store_true")
    for name, active in (("disable", False), ("enable", True)):
        p = labels_cmd.add_parser(name, parents=[common, acting], help=f"{name} a label (admins)")
        p.set_defaults(handler=_Later("admin", "labels_set_active"), active=active)
        p.add_argument("code")

    settings_cmd = sub.add_parser("settings", parents=[common], help="team settings").add_subparsers(
        dest="settings_command", required=True
    )
    p = settings_cmd.add_parser("list", parents=[common], help="list team settings")
    p.set_defaults(handler=_Later("admin", "settings_list"))
    p = settings_cmd.add_parser("set", parents=[common, acting], help="change a team setting (supervisors)")
    p.set_defaults(handler=_Later("admin", "settings_set"))
    p.add_argument("key")
    p.add_argument("value", metavar="true|false")

    media_cmd = sub.add_parser("media", parents=[common], help="the media themselves").add_subparsers(
        dest="media_command", required=True
    )
    p = media_cmd.add_parser(
        "seal",
        parents=[common, acting],
        help=(
            "encrypt previews and media store copies made before media were sealed, a key per medium, and remove "
            "store copies a day old that no item refers to (left by an interrupted ingest) (admins)"
        ),
    )
    p.set_defaults(handler=_Later("media", "seal"))
    p.add_argument("--limit", type=_positive, metavar="N", help="seal at most N media, then stop (run again to go on)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")

    db_cmd = sub.add_parser("db", parents=[common], help="the database itself").add_subparsers(
        dest="db_command", required=True
    )
    p = db_cmd.add_parser("upgrade", parents=[common], help="upgrade the schema (SQLite is backed up first)")
    p.set_defaults(handler=_Later("database", "upgrade"))
    p = db_cmd.add_parser("status", parents=[common], help="show the schema revision")
    p.set_defaults(handler=_Later("database", "status"))
    p = db_cmd.add_parser(
        "secure",
        parents=[common],
        help="team mode: PostgreSQL enforces each person's role (run once by IT as a PostgreSQL superuser)",
    )
    p.set_defaults(handler=_Later("database", "secure"))
    p.add_argument("--admin", metavar="NAME", help="on a database without users, make NAME its first admin")
    p = db_cmd.add_parser("backup", parents=[common], help="copy a live SQLite database to PATH")
    p.set_defaults(handler=_Later("database", "backup"))
    p.add_argument("path", metavar="PATH")
    return parser
