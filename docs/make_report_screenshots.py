"""The supervisors' dashboard and the PDF report's first page, for docs/screenshots/.

Run: ``.venv/bin/python docs/make_report_screenshots.py`` (offscreen; ~30 s).

Builds a throwaway SQLite database with two weeks of made-up work by five
reviewers through the real services (a clock moved by hand: items arrive
through the day, decisions follow with realistic delays, some undone,
overridden or escalated, reveal and graphic-item time recorded), then
reads one report and renders it three ways: the dashboard (dark theme),
the PDF, and the PDF's first page as PNG (by poppler's pdftoppm, which must
be on the PATH). Seeded: the same pictures each run.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OUT = REPO / "docs" / "screenshots"

from desktop.core import audit  # noqa: E402 - after the path is set
from desktop.core.ingest.store import store  # noqa: E402
from desktop.core.people import users  # noqa: E402
from desktop.core.supervision import qa, reports  # noqa: E402
from desktop.core.workspace import Workspace, open_workspace  # noqa: E402
from desktop.domain.ingest import ItemDraft  # noqa: E402
from desktop.domain.people import Actor, Role  # noqa: E402
from desktop.domain.review import Action  # noqa: E402

START = datetime(2026, 11, 9, tzinfo=UTC)
DAYS = 14
LABELS = ["graphic-violence", "medical", "child-casualties", "extreme-gore", "self-harm", "animal-cruelty"]
LABEL_WEIGHTS = [40, 18, 8, 6, 4, 3]


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def build(ws: Workspace, clock: Clock) -> Actor:
    rng = random.Random(20261109)
    admin = ws.actor("it-admin")
    with ws.db.write() as session:
        crew = [users.add_user(session, admin, n, Role.MODERATOR, clock()) for n in ("amira", "bogdan", "chen", "dana")]
        lead = users.add_user(session, admin, "sofia", Role.SUPERVISOR, clock())
    review = ws.review
    waiting: list[int] = []
    escalated: list[int] = []
    serial = 0
    for day in range(DAYS):
        base = START + timedelta(days=day)
        weekend = base.weekday() >= 5
        arrivals = sorted(
            rng.uniform(6, 21) for _ in range(rng.randint(30, 48) if not weekend else rng.randint(12, 20))
        )
        shift = [m for m in crew if rng.random() < (0.5 if weekend else 0.9)]
        work = sorted(rng.uniform(8, 18) for _ in range(len(shift) * rng.randint(10, 13)))
        events = [(h, "in") for h in arrivals] + [(h, "work") for h in work]
        events += [(12.5, "boss"), (17.5, "boss"), (17.8, "second")]
        for hour, what in sorted(events):
            clock.now = base + timedelta(hours=hour)
            if what == "in":
                serial += 1
                draft = ItemDraft(text=f"report {serial}", external_id=f"r{serial}", severity=rng.choice([1, 2, 2, 3]))
                with ws.db.write() as session:
                    store(session, [draft], source="wire", kind="jsonl", actor="it-admin", now=clock())
                waiting.append(serial)
            elif what == "work" and waiting:
                who = rng.choice(shift)
                item = waiting.pop(0)
                seen = rng.uniform(20, 240)
                review.record_exposure(who, item, media_id=None, mode="view", started_at=clock(), seconds=seen)
                if rng.random() < 0.6:
                    review.record_exposure(
                        who, item, media_id=None, mode="reveal", started_at=clock(), seconds=rng.uniform(2, 40)
                    )
                roll = rng.random()
                if roll < 0.34:
                    review.decide(who, item, Action.APPROVE)
                elif roll < 0.78:
                    labels = sorted(set(rng.choices(LABELS, LABEL_WEIGHTS, k=rng.choice([1, 1, 2]))))
                    review.decide(who, item, Action.WARN, labels=labels)
                elif roll < 0.93:
                    review.decide(who, item, Action.REMOVE, reason=rng.choice(["gratuitous", "victim-dignity"]))
                else:
                    review.decide(who, item, Action.ESCALATE, reason=rng.choice(["unsure", "policy-gap"]))
                    escalated.append(item)
                if rng.random() < 0.03:
                    clock.now += timedelta(minutes=1)
                    review.undo_last(who)
                    review.decide(who, item, Action.WARN, labels=["graphic-violence"])
            elif what == "second" and not weekend:
                second_reviews(ws, lead, shift, base, rng)
            elif what == "boss":
                for item in escalated[: rng.randint(0, 2)]:
                    review.decide(lead, item, Action.WARN, labels=["graphic-violence", "newsworthy"])
                    escalated.remove(item)
                if rng.random() < 0.5:
                    target = rng.randint(max(1, serial - 40), serial)
                    view = review.show(target)
                    if view.decisions and view.status.value == "decided":
                        review.override(
                            lead, target, Action.REMOVE, reason="victim-dignity", reason_note="faces recognisable"
                        )
    clock.now = START + timedelta(days=DAYS - 1, hours=18)
    return lead


def second_reviews(ws: Workspace, lead: Actor, shift: list[Actor], day: datetime, rng: random.Random) -> None:
    """The supervisor samples a tenth of the day's decisions; the others review them again, blind."""
    qa.sample(
        ws.db, lead, rate=0.1, clock=ws.clock, since=day, until=day + timedelta(days=1), seed=rng.randrange(2**32)
    )
    for reviewer in shift * 4:
        claim = qa.claim_next(ws.db, reviewer, clock=ws.clock)
        if claim is None:
            continue
        first = next(d for d in ws.review.show(claim.item_id).decisions if d.round == 1 and not d.overrides)
        action = first.action if rng.random() < 0.8 else rng.choice([Action.APPROVE, Action.WARN, Action.REMOVE])
        if action == Action.ESCALATE:
            action = Action.WARN
        labels = (
            (first.labels if first.labels and rng.random() < 0.85 else ["graphic-violence"])
            if action == Action.WARN
            else []
        )
        reason = (
            (first.reason if action == first.action and first.reason else "gratuitous")
            if action == Action.REMOVE
            else None
        )
        qa.decide(ws.db, reviewer, claim.item_id, action, clock=ws.clock, labels=labels, reason=reason)


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from desktop.core.supervision.report_pdf import write_pdf
    from desktop.ui.dashboard import Dashboard
    from desktop.ui.theme import apply_theme

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        sys.exit("pdftoppm (poppler-utils) is needed to draw the PDF's first page")

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="veil-report-") as tmp:
        clock = Clock()
        ws = open_workspace(f"sqlite:///{Path(tmp) / 'veil.sqlite3'}", clock=clock)
        try:
            lead = build(ws, clock)
            found = reports.report(ws.db, lead, since=START, clock=clock)
            chain = audit.verify(ws.db)
            assert chain.ok, chain.problem
        finally:
            ws.close()
        app = QApplication.instance() or QApplication(["veil"])
        assert isinstance(app, QApplication)
        apply_theme(app, "dark", 11)
        dashboard = Dashboard()
        dashboard.resize(1280, 1500)
        dashboard.show_report(found)
        dashboard.show()
        app.processEvents()
        dashboard.grab().save(str(OUT / "dashboard.png"))
        dashboard.close()
        pdf = Path(tmp) / "report.pdf"
        title = "Veil — moderation report"
        pages = write_pdf(found, pdf, head_hash=chain.head_hash, title=title)
        # The page as a reader draws it, at the size of the old screenshot (A4 at 110 dpi).
        page1 = OUT / "report-pdf-page1"
        subprocess.run([pdftoppm, "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", pdf, page1], check=True)
        keep = os.environ.get("VEIL_KEEP_PDF")
        if keep:
            Path(keep).write_bytes(pdf.read_bytes())
        print(f"{found.decisions} decisions, {pages} PDF pages; written to {OUT}")  # noqa: T201


if __name__ == "__main__":
    main()
