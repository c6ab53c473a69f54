"""The real ``veil`` command as a subprocess, as scripts and admins use it."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import REPO

if TYPE_CHECKING:
    from tests.support.pgserver import PostgresServer

VEIL = Path(sys.executable).with_name("veil")
DEMO = REPO / "resources" / "demo" / "demo-feed.jsonl"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


def veil(*args: str, url: str | None = None, user: str | None = None, env: dict[str, str] | None = None) -> Run:
    command = [str(VEIL)]
    if url:
        command += ["--db", url]
    command += list(args)
    if user:
        command += ["--as", user]
    environment = {**os.environ, **(env or {})}
    done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120, check=False)
    return Run(done.returncode, done.stdout, done.stderr)


def refused(run: Run, code: int, message: str) -> None:
    """A clear one-line error on stderr, the given exit code, no traceback."""
    assert run.code == code, (run.code, run.err)
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("veil: error: ")
    assert message in lines[0]
    assert "Traceback" not in run.err


@pytest.fixture
def demo(db_url: str) -> str:
    """A database with the demo feed, an admin 'root', a moderator and a supervisor."""
    assert veil("ingest", str(DEMO), url=db_url, user="root").code == 0
    assert veil("users", "add", "mod", "--role", "moderator", url=db_url, user="root").code == 0
    assert veil("users", "add", "sup", "--role", "supervisor", url=db_url, user="root").code == 0
    return db_url


def _state(url: str) -> tuple[Any, ...]:
    """What a refused command must leave as it was."""
    queue = veil("queue", "--json", "--limit", "100", url=url).json
    verify = veil("audit", "verify", "--json", url=url, user="root").json
    return (json.dumps(queue), verify["events"], verify["head_hash"])


def test_gui_without_a_screen_says_so(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([str(VEIL)], capture_output=True, text=True, env=env, timeout=60, check=False)
    refused(Run(done.returncode, done.stdout, done.stderr), 2, "no screen to open the window on")


def test_version() -> None:
    run = veil("--version")
    assert run.code == 0 and run.out.startswith("veil ")


def test_ingest_reports_and_is_idempotent(db_url: str) -> None:
    first = veil("ingest", "--json", str(DEMO), url=db_url, user="root")
    again = veil("ingest", "--json", str(DEMO), url=db_url, user="root")
    assert first.code == 0 and again.code == 0
    assert first.json == {"items_added": 12, "items_duplicate": 0, "media_added": 0, "errors": [], "media_errors": []}
    assert again.json["items_added"] == 0 and again.json["items_duplicate"] == 12


def test_malformed_manifest_lines_are_reported_and_the_rest_kept(db_url: str, tmp_path: Path) -> None:
    manifest = tmp_path / "feed.jsonl"
    manifest.write_bytes(b'{"id": 1, "text": "fine"}\n{"id": 2, "text": \n{"id": 3}\n\xff\xfe{"id": 4, "text": "ok"}\n')
    run = veil("ingest", "--json", str(manifest), url=db_url, user="root")
    assert run.code == 1
    assert run.json["items_added"] == 1
    *lines, decoding = run.json["errors"]
    assert [e["error"].split(":")[0] for e in lines] == ["line 2", "line 3", "line 4"]
    assert decoding["path"] == str(manifest)  # the file's bytes that are not UTF-8, replaced and counted


def test_queue_json_contract(demo: str) -> None:
    entries = veil("queue", "--json", url=demo).json
    assert len(entries) == 12
    assert set(entries[0]) == {"id", "severity", "markers", "text", "media", "status"}
    severities = [e["severity"] for e in entries]
    assert severities == sorted(severities, reverse=True)
    assert "21+" in entries[0]["markers"] and entries[0]["status"] == "pending"
    assert len(veil("queue", "--json", "--limit", "3", url=demo).json) == 3


def test_review_round_trip(demo: str, tmp_path: Path) -> None:
    claim = veil("claim", "--json", url=demo, user="mod")
    assert claim.code == 0
    item = claim.json["item_id"]
    decided = veil(
        "decide", str(item), "--action", "warn", "--label", "graphic-violence", "--note", "wounded shown",
        "--json", url=demo, user="mod",
    )  # fmt: skip
    assert decided.code == 0, decided.err
    shown = veil("show", str(item), "--json", url=demo).json
    assert shown["status"] == "decided"
    assert [(d["action"], d["labels"], d["reviewer"]) for d in shown["decisions"]] == [
        ("warn", ["graphic-violence"], "mod")
    ]
    override = veil(
        "override", str(item), "--action", "remove", "--reason-code", "gratuitous", "--reason", "faces visible",
        "--json", url=demo, user="sup",
    )  # fmt: skip
    assert override.code == 0, override.err

    rows = [json.loads(line) for line in veil("export", url=demo, user="sup").out.splitlines()]
    assert [(r["action"], r["reviewer"], r["round"]) for r in rows] == [("warn", "mod", 1), ("remove", "sup", 1)]
    assert rows[0]["overrides"] is None and rows[1]["overrides"] == rows[0]["id"]
    assert rows[0]["labels"] == ["graphic-violence"] and rows[0]["note"] == "wounded shown"

    out = tmp_path / "decisions.csv"
    assert veil("export", "--format", "csv", "-o", str(out), url=demo, user="sup").code == 0
    table = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["action"] for r in table] == ["warn", "remove"]
    assert {"item_id", "action", "labels", "note", "reviewer", "decided_at", "round", "overrides"} <= set(table[0])

    verify = veil("audit", "verify", "--json", url=demo, user="sup")
    assert verify.code == 0 and verify.json["ok"] is True


def test_retried_decide_with_the_same_id_is_harmless(demo: str) -> None:
    args = ("decide", "2", "--action", "approve", "--id", "7d0c3f0e-3f7e-4a39-9d33-5a1f2b8b9a11", "--json")
    first, second = veil(*args, url=demo, user="mod"), veil(*args, url=demo, user="mod")
    assert first.code == second.code == 0
    assert first.json == second.json
    assert len(veil("show", "2", "--json", url=demo).json["decisions"]) == 1


def test_undo_via_cli(demo: str) -> None:
    assert veil("decide", "2", "--action", "approve", url=demo, user="mod").code == 0
    undo = veil("undo", "--json", url=demo, user="mod")
    assert undo.code == 0 and undo.json["action"] == "undo"
    assert veil("show", "2", "--json", url=demo).json["status"] == "pending"


def test_tampered_chain_exits_3_naming_the_event(demo: str) -> None:
    assert veil("decide", "2", "--action", "approve", url=demo, user="mod").code == 0
    from sqlalchemy import create_engine

    engine = create_engine(demo)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_update")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_event_append_only ON audit_event")
        conn.exec_driver_sql("UPDATE audit_event SET actor = 'someone-else' WHERE id = 3")
    engine.dispose()

    run = veil("audit", "verify", url=demo, user="root")
    assert run.code == 3
    assert "event 3" in run.err and "edited" in run.err


# -- roles hold on the command line -------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("users", "add", "eve", "--role", "admin"), "may not manage users"),
        (("users", "disable", "sup"), "may not manage users"),
        (("override", "1", "--action", "approve", "--reason", "mine"), "may not override decisions"),
        (("labels", "set", "gore2", "--name", "Gore 2"), "may not manage the taxonomy"),
        (("labels", "disable", "medical"), "may not manage the taxonomy"),
        (("skips", "clear"), "may not clear skips"),
        (("claim", "--escalations"), "may not resolve escalations"),
        (("export",), "may not read the audit trail"),
        (("audit", "verify"), "may not read the audit trail"),
        (("audit", "verify", "--json"), "may not read the audit trail"),
        (("settings", "set", "near_duplicates.auto_apply", "true"), "may not change team settings"),
    ],
)
def test_moderator_is_refused(demo: str, args: tuple[str, ...], message: str) -> None:
    assert veil("decide", "1", "--action", "approve", url=demo, user="mod").code == 0
    before = _state(demo)
    refused(veil(*args, url=demo, user="mod"), 2, message)
    assert _state(demo) == before


def test_disabled_user_is_refused(demo: str) -> None:
    assert veil("users", "disable", "mod", url=demo, user="root").code == 0
    refused(veil("claim", url=demo, user="mod"), 2, "disabled")
    listing = {u["name"]: u for u in veil("users", "list", "--json", url=demo).json}
    assert listing["mod"]["disabled"] is True and listing["root"]["role"] == "admin"


# -- bad input: one line, exit 2, nothing changed ---------------------------------


def test_unknown_db_scheme() -> None:
    refused(veil("queue", url="mysql://localhost/veil"), 2, "unsupported database URL scheme 'mysql'")
    refused(veil("queue", url="not a url"), 2, "not a database URL")


def test_postgresql_unreachable(pg_server: PostgresServer) -> None:
    closed_port = pg_server.url().replace(f":{pg_server.port}/", ":1/")
    refused(veil("queue", url=closed_port), 2, "cannot connect to postgresql+psycopg://veil:***@127.0.0.1:1/")


def test_postgresql_wrong_password(pg_server: PostgresServer) -> None:
    run = veil("queue", url=pg_server.url(password="wrong"))
    refused(run, 2, "password authentication failed")
    assert "wrong" not in run.err


def _make_read_only(path: Path) -> list[str]:
    """Make ``path`` unwritable even for root; returns the command that undoes it."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        return ["chmod", "644", str(path)]
    subprocess.run(["chattr", "+i", str(path)], check=True)
    return ["chattr", "-i", str(path)]


