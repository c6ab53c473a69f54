"""The ``veil`` command: argparse over the same services as the window.

Results go to stdout (as JSON with ``--json``); messages and errors go to
stderr. Exit codes: 0 ok, 1 finished but some inputs failed, 2 usage,
permission or configuration error, 3 integrity failure. Qt is imported only
by ``veil gui``, so every other command runs on a machine with no screen.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from db.migrate import backup_sqlite, current_revision, head_revision
from db.session import Database, describe
from desktop import __version__, config
from desktop.core import audit, decision_log, export, qa, reports, taxonomy, team_settings, users
from desktop.core.ingest.files import Enricher, ingest_entries, ingest_files
from desktop.core.ingest.folder import read_folder
from desktop.core.ingest.watch import FolderWatch
from desktop.core.workspace import Workspace, open_workspace
from desktop.domain.errors import IntegrityFailure, UsageError, VeilError
from desktop.domain.ingest import FORMATS, IngestReport
from desktop.domain.people import Actor, Permission, parse_role
from desktop.domain.qa import parse_rate
from desktop.domain.reports import AgreementFigure, Report, format_duration, format_minutes
from desktop.domain.review import ItemView, parse_action
from desktop.domain.taxonomy import BLURS, DEFAULT_SETTINGS, SEVERITIES, LabelInfo
from desktop.domain.team import parse_bool

if TYPE_CHECKING:
    from desktop.domain import agreement as measures

Handler = Callable[[argparse.Namespace, "Context"], int]


class Context:
    """What a command needs: settings, the open workspace, output helpers."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.settings = config.load({"db_url": args.db, "user": getattr(args, "as_user", None)})
        self._workspace: Workspace | None = None

    @property
    def workspace(self) -> Workspace:
        if self._workspace is None:
            default_db = not self.settings.get("db_url")
            self._workspace = open_workspace(
                self.settings.db_url,
                create_folder=default_db,
                lease=timedelta(minutes=self.settings.get("lease_minutes")),
                undo_grace=timedelta(minutes=self.settings.get("undo_grace_minutes")),
                busy_timeout_ms=self.settings.get("busy_timeout_ms"),
            )
        return self._workspace

    def actor(self) -> Actor:
        name = self.settings.user
        if not self.workspace.needs_password(name):
            return self.workspace.actor(name)
        password = os.environ.get("VEIL_PASSWORD")
        if password is None:
            if not sys.stdin.isatty():
                raise UsageError(f"user {name!r} has a password: give it in VEIL_PASSWORD, or run in a terminal")
            password = getpass.getpass(f"password for {name}: ")
        return self.workspace.sign_in(name, password)

    def emit(self, data: Any, human: Callable[[], None]) -> None:
        if self.args.json:
            json.dump(data, sys.stdout, ensure_ascii=False, indent=None)
            sys.stdout.write("\n")
        else:
            human()

    def close(self) -> None:
        if self._workspace is not None:
            self._workspace.close()


def say(message: str) -> None:
    print(message, file=sys.stderr)


