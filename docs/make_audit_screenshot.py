"""A screenshot of the audit view, for docs/screenshots/audit-view.png.

Run: ``.venv/bin/python docs/make_audit_screenshot.py`` (offscreen; a few seconds).

Builds a throwaway SQLite database from the demo feed and the corpus
live-blog feed, has four moderators work the queue through the real review
service (with a clock moved by hand: a shift of decisions a minute or two
apart, an undo, escalations), lets a supervisor sample for blind second
review and override two decisions, then opens the audit view as that
supervisor in the dark theme, selects an overridden item, verifies the
chain and saves the window. Nothing here touches the user's own settings.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CORPUS = Path(os.environ.get("VEIL_SHARED", REPO.parent / "shared")) / "corpus"
OUT = REPO / "docs" / "screenshots" / "audit-view.png"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def build(url: str, clock: Clock) -> None:
    from desktop.core.ingest.files import ingest_files
    from desktop.core.people import users
    from desktop.core.supervision import qa
    from desktop.core.workspace import open_workspace
    from desktop.domain.people import Role
    from desktop.domain.review import Action

    ws = open_workspace(url, clock=clock)
    try:
        root = ws.actor("amira")
        people = {}
        with ws.db.write() as session:
            for name, role in (
                ("ani", Role.MODERATOR),
                ("davit", Role.MODERATOR),
                ("lucia", Role.MODERATOR),
                ("tomas", Role.MODERATOR),
                ("sona", Role.SUPERVISOR),
            ):
                people[name] = users.add_user(session, root, name, role, clock())
        ingest_files(
            ws.db,
            [REPO / "resources" / "demo" / "demo-feed.jsonl", CORPUS / "feeds" / "live-blog-2020-11-06.txt"],
            actor="amira",
            now=clock(),
            workers=1,
        )
        review = ws.review
        shift = ["ani", "davit", "lucia", "tomas"]
        decided: dict[int, tuple[str, Action]] = {}
        for n in range(34):
            who = people[shift[n % 4]]
            claim = review.claim_next(who)
            if claim is None:
                break
            view = review.show(claim.item_id)
            clock.advance(35 + (n * 17) % 70)
            text = view.text.lower()
            if view.severity >= 3 and n % 5 == 1:
                info = review.decide(who, claim.item_id, Action.REMOVE, reason="gratuitous")
            elif view.severity >= 3 and n % 7 == 3:
                info = review.decide(
                    who, claim.item_id, Action.ESCALATE, reason="unsure", note="is this the same clip?"
                )
            elif view.severity >= 2 or "killed" in text or "dead" in text:
                labels = ["graphic-violence", "newsworthy"] if n % 3 else ["graphic-violence"]
                info = review.decide(who, claim.item_id, Action.WARN, labels=labels)
            else:
                info = review.decide(who, claim.item_id, Action.APPROVE)
            decided[claim.item_id] = (who.name, info.action)
            if n == 9:
                clock.advance(40)
                review.undo_last(who)
                clock.advance(25)
                review.decide(who, claim.item_id, Action.WARN, labels=["graphic-violence"], note="faces visible")
        clock.advance(900)
        boss = people["sona"]
        sampled = qa.sample(ws.db, boss, rate=0.25, clock=clock, seed=7)
        for turn, _ in enumerate(sampled.sampled[:4]):
            clock.advance(50)
            for name in shift[turn % 4 :] + shift[: turn % 4]:
                task = qa.claim_next(ws.db, people[name], clock=clock)
                if task is not None:
                    qa.decide(ws.db, people[name], task.item_id, Action.APPROVE, clock=clock)
                    break
        clock.advance(600)
        removals = [item for item, (_, action) in decided.items() if action == Action.REMOVE]
        warnings = [item for item, (_, action) in decided.items() if action == Action.WARN]
        if removals:
            review.override(
                boss,
                removals[0],
                Action.WARN,
                labels=["graphic-violence", "newsworthy"],
                reason_note="News value: first footage of the shelling; no faces recognisable",
            )
        clock.advance(120)
        if len(warnings) > 2:
            review.override(
                boss, warnings[2], Action.REMOVE, reason="victim-dignity", reason_note="The victim's face is visible"
            )
    finally:
        ws.close()


def shoot(url: str) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    from desktop.app.veil import Veil
    from desktop.ui.app import make_application
    from desktop.ui.audit_view import AuditView
    from desktop.ui.theme import apply_theme

    app = make_application([])
    apply_theme(app, "dark", 12)
    veil = Veil.open(url)
    veil.sign_in("sona")
    view = AuditView(veil)
    view.setWindowTitle("Veil — audit")
    view.resize(1440, 900)

    def settle(condition: object = None, ms: int = 15_000) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        check = condition if callable(condition) else (lambda: True)
        while not check():
            loop.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
        for _ in range(20):
            app.processEvents()

    pages: list[int] = []
    view.page_loaded.connect(pages.append)
    view.show()
    settle(lambda: pages)
    # The newest override: its item's history shows the struck-through original.
    target = next(n for n in range(view.model.rowCount()) if view.model.entry(n).kind.value == "override")
    shown: list[int] = []
    view.history_shown.connect(shown.append)
    view.table.selectRow(target)
    settle(lambda: shown)
    verified: list[object] = []
    view.verified.connect(verified.append)
    view.verify_button.click()
    settle(lambda: verified)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    view.grab().save(str(OUT))
    print(f"wrote {OUT.relative_to(REPO)}")  # noqa: T201
    view.close()
    veil.close()


def main() -> None:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    with tempfile.TemporaryDirectory(prefix="veil-audit-shot-") as tmp:
        os.environ["VEIL_DATA_DIR"] = str(Path(tmp) / "data")
        os.environ["VEIL_CONFIG"] = str(Path(tmp) / "config.toml")
        os.environ["VEIL_SYSTEM_CONFIG"] = str(Path(tmp) / "system.toml")
        url = f"sqlite:///{Path(tmp) / 'audit.sqlite3'}"
        build(url, Clock())
        shoot(url)


if __name__ == "__main__":
    main()