def test_read_only_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "veil.sqlite3"
    url = f"sqlite:///{path}"
    assert veil("ingest", str(DEMO), url=url, user="root").code == 0
    undo = _make_read_only(path)
    try:
        before = path.read_bytes()
        refused(veil("decide", "1", "--action", "approve", url=url, user="root"), 2, "is read-only")
        assert path.read_bytes() == before
    finally:
        subprocess.run(undo, check=True)


def test_read_only_sqlite_connection(tmp_path: Path) -> None:
    path = tmp_path / "veil.sqlite3"
    assert veil("ingest", str(DEMO), url=f"sqlite:///{path}", user="root").code == 0
    before = path.read_bytes()
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    assert veil("queue", "--json", url=url).code == 0  # reading still works
    refused(veil("decide", "1", "--action", "approve", url=url, user="root"), 2, "is read-only")
    assert path.read_bytes() == before


def test_locked_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "veil.sqlite3"
    url = f"sqlite:///{path}"
    assert veil("ingest", str(DEMO), url=url, user="root").code == 0
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        run = veil("decide", "1", "--action", "approve", url=url, user="root", env={"VEIL_BUSY_TIMEOUT_MS": "300"})
        refused(run, 2, "is locked by another program")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert veil("show", "1", "--json", url=url).json["decisions"] == []


