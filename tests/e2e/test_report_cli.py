"""``veil report``, ``veil escalations`` and ``veil audit export|check`` as scripts and supervisors run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine

from desktop.core.workspace import open_workspace
from desktop.domain.people import Role
from desktop.domain.review import Action
from tests.e2e.test_cli import VEIL, refused, veil
from tests.support.factories import add_items, add_user
from tests.support.pdf import pdf_text

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def worked(db_url: str) -> str:
    """Six items and a moderator's morning: a warning, a removal, an escalation, one override.

    Made through the services in-process (a subprocess per step would cost seconds
    per test); the commands under test then run as the real ``veil``.
    """
    ws = open_workspace(db_url)
    try:
        add_items(ws, 6, severity=2)
        ws.actor("root")
        mod, sup = add_user(ws, "mod", by="root"), add_user(ws, "sup", Role.SUPERVISOR, by="root")
        ws.review.decide(mod, 1, Action.WARN, labels=["graphic-violence", "newsworthy"])
        ws.review.decide(mod, 2, Action.REMOVE, reason="gratuitous")
        ws.review.decide(mod, 3, Action.ESCALATE, reason="unsure", note="staged? check the source")
        ws.review.override(sup, 1, Action.REMOVE, reason="gratuitous", reason_note="faces visible")
    finally:
        ws.close()
    return db_url


def test_report_json(worked: str) -> None:
    run = veil("report", "--json", url=worked, user="sup")

    assert run.code == 0, run.err
    data = run.json
    assert data["decisions"] == 3
    assert data["by_action"] == {"approve": 0, "warn": 1, "remove": 1, "escalate": 1}
    assert data["by_label"] == {"graphic-violence": 1, "newsworthy": 1}
    assert data["by_moderator"] == {"mod": 3}
    assert data["overrides"] == 1
    assert data["escalations"] == {"open": 1, "resolved": 0}
    assert set(data["time_to_decision_s"]) >= {"median", "p90"} and data["time_to_decision_s"]["n"] == 3
    assert data["exposure_s_by_moderator"] == {}
    assert set(data["agreement"]) >= {"overall", "by_moderator", "by_label"}
    assert set(data["agreement"]["overall"]) == {"n", "percent", "kappa"}
    assert sum(data["decisions_per_day"].values()) == 3 and sum(data["decisions_per_hour"].values()) == 3
    verify = veil("audit", "verify", "--json", url=worked, user="sup").json
    assert data["audit"] == {"events": verify["events"], "head_hash": verify["head_hash"]}


def test_report_range_from_the_command_line(worked: str) -> None:
    run = veil("report", "--since", "2001-01-01", "--until", "2001-01-03", "--json", url=worked, user="sup")

    assert run.code == 0, run.err
    assert run.json["decisions"] == 0
    assert list(run.json["decisions_per_day"]) == ["2001-01-01", "2001-01-02"]
    refused(veil("report", "--since", "2001-01-03", "--until", "2001-01-01", url=worked, user="sup"), 2, "range")


def test_report_tables_for_people(worked: str) -> None:
    run = veil("report", url=worked, user="sup")

    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert any(line.split() == ["decisions", "3"] for line in lines)
    assert any(line.split() == ["escalations", "1", "open,", "0", "resolved"] for line in lines)
    assert "by label" in lines and any(
        line.split() == ["graphic-violence", "Graphic", "violence", "1"] for line in lines
    )
    assert lines[-1].startswith("audit chain: ")


@pytest.mark.parametrize("command", [("report",), ("report", "--json"), ("escalations",), ("report", "--pdf", "x.pdf")])
def test_moderators_are_refused(worked: str, command: tuple[str, ...], tmp_path: Path) -> None:
    run = veil(*command, url=worked, user="mod")

    refused(run, 2, "mod is a moderator")
    assert not (tmp_path / "x.pdf").exists()


def test_open_escalations(worked: str) -> None:
    run = veil("escalations", "--json", url=worked, user="sup")

    assert run.code == 0, run.err
    (found,) = run.json
    assert (found["item_id"], found["escalated_by"], found["reason"], found["note"]) == (
        3, "mod", "unsure", "staged? check the source",
    )  # fmt: skip
    assert found["escalated_at"] and found["held_by"] is None
    human = veil("escalations", url=worked, user="sup")
    assert "by mod" in human.out and "note: staged? check the source" in human.out


def test_report_pdf_without_a_display(worked: str, tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    # As on a server: no display, no Qt platform chosen.
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    command = [str(VEIL), "--db", worked, "report", "--pdf", str(target), "--as", "sup"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)

    assert done.returncode == 0, done.stderr
    assert target.read_bytes().startswith(b"%PDF-")
    head = veil("audit", "verify", "--json", url=worked, user="sup").json["head_hash"]
    assert head in pdf_text(target)
    assert f"report written to {target}" in done.stderr


def test_report_pdf_never_loads_qt(worked: str, tmp_path: Path) -> None:
    """On a server without Qt's libraries: PySide6 cannot even be imported, and is not needed."""
    target = tmp_path / "report.pdf"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    code = (
        "import sys\n"
        "sys.modules['PySide6'] = sys.modules['shiboken6'] = None  # any import of them fails\n"
        "from desktop.cli import main\n"
        f"code = main(['--db', {worked!r}, 'report', '--pdf', {str(target)!r}, '--as', 'sup'])\n"
        "loaded = sorted(m for m, v in sys.modules.items() if m.split('.')[0] in ('PySide6', 'shiboken6') and v)\n"
        "print(loaded)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=False
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    head = veil("audit", "verify", "--json", url=worked).json["head_hash"]
    assert head in pdf_text(target)


def test_audit_export_then_check(worked: str, tmp_path: Path) -> None:
    export = tmp_path / "chain.jsonl"

    made = veil("audit", "export", "-o", str(export), "--json", url=worked, user="sup")
    checked = veil("audit", "check", str(export), url=worked, user="sup")

    assert made.code == 0, made.err
    verify = veil("audit", "verify", "--json", url=worked, user="sup").json
    assert made.json == {"file": str(export), "events": verify["events"], "head_hash": verify["head_hash"]}
    lines = export.read_text().splitlines()
    assert len(lines) == verify["events"] + 1
    assert json.loads(lines[-1]) == {"head_hash": verify["head_hash"], "events": verify["events"]}
    assert checked.code == 0, checked.err
    assert "matches" in checked.err and verify["head_hash"] in checked.err
    assert not list(tmp_path.glob("*.partial"))


def test_audit_check_passes_after_more_work_and_fails_on_a_forged_line(worked: str, tmp_path: Path) -> None:
    export = tmp_path / "chain.jsonl"
    assert veil("audit", "export", "-o", str(export), url=worked, user="sup").code == 0
    assert veil("decide", "4", "--action", "approve", url=worked, user="mod").code == 0

    later = veil("audit", "check", str(export), "--json", url=worked, user="sup")
    lines = export.read_text().splitlines()
    event = json.loads(lines[4])
    forged = tmp_path / "forged.jsonl"
    forged.write_text("\n".join([*lines[:4], json.dumps({**event, "hash": "f" * 64}), *lines[5:]]) + "\n")
    broken = veil("audit", "check", str(forged), url=worked, user="sup")

    assert later.code == 0, later.err
    assert later.json["ok"] and later.json["database_events"] > later.json["events"]
    assert broken.code == 3
    (line,) = broken.err.strip().splitlines()
    assert f"event {event['id']}" in line and "does NOT match" in line


def test_audit_check_names_the_event_rewritten_in_the_database(worked: str, tmp_path: Path) -> None:
    export = tmp_path / "chain.jsonl"
    assert veil("audit", "export", "-o", str(export), url=worked, user="sup").code == 0
    engine = create_engine(worked)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_update")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_event_append_only ON audit_event")
        conn.exec_driver_sql("UPDATE audit_event SET actor = 'someone-else' WHERE id = 3")
    engine.dispose()

    run = veil("audit", "check", str(export), url=worked, user="sup")

    assert run.code == 3
    assert "event 3" in run.err and "edited" in run.err


def test_audit_export_never_overwrites_and_is_for_supervisors(worked: str, tmp_path: Path) -> None:
    export = tmp_path / "chain.jsonl"
    export.write_text("keep me\n")

    again = veil("audit", "export", "-o", str(export), url=worked, user="sup")
    by_moderator = veil("audit", "export", "-o", str(tmp_path / "mine.jsonl"), url=worked, user="mod")
    not_an_export = veil("audit", "check", str(export), url=worked, user="sup")
    check_by_moderator = veil("audit", "check", str(export), url=worked, user="mod")

    refused(again, 2, "exists")
    assert export.read_text() == "keep me\n"
    refused(by_moderator, 2, "may not read the audit trail")
    assert not (tmp_path / "mine.jsonl").exists() and not list(tmp_path.glob("*.partial"))
    refused(not_an_export, 2, "not an audit export")
    refused(check_by_moderator, 2, "mod is a moderator and may not read the audit trail")
    refused(veil("audit", "check", str(tmp_path / "missing.jsonl"), url=worked, user="sup"), 2, "no file")