def _when(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (use YYYY-MM-DD or ISO 8601)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# -- commands ---------------------------------------------------------------


def cmd_gui(args: argparse.Namespace, ctx: Context) -> int:
    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM"))
    if sys.platform.startswith("linux") and headless:
        # Qt would abort with a message about xcb plugins that helps no one.
        raise UsageError(
            "no screen to open the window on (DISPLAY is not set); the command line works without one: veil --help"
        )
    from desktop.ui.app import run  # Qt only here

    return run(ctx.settings, screenshot=args.screenshot, size=args.size)


def cmd_ingest(args: argparse.Namespace, ctx: Context) -> int:
    actor = ctx.actor()
    if args.watch:
        return _watch(args, ctx, actor.name)
    progress = _Progress(enabled=not args.quiet)
    report = ingest_files(
        ctx.workspace.db,
        [Path(p) for p in args.paths],
        actor=actor.name,
        now=ctx.workspace.clock(),
        fmt=args.format,
        source=args.source,
        progress=progress,
        preview=ctx.settings.preview(),
        workers=args.workers,
        media_store=ctx.settings.media_store,
    )
    progress.done()

    def human() -> None:
        say(f"{report.items_added} items added, {report.items_duplicate} already present, {report.media_added} media")
        for error in report.errors:
            say(f"error: {error.path}: {error.error}")

    ctx.emit(report.as_dict(), human)
    return 1 if report.errors else 0


class _Progress:
    """A line on stderr every second or so while a long ingest runs."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.started = time.monotonic()
        self.last = self.started
        self.shown = False

    def __call__(self, report: IngestReport) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.last < 1.0:
            return
        self.last = now
        rate = report.items_added / max(now - self.started, 1e-9)
        end = "\r" if sys.stderr.isatty() else "\n"
        print(
            f"ingest: {report.items_added:,} added, {report.items_duplicate:,} already present, "
            f"{len(report.errors):,} errors ({rate:,.0f} items/s)",
            end=end,
            file=sys.stderr,
            flush=True,
        )
        self.shown = True

    def done(self) -> None:
        if self.shown and sys.stderr.isatty():
            print(file=sys.stderr)


def _watch(args: argparse.Namespace, ctx: Context, actor: str) -> int:
    if len(args.paths) != 1 or not Path(args.paths[0]).is_dir():
        raise UsageError("--watch takes one folder")
    root = Path(args.paths[0])
    watch = FolderWatch(root)
    say(f"watching {root} (Ctrl+C to stop)")
    store = ctx.settings.media_store
    with Enricher(preview=ctx.settings.preview(), workers=args.workers, media_store=store) as enricher:
        try:
            while True:
                ready = watch.poll()
                if ready:
                    report = IngestReport()
                    ingest_entries(
                        ctx.workspace.db, read_folder(root, ready), where=root, kind="folder",
                        source=args.source or root.name, actor=actor, now=ctx.workspace.clock(),
                        report=report, enricher=enricher,
                    )  # fmt: skip
                    # A chunk the database refused is offered again at the next look.
                    if not any("not stored" in error.error for error in report.errors):
                        watch.taken(ready)
                    summary = f"{len(ready)} new file(s): {report.items_added} items added, {len(report.errors)} errors"
                    ctx.emit({**report.as_dict(), "files": [str(p) for p in ready]}, partial(say, summary))
                    sys.stdout.flush()
                time.sleep(args.interval)
        except KeyboardInterrupt:
            say("stopped watching")
    return 0


def cmd_queue(args: argparse.Namespace, ctx: Context) -> int:
    entries = ctx.workspace.review.queue(limit=args.limit, escalations=args.escalations)

    def human() -> None:
        if not entries:
            say("the queue is empty")
        for e in entries:
            text = " ".join(e.text.split())
            marks = ",".join(e.markers)
            print(f"{e.id:>8}  S{e.severity}  {marks:<12.12}  media:{e.media}  {text[:70]}")

    ctx.emit([e.as_dict() for e in entries], human)
    return 0


def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    # A named user sees what they may: nothing of the first decision while
    # they second-review the item, and as a moderator no one else's second
    # reviews. With no user configured, the whole history, as before.
    viewer = ctx.actor() if ctx.settings.get("user") else None
    view = ctx.workspace.review.show(args.item_id, viewer=viewer)

    def human() -> None:
        _print_item(view)
        for d in view.decisions:
            extra = f" labels:{','.join(d.labels)}" if d.labels else ""
            extra += f" reason:{d.reason}" if d.reason else ""
            print(f"{d.decided_at.isoformat(timespec='seconds')}  {d.reviewer}: {d.action.value}{extra}")

    ctx.emit(view.as_dict(), human)
    return 0


def _print_item(view: ItemView) -> None:
    status = "second review" if view.blind else view.status.value
    print(f"item {view.id}  [{status}]  severity {view.severity}  source {view.source}")
    if view.author:
        print(f"author: {view.author}")
    if view.published_at:
        print(f"published: {view.published_at.isoformat()}")
    if view.claimed_by:
        print(f"held by {view.claimed_by} until {view.lease_expires_at}")
    print()
    print(view.text)
    print()
    for marker in view.markers:
        print(f"marker {marker['code']}: {marker['text']!r} ({marker['rule']}, severity {marker['severity']})")
    if view.media_withheld:
        print("media withheld (suspected CSAM escalation): never displayed")
    else:
        for m in view.media:
            state = m.as_dict()["preview"]
            print(f"media {m.id}: {m.media_type} {m.uri} preview:{state}" + (f" error: {m.error}" if m.error else ""))


def cmd_preview(args: argparse.Namespace, ctx: Context) -> int:
    jpeg = ctx.workspace.review.stored_preview(args.media_id)
    target = Path(args.output)
    target.write_bytes(jpeg)
    ctx.emit(
        {"media_id": args.media_id, "file": str(target), "bytes": len(jpeg)},
        lambda: say(f"preview written to {target}"),
    )
    return 0


def cmd_claim(args: argparse.Namespace, ctx: Context) -> int:
    claim = ctx.workspace.review.claim_next(ctx.actor(), escalations=args.escalations)
    if claim is None:
        ctx.emit(None, lambda: say("nothing to claim: the queue is empty"))
        return 0
    data = {
        "item_id": claim.item_id,
        "lease_expires_at": claim.lease_expires_at.isoformat(),
        "resumed": claim.resumed,
    }
    ctx.emit(data, lambda: print(claim.item_id))
    return 0


def cmd_release(args: argparse.Namespace, ctx: Context) -> int:
    ctx.workspace.review.release(ctx.actor(), args.item_id)
    ctx.emit({"released": args.item_id}, lambda: say(f"item {args.item_id} released"))
    return 0


def cmd_skip(args: argparse.Namespace, ctx: Context) -> int:
    ctx.workspace.review.skip(ctx.actor(), args.item_id)
    ctx.emit({"skipped": args.item_id}, lambda: say(f"item {args.item_id} skipped"))
    return 0


def cmd_skips_clear(args: argparse.Namespace, ctx: Context) -> int:
    n = ctx.workspace.review.clear_skips(ctx.actor(), item_id=args.item, user=args.user)
    ctx.emit({"cleared": n}, lambda: say(f"{n} skip(s) cleared"))
    return 0


def cmd_decide(args: argparse.Namespace, ctx: Context) -> int:
    actor, action = ctx.actor(), parse_action(args.action)
    payload = {"labels": args.label, "reason": args.reason, "note": args.note, "decision_id": args.id}
    if args.qa:
        decision = qa.decide(ctx.workspace.db, actor, args.item_id, action, clock=ctx.workspace.clock, **payload)
    else:
        decision = ctx.workspace.review.decide(actor, args.item_id, action, **payload)
    what = f"second review ({decision.action.value})" if args.qa else decision.action.value
    ctx.emit(decision.as_dict(), lambda: say(f"item {decision.item_id}: {what} saved ({decision.id})"))
    return 0


def cmd_undo(args: argparse.Namespace, ctx: Context) -> int:
    undo = ctx.workspace.review.undo_last(ctx.actor())
    ctx.emit(
        undo.as_dict(), lambda: say(f"decision {undo.undoes} on item {undo.item_id} undone; the item is yours again")
    )
    return 0


def cmd_qa_sample(args: argparse.Namespace, ctx: Context) -> int:
    result = qa.sample(
        ctx.workspace.db,
        ctx.actor(),
        rate=parse_rate(args.rate),
        moderator=args.moderator,
        seed=args.seed,
        since=args.since,
        until=args.until,
        dry_run=args.dry_run,
        clock=ctx.workspace.clock,
    )

    def human() -> None:
        for s in result.strata:
            print(f"{s.moderator:<24} {s.action:<9} {s.sampled:>6} of {s.candidates}")
        verb = "would be sampled (dry run)" if result.dry_run else "sampled for second review"
        say(f"{len(result.sampled)} decision(s) {verb}; rate {result.rate:g}, seed {result.seed}")

    ctx.emit(result.as_dict(), human)
    return 0


def cmd_qa_next(args: argparse.Namespace, ctx: Context) -> int:
    claim = qa.claim_next(ctx.workspace.db, ctx.actor(), clock=ctx.workspace.clock, lease=ctx.workspace.review.lease)
    if claim is None:
        ctx.emit(None, lambda: say("no second review is waiting for you"))
        return 0

    def human() -> None:
        _print_item(claim.item)
        until = claim.lease_expires_at.isoformat(timespec="seconds")
        say(f"second review held until {until}; record it with: veil decide {claim.item_id} --qa --action ...")

    ctx.emit(claim.as_dict(), human)
    return 0


def _measure(a: measures.Agreement) -> str:
    if a.percent is None or a.kappa is None or a.expected is None:
        return f"n={a.n:<5} no pairs"
    return f"n={a.n:<5} agreement {a.percent:5.1f}%  kappa {a.kappa:+.3f}  (chance {100 * a.expected:.1f}%)"


def cmd_qa_agreement(args: argparse.Namespace, ctx: Context) -> int:
    report = qa.agreement(ctx.workspace.db, ctx.actor(), since=args.since, until=args.until)

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


def cmd_override(args: argparse.Namespace, ctx: Context) -> int:
    decision = ctx.workspace.review.override(
        ctx.actor(),
        args.item_id,
        parse_action(args.action),
        reason_note=args.reason,
        labels=args.label,
        reason=args.reason_code,
        override_id=args.id,
    )
    ctx.emit(decision.as_dict(), lambda: say(f"item {decision.item_id}: overridden with {decision.action.value}"))
    return 0


def cmd_export(args: argparse.Namespace, ctx: Context) -> int:
    rows = export.decision_rows(ctx.workspace.db, ctx.actor(), since=args.since, until=args.until)
    writer = export.write_csv if args.format == "csv" else export.write_jsonl
    if args.output:
        with Path(args.output).open("w", encoding="utf-8", newline="") as out:
            count = writer(rows, out)
        say(f"{count} decision rows written to {args.output}")
    else:
        writer(rows, sys.stdout)
    return 0


def cmd_audit_verify(args: argparse.Namespace, ctx: Context) -> int:
    # The whole team's history: the audit permission, as in the window.
    result = decision_log.verify_all(ctx.workspace.db, ctx.actor())

    def human() -> None:
        if result.ok:
            say(f"audit chain intact: {result.events} events, head {result.head_hash}")
        else:
            say(f"audit chain BROKEN at event {result.broken_id}: {result.problem}")

    ctx.emit(result.as_dict(), human)
    return 0 if result.ok else 3


def cmd_audit_export(args: argparse.Namespace, ctx: Context) -> int:
    actor = ctx.actor()
    target = Path(args.output)
    result = audit.export_chain_file(ctx.workspace.db, actor, target)
    ctx.emit(
        {"file": str(target), **result.as_dict()},
        lambda: say(f"{result.events} audit events written to {target}, head {result.head_hash}"),
    )
    return 0


def cmd_audit_check(args: argparse.Namespace, ctx: Context) -> int:
    source = Path(args.file)
    if not source.is_file():
        raise UsageError(f"no file {source}")
    ctx.actor().require(Permission.AUDIT)
    # A damaged byte is the export's damage to report, not a crash.
    with source.open(encoding="utf-8", errors="replace") as lines:
        result = audit.check_export(ctx.workspace.db, lines)

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


def cmd_report(args: argparse.Namespace, ctx: Context) -> int:
    found = reports.report(ctx.workspace.db, ctx.actor(), since=args.since, until=args.until, clock=ctx.workspace.clock)
    if args.pdf:
        chain = audit.verify(ctx.workspace.db)
        if not chain.ok:
            raise IntegrityFailure(
                f"audit chain BROKEN at event {chain.broken_id}: {chain.problem}; no report printed over it"
            )
        from desktop.ui.report_pdf import write_pdf  # Qt only here

        target = Path(args.pdf)
        write_pdf(found, target, head_hash=found.audit_head_hash, title="Veil decisions report")
        say(f"report written to {target} (audit chain: {found.audit_events} events, head {found.audit_head_hash})")
        if args.json:
            ctx.emit({**found.as_dict(), "pdf": str(target)}, lambda: None)
        return 0
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


def cmd_escalations(args: argparse.Namespace, ctx: Context) -> int:
    found = reports.open_escalations(ctx.workspace.db, ctx.actor(), clock=ctx.workspace.clock)

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


def cmd_users_add(args: argparse.Namespace, ctx: Context) -> int:
    role = parse_role(args.role)
    actor = ctx.actor()
    with ctx.workspace.db.write() as session:
        added = users.add_user(session, actor, args.name, role, ctx.workspace.clock())
    ctx.emit(
        {"id": added.id, "name": added.name, "role": added.role.value},
        lambda: say(f"user {added.name} added as {added.role.value}"),
    )
    return 0


def cmd_users_password(args: argparse.Namespace, ctx: Context) -> int:
    actor = ctx.actor()
    password = None
    if not args.clear:
        password = os.environ.get("VEIL_NEW_PASSWORD")
        if password is None:
            if not sys.stdin.isatty():
                raise UsageError("give the new password in VEIL_NEW_PASSWORD, or run in a terminal")
            password = getpass.getpass(f"new password for {args.name}: ")
            if getpass.getpass("again: ") != password:
                raise UsageError("the two passwords differ; nothing changed")
    with ctx.workspace.db.write() as session:
        info = users.set_password(session, actor, args.name, password, ctx.workspace.clock())
    done = "removed" if args.clear else "set"
    ctx.emit(info.as_dict(), lambda: say(f"password for {info.name} {done}"))
    return 0


def cmd_users_list(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.workspace.db.read() as session:
        found = users.list_users(session)

    def human() -> None:
        for u in found:
            print(f"{u.name:<24} {u.role.value:<11} {'disabled' if u.disabled else 'active'}")

    ctx.emit([u.as_dict() for u in found], human)
    return 0


def _users_set_disabled(disabled: bool) -> Handler:
    def handler(args: argparse.Namespace, ctx: Context) -> int:
        actor = ctx.actor()
        with ctx.workspace.db.write() as session:
            info = users.set_disabled(session, actor, args.name, disabled, ctx.workspace.clock())
        state = "disabled" if info.disabled else "enabled"
        ctx.emit(info.as_dict(), lambda: say(f"user {info.name} {state}"))
        return 0

    return handler


def cmd_labels_list(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.workspace.db.read() as session:
        found = taxonomy.labels(session, include_inactive=args.all)

    def human() -> None:
        for label in found:
            gate = f"{label.age_gate}+" if label.age_gate else ""
            print(f"{label.code:<20} {label.default_setting:<6} {label.blurs:<7} {gate:<4} {label.name}")

    ctx.emit([label.as_dict() for label in found], human)
    return 0


def cmd_labels_reasons(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.workspace.db.read() as session:
        found = [r for kind in ("remove", "escalate") for r in taxonomy.reasons(session, kind)]

    def human() -> None:
        for r in found:
            print(f"{r.kind:<9} {r.code:<16} {r.name}")

    ctx.emit([vars(r) for r in found], human)
    return 0


def cmd_labels_set(args: argparse.Namespace, ctx: Context) -> int:
    actor = ctx.actor()
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
    with ctx.workspace.db.write() as session:
        saved = taxonomy.set_label(session, actor, label, ctx.workspace.clock())
    ctx.emit(saved.as_dict(), lambda: say(f"label {saved.code} saved"))
    return 0


def _labels_set_active(active: bool) -> Handler:
    def handler(args: argparse.Namespace, ctx: Context) -> int:
        actor = ctx.actor()
        with ctx.workspace.db.write() as session:
            taxonomy.set_label_active(session, actor, args.code, active, ctx.workspace.clock())
        ctx.emit(
            {"code": args.code, "active": active},
            lambda: say(f"label {args.code} {'enabled' if active else 'disabled'}"),
        )
        return 0

    return handler


def cmd_settings_list(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.workspace.db.read() as session:
        found = team_settings.listing(session)

    def human() -> None:
        for setting in found:
            who = f"set by {setting.set_by}" if setting.set_by else "default"
            print(f"{setting.key} = {str(setting.value).lower()}  ({who}): {setting.description}")

    ctx.emit([s.as_dict() for s in found], human)
    return 0


def cmd_settings_set(args: argparse.Namespace, ctx: Context) -> int:
    actor = ctx.actor()
    value = parse_bool(args.value)
    with ctx.workspace.db.write() as session:
        saved = team_settings.set_value(session, actor, args.key, value, ctx.workspace.clock())
    ctx.emit(saved.as_dict(), lambda: say(f"{saved.key} = {str(saved.value).lower()}"))
    return 0


def cmd_db_upgrade(args: argparse.Namespace, ctx: Context) -> int:
    result = ctx.workspace.upgraded
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


def cmd_db_status(args: argparse.Namespace, ctx: Context) -> int:
    database = Database(ctx.settings.db_url)
    try:
        revision = current_revision(database)
    finally:
        database.dispose()
    data = {"database": describe(database.url), "revision": revision, "head": head_revision()}
    ctx.emit(data, lambda: print(f"{data['database']}: schema {revision or '(empty)'}, this Veil knows {data['head']}"))
    return 0


def cmd_db_backup(args: argparse.Namespace, ctx: Context) -> int:
    # No upgrade first: a backup must capture the database as it is.
    database = Database(ctx.settings.db_url)
    try:
        target = Path(args.path)
        if target.exists():
            raise UsageError(f"{target} exists; choose a new file (Veil does not overwrite backups)")
        backup_sqlite(database, target)
    finally:
        database.dispose()
    ctx.emit({"backup": str(target)}, lambda: say(f"backup written to {target}"))
    return 0


# -- the parser -------------------------------------------------------------


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
    parser.set_defaults(handler=cmd_gui, screenshot=None, size=None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str, *, act: bool = False) -> argparse.ArgumentParser:
        parents = [common, acting] if act else [common]
        p = sub.add_parser(name, parents=parents, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = command("gui", cmd_gui, "open the window (the default)", act=True)
    p.add_argument("--screenshot", metavar="PNG", help="render the window to PNG once the first item shows, then quit")
    p.add_argument("--size", type=_window_size, metavar="WxH", help="the window's size, e.g. 1440x900")

    p = command("ingest", cmd_ingest, "read items from files and folders into the queue", act=True)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", default="auto", choices=FORMATS, help="default: decided by each input's content")
    p.add_argument("--source", help="source name (default: the file or folder name)")
    p.add_argument(
        "--watch", action="store_true", help="keep watching one folder; take new files once they stop growing"
    )
    p.add_argument("--interval", type=float, default=1.0, help=argparse.SUPPRESS)  # seconds between looks
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument(
        "--workers", type=_positive, metavar="N", help="processes making previews and hashes (default: one per core)"
    )

    p = command("queue", cmd_queue, "list waiting items in review order")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--escalations", action="store_true", help="the supervisors' queue of escalated items")

    p = command("show", cmd_show, "show one item, its media, markers and history", act=True)
    p.add_argument("item_id", type=int, metavar="ID")

    p = command("preview", cmd_preview, "write a media file's stored, blurred preview (JPEG)")
    p.add_argument("media_id", type=int, metavar="MEDIA_ID")
    p.add_argument("-o", "--output", required=True, metavar="FILE")

    p = command("claim", cmd_claim, "hold the next item for review (prints its id)", act=True)
    p.add_argument("--escalations", action="store_true", help="claim from the escalations queue (supervisors)")

    p = command("release", cmd_release, "give a held item back to the queue", act=True)
    p.add_argument("item_id", type=int, metavar="ID")

    p = command("skip", cmd_skip, "pass an item on to others", act=True)
    p.add_argument("item_id", type=int, metavar="ID")

    skips = sub.add_parser("skips", parents=[common], help="manage skipped items").add_subparsers(
        dest="skips_command", required=True
    )
    p = skips.add_parser("clear", parents=[common, acting], help="offer skipped items again (supervisors)")
    p.set_defaults(handler=cmd_skips_clear)
    p.add_argument("--item", type=int)
    p.add_argument("--user")

    for name, handler, text in (
        ("decide", cmd_decide, "record a decision on an item"),
        ("override", cmd_override, "replace an item's decision (supervisors)"),
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

    command("undo", cmd_undo, "undo your own last decision (within the grace period)", act=True)

    qa_cmd = sub.add_parser("qa", parents=[common], help="blind second review of sampled decisions").add_subparsers(
        dest="qa_command", required=True
    )
    p = qa_cmd.add_parser("sample", parents=[common, acting], help="sample decisions for second review (supervisors)")
    p.set_defaults(handler=cmd_qa_sample)
    p.add_argument("--rate", required=True, metavar="R", help="a fraction (0.05) or a percentage (5%%)")
    p.add_argument("--moderator", metavar="NAME", help="only this reviewer's decisions (default: everyone's)")
    p.add_argument("--seed", type=int, metavar="S", help="draw reproducibly (default: a new seed, printed)")
    p.add_argument("--since", type=_when, metavar="DATE", help="decisions made from DATE")
    p.add_argument("--until", type=_when, metavar="DATE", help="decisions made before DATE")
    p.add_argument("--dry-run", action="store_true", help="show what would be sampled; store nothing")
    p = qa_cmd.add_parser("next", parents=[common, acting], help="hold the next second review; shows the item blind")
    p.set_defaults(handler=cmd_qa_next)
    p = qa_cmd.add_parser("agreement", parents=[common, acting], help="agreement of first and second decisions")
    p.set_defaults(handler=cmd_qa_agreement)
    p.add_argument("--since", type=_when, metavar="DATE", help="first decisions made from DATE")
    p.add_argument("--until", type=_when, metavar="DATE", help="first decisions made before DATE")

    p = command("export", cmd_export, "decision events as JSONL or CSV (supervisors)", act=True)
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
    p.set_defaults(handler=cmd_audit_verify)
    p = audit_cmd.add_parser(
        "export", parents=[common, acting], help="write the whole chain as JSONL, ending with its head (supervisors)"
    )
    p.set_defaults(handler=cmd_audit_export)
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="a new file (never overwritten)")
    p = audit_cmd.add_parser(
        "check",
        parents=[common, acting],
        help="check that the chain still begins with an export's events; exit 3 if not (supervisors)",
    )
    p.set_defaults(handler=cmd_audit_check)
    p.add_argument("file", metavar="FILE", help="a file made by: veil audit export -o FILE")

    p = command("report", cmd_report, "decision figures for a range: tables, JSON or PDF (supervisors)", act=True)
    p.add_argument("--since", type=_when, metavar="DATE", help="from this time (UTC; default: the beginning)")
    p.add_argument("--until", type=_when, metavar="DATE", help="up to, not including, this time (default: now)")
    p.add_argument("--pdf", metavar="FILE", help="write the report as a PDF (A4)")

    command("escalations", cmd_escalations, "open escalated items: who, when, why (supervisors)", act=True)

    users_cmd = sub.add_parser("users", parents=[common], help="users and roles").add_subparsers(
        dest="users_command", required=True
    )
    p = users_cmd.add_parser("add", parents=[common, acting], help="add a user (admins)")
    p.set_defaults(handler=cmd_users_add)
    p.add_argument("name")
    p.add_argument("--role", required=True, metavar="moderator|supervisor|admin")
    p = users_cmd.add_parser("list", parents=[common], help="list users")
    p.set_defaults(handler=cmd_users_list)
    p = users_cmd.add_parser(
        "password", parents=[common, acting], help="set a sign-in password (your own, or anyone's for admins)"
    )
    p.set_defaults(handler=cmd_users_password)
    p.add_argument("name")
    p.add_argument("--clear", action="store_true", help="remove the password")
    for name, disabled in (("disable", True), ("enable", False)):
        p = users_cmd.add_parser(name, parents=[common, acting], help=f"{name} a user (admins)")
        p.set_defaults(handler=_users_set_disabled(disabled))
        p.add_argument("name")

    labels_cmd = sub.add_parser("labels", parents=[common], help="the label taxonomy").add_subparsers(
        dest="labels_command", required=True
    )
    p = labels_cmd.add_parser("list", parents=[common], help="list warning labels")
    p.set_defaults(handler=cmd_labels_list)
    p.add_argument("--all", action="store_true", help="include disabled labels")
    p = labels_cmd.add_parser("reasons", parents=[common], help="list removal and escalation reasons")
    p.set_defaults(handler=cmd_labels_reasons)
    p = labels_cmd.add_parser("set", parents=[common, acting], help="add or change a label (admins)")
    p.set_defaults(handler=cmd_labels_set)
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
        p.set_defaults(handler=_labels_set_active(active))
        p.add_argument("code")

    settings_cmd = sub.add_parser("settings", parents=[common], help="team settings").add_subparsers(
        dest="settings_command", required=True
    )
    p = settings_cmd.add_parser("list", parents=[common], help="list team settings")
    p.set_defaults(handler=cmd_settings_list)
    p = settings_cmd.add_parser("set", parents=[common, acting], help="change a team setting (supervisors)")
    p.set_defaults(handler=cmd_settings_set)
    p.add_argument("key")
    p.add_argument("value", metavar="true|false")

    db_cmd = sub.add_parser("db", parents=[common], help="the database itself").add_subparsers(
        dest="db_command", required=True
    )
    p = db_cmd.add_parser("upgrade", parents=[common], help="upgrade the schema (SQLite is backed up first)")
    p.set_defaults(handler=cmd_db_upgrade)
    p = db_cmd.add_parser("status", parents=[common], help="show the schema revision")
    p.set_defaults(handler=cmd_db_status)
    p = db_cmd.add_parser("backup", parents=[common], help="copy a live SQLite database to PATH")
    p.set_defaults(handler=cmd_db_backup)
    p.add_argument("path", metavar="PATH")
    return parser


def _window_was_asked_for(args: argparse.Namespace) -> bool:
    """``veil gui`` that failed before its window opened, with a screen to
    say so on: from a desktop menu nobody reads stderr. Not for screenshots
    or the offscreen platform, where a dialog would wait for nobody."""
    if args.handler is not cmd_gui or getattr(args, "screenshot", None):
        return False
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal")):
        return False
    # X11 (XWayland under Wayland): the installed program carries Qt's xcb
    # plugin only, and Qt aborts the process where it cannot load one.
    return not sys.platform.startswith("linux") or bool(os.environ.get("DISPLAY"))


def _tell_in_a_window(message: str) -> None:
    try:
        from desktop.ui.app import startup_error_box  # Qt only here

        startup_error_box(message).exec()
    except Exception:  # noqa: BLE001 - the message is on stderr already; a second failure must not hide it
        return


def main(argv: Sequence[str] | None = None) -> int:
    # Pillow notes what it skipped in odd files (bad TIFF tags, invalid APNG
    # chunks); the image is judged on its own, the notes only alarm people.
    # Bombs are refused by a header check before decoding, so its warning too.
    warnings.filterwarnings("ignore", category=UserWarning, module="PIL")
    warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
    parser = build_parser()
    args = parser.parse_args(argv)
    for flag in ("db", "json"):
        if not hasattr(args, flag):
            setattr(args, flag, None if flag == "db" else False)
    ctx: Context | None = None
    try:
        ctx = Context(args)
        code: int = args.handler(args, ctx)
    except VeilError as err:
        say(f"veil: error: {err}")
        if _window_was_asked_for(args):
            _tell_in_a_window(str(err))
        return err.exit_code
    except KeyboardInterrupt:
        say("veil: interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (``veil queue | head``): not an error. Point
        # stdout at devnull so the interpreter's final flush stays quiet
        # (the recipe in Python's signal module docs).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as err:
        # A bug or an unforeseen driver error: one line for the person, the
        # traceback only on request.
        if os.environ.get("VEIL_DEBUG"):
            raise
        first = (str(err).strip().splitlines() or [""])[0]
        say(f"veil: error: {type(err).__name__}: {first} (set VEIL_DEBUG=1 for details)")
        return 2
    finally:
        if ctx is not None:
            ctx.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