def test_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    path.write_text("shopping list\n" * 500)
    refused(veil("queue", url=f"sqlite:///{path}"), 2, "is not an SQLite database")
    assert path.read_text() == "shopping list\n" * 500


def test_database_of_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "veil.sqlite3"
    url = f"sqlite:///{path}"
    assert veil("ingest", str(DEMO), url=url, user="root").code == 0
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.close()
    before = path.read_bytes()
    refused(veil("queue", url=url), 2, "newer than this Veil knows")
    assert path.read_bytes() == before


def test_unknown_user(demo: str) -> None:
    before = _state(demo)
    refused(veil("claim", url=demo, user="nobody"), 2, "unknown user 'nobody'")
    assert _state(demo) == before


def test_deciding_an_item_someone_else_holds(demo: str) -> None:
    item = veil("claim", "--json", url=demo, user="sup").json["item_id"]
    before = _state(demo)
    refused(veil("decide", str(item), "--action", "approve", url=demo, user="mod"), 2, "is held by sup")
    assert _state(demo) == before


def test_warn_without_a_label(demo: str) -> None:
    before = _state(demo)
    refused(veil("decide", "1", "--action", "warn", url=demo, user="mod"), 2, "warn needs at least one label")
    assert _state(demo) == before


def test_unknown_label_code(demo: str) -> None:
    before = _state(demo)
    run = veil("decide", "1", "--action", "warn", "--label", "gory", url=demo, user="mod")
    refused(run, 2, "unknown label code 'gory'")
    assert _state(demo) == before


def test_unknown_action_and_item(demo: str) -> None:
    refused(veil("decide", "1", "--action", "delete", url=demo, user="mod"), 2, "unknown action 'delete'")
    refused(veil("show", "999", url=demo), 2, "no item 999")


def test_backup(demo: str, tmp_path: Path) -> None:
    target = tmp_path / "backup.sqlite3"
    run = veil("db", "backup", str(target), url=demo)
    if demo.startswith("sqlite"):
        assert run.code == 0, run.err
        with sqlite3.connect(target) as copy:
            assert copy.execute("SELECT count(*) FROM item").fetchone() == (12,)
        copy.close()
        if sys.platform != "win32":
            assert stat.S_IMODE(target.stat().st_mode) == 0o600  # the copy is its owner's only
        refused(veil("db", "backup", str(target), url=demo), 2, "exists")
    else:
        refused(run, 2, "pg_dump")
        assert "'postgresql://" in run.err and "+psycopg" not in run.err  # a URL pg_dump takes
        assert not target.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="Windows has no owner/group/other modes")
def test_the_default_database_is_private_to_its_owner(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run = veil("queue", "--json", env={"VEIL_DATA_DIR": str(data)})
    assert run.code == 0, run.err
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "veil.sqlite3").stat().st_mode) == 0o600


