"""Each command loads only what it uses: the real command line in a subprocess,
and the heavy libraries found loaded when it has finished.

A database already at the newest schema is recognised with one query, so
Alembic (and Mako beneath it) loads only when a migration must run; image,
video, PDF, crypto and Qt libraries load only for the commands that use them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass

from alembic import command

from db.migrate import HEAD, alembic_config, current_revision, head_revision
from db.session import Database
from desktop.cli.parser import build_parser
from desktop.core.workspace import open_workspace
from tests.support.factories import add_items, add_user, admin

HEAVY = ("numpy", "PIL", "av", "pdqhash", "alembic", "mako", "PySide6", "shiboken6", "fpdf", "cryptography")
# The command as the installed ``veil`` runs it, then what it loaded, as the last line of stderr.
RUNNER = (
    "import json, sys\n"
    "from desktop.cli import main\n"
    "code = main(sys.argv[1:])\n"
    f"heavy = {HEAVY!r}\n"
    "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules} & set(heavy))), file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@dataclass
class Ran:
    code: int
    out: str
    err: str
    loaded: list[str]


def run(url: str, *args: str) -> Ran:
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, "--db", url, *args], capture_output=True, text=True, timeout=120, check=False
    )
    *said, last = done.stderr.splitlines() or [""]
    assert done.returncode == 0, done.stderr
    return Ran(done.returncode, done.stdout, "\n".join(said), json.loads(last))


def test_the_head_the_one_query_trusts_is_the_migrations_folder_s() -> None:
    assert head_revision() == HEAD


def _handlers(parser: argparse.ArgumentParser, path: str = "veil") -> dict[str, object]:
    found = {path: parser.get_default("handler")}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(_handlers(sub, f"{path} {name}"))
    return found


def test_every_command_s_handler_is_found_when_it_runs() -> None:
    handlers = _handlers(build_parser())
    assert len(handlers) > 40
    for words, handler in handlers.items():
        if handler is None:  # a group (veil users) whose subcommand is required
            continue
        assert callable(getattr(handler, "resolve", lambda: None)()), words


def test_reading_and_deciding_commands_load_no_heavy_library(db_url: str) -> None:
    ws = open_workspace(db_url)
    try:
        admin(ws)
        add_user(ws, "mod")
        add_items(ws, 3)
    finally:
        ws.close()
    queue = run(db_url, "--json", "queue", "--limit", "20")
    item = json.loads(queue.out)[0]["id"]
    runs = {
        "queue": queue,
        "show": run(db_url, "show", str(item), "--as", "mod"),
        "claim": run(db_url, "claim", "--as", "mod"),
    }
    claimed = int(runs["claim"].out)
    runs["decide"] = run(db_url, "decide", str(claimed), "--action", "approve", "--as", "mod")
    runs["users list"] = run(db_url, "users", "list")
    runs["users add"] = run(db_url, "users", "add", "newcomer", "--role", "moderator", "--as", "root-admin")

    assert {name: ran.loaded for name, ran in runs.items()} == {name: [] for name in runs}
    assert f"item {item}" in runs["show"].out
    assert "approve saved" in runs["decide"].err
    assert "newcomer" in run(db_url, "users", "list").out


def test_version_loads_none_of_them(db_url: str) -> None:
    done = subprocess.run([sys.executable, "-c", RUNNER, "--version"], capture_output=True, text=True, check=False)
    assert (done.returncode, json.loads(done.stderr.splitlines()[-1])) == (0, [])


def test_a_new_database_is_migrated_by_the_first_command_loading_alembic_then(empty_url: str) -> None:
    first = run(empty_url, "queue")
    assert "alembic" in first.loaded
    database = Database(empty_url)
    try:
        assert current_revision(database) == HEAD
    finally:
        database.dispose()
    assert run(empty_url, "queue").loaded == []


def test_an_older_schema_is_still_upgraded_though_its_version_is_read_in_one_query(db_url: str) -> None:
    database = Database(db_url)
    try:
        with database.engine.connect() as conn:
            command.downgrade(alembic_config(conn), "0005")
            conn.commit()
        assert current_revision(database) == "0005"

        assert "alembic" in run(db_url, "queue").loaded
        assert current_revision(database) == HEAD
    finally:
        database.dispose()