def test_a_database_on_this_machines_disk_is_opened(tmp_path: Path) -> None:
    # Only the local case can run here; the refusal of a share is tested on
    # real mountinfo lines (tests/unit/test_local_disk.py).
    status = veil("db", "status", "--json", url=f"sqlite:///{tmp_path / 'veil.sqlite3'}")
    assert status.code == 0, status.err
    assert "network file system" not in status.err


def test_db_upgrade_and_status(db_url: str) -> None:
    upgraded = veil("db", "upgrade", "--json", url=db_url)
    assert upgraded.code == 0 and upgraded.json["before"] == upgraded.json["after"]
    status = veil("db", "status", "--json", url=db_url).json
    assert status["revision"] == status["head"]


def test_global_options_work_anywhere(demo: str) -> None:
    assert veil("--db", demo, "users", "list", "--json").code == 0
    assert veil("users", "--db", demo, "list", "--json").code == 0
    names = {u["name"] for u in veil("users", "list", "--db", demo, "--json").json}
    assert names == {"root", "mod", "sup"}


def test_refused_export_leaves_no_file(demo: str, tmp_path: Path) -> None:
    out = tmp_path / "decisions.jsonl"
    refused(veil("export", "-o", str(out), url=demo, user="mod"), 2, "may not read the audit trail")
    assert not out.exists()


def test_url_errors_never_show_the_password() -> None:
    run = veil("queue", url="postgresql://veil:hunter2@127.0.0.1:notaport/veil")
    refused(run, 2, "not a database URL")
    assert "hunter2" not in run.err


def test_admin_edits_the_taxonomy(demo: str) -> None:
    added = veil(
        "labels", "set", "drowning", "--name", "Drowning", "--default", "hide", "--age-gate", "18",
        "--equivalent", "bluesky=graphic-media", "--json", url=demo, user="root",
    )  # fmt: skip
    assert added.code == 0, added.err
    assert veil("labels", "disable", "suggestive", url=demo, user="root").code == 0
    codes = [label["code"] for label in veil("labels", "list", "--json", url=demo).json]
    assert "drowning" in codes and "suggestive" not in codes
    decided = veil("decide", "1", "--action", "warn", "--label", "drowning", url=demo, user="mod")
    assert decided.code == 0
    refused(veil("decide", "2", "--action", "warn", "--label", "suggestive", url=demo, user="mod"), 2, "unknown label")
    refused(
        veil("labels", "set", "x", "--name", "X", "--equivalent", "oops", url=demo, user="root"), 2, "PLATFORM=LABEL"
    )


def test_out_of_range_manifest_values_are_contained(db_url: str, tmp_path: Path) -> None:
    manifest = tmp_path / "feed.jsonl"
    manifest.write_text(
        '{"id": "a", "text": "extreme", "markers": [{"code": "x", "severity": 7}]}\n'
        '{"id": "b", "text": "long author", "author": "' + "n" * 300 + '"}\n'
        '{"id": "c", "text": "fine"}\n',
        encoding="utf-8",
    )
    run = veil("ingest", "--json", str(manifest), url=db_url, user="root")
    assert run.code == 1
    assert run.json["items_added"] == 2
    assert ["line 2" in e["error"] and "longer than 200" in e["error"] for e in run.json["errors"]] == [True]
    assert veil("queue", "--json", url=db_url).json[0]["severity"] == 3


def test_a_password_guards_the_command_line_too(demo: str) -> None:
    assert veil("users", "add", "alice", "--role", "moderator", url=demo, user="root").code == 0
    set_it = veil("users", "password", "alice", url=demo, user="alice", env={"VEIL_NEW_PASSWORD": "correct horse"})
    assert set_it.code == 0, set_it.err
    listed = {u["name"]: u for u in veil("users", "list", "--json", url=demo).json}
    assert listed["alice"]["has_password"] is True and listed["root"]["has_password"] is False

    refused(veil("claim", url=demo, user="alice"), 2, "has a password: give it in VEIL_PASSWORD")
    refused(veil("claim", url=demo, user="alice", env={"VEIL_PASSWORD": "wrong guess"}), 2, "wrong password")
    assert veil("claim", "--json", url=demo, user="alice", env={"VEIL_PASSWORD": "correct horse"}).code == 0
    refused(veil("users", "password", "root", url=demo, user="alice", env={"VEIL_PASSWORD": "correct horse",
            "VEIL_NEW_PASSWORD": "taken over!"}), 2, "may not manage users")  # fmt: skip
