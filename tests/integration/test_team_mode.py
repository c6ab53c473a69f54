"""Team mode on a real PostgreSQL server with real login roles: what each
role may not do, PostgreSQL refuses, whatever client sends it; through the
same logins, every use case of that role still works."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
from alembic import command
from PIL import Image
from sqlalchemy import create_engine

from db.migrate import alembic_config
from desktop.app import schema
from desktop.app.veil import Veil
from desktop.domain.errors import PermissionDenied, VeilError
from desktop.domain.people import Role
from desktop.domain.review import Action, PendingDecision
from tests.support.team import PASSWORD, Team, fresh_number, make_team

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.conftest import PgDatabases


@pytest.fixture(scope="module")
def team(pg_databases: PgDatabases) -> Team:
    return make_team(pg_databases)


def decide(veil: Veil, item_id: int, action: str, **fields: object) -> None:
    actor = veil.actor
    assert actor is not None
    veil.review.decide(
        PendingDecision(str(uuid.uuid4()), item_id, action, veil.where, actor.name, **fields)  # type: ignore[arg-type]
    )


def test_each_person_is_who_they_connect_as(team: Team) -> None:
    with Veil.open(team.url("moderator")) as veil:
        assert veil.team_login == team.names["moderator"]
        assert not veil.needs_password(team.names["moderator"])
        with pytest.raises(PermissionDenied, match="connected as"):
            veil.sign_in(team.names["admin"])
        actor = veil.sign_in(team.names["moderator"])
        assert actor.role is Role.MODERATOR


def test_disable_makes_the_login_nologin_and_ends_its_sessions(pg_databases: PgDatabases) -> None:
    team = make_team(pg_databases)
    with psycopg.connect(team.libpq("other")) as session:
        session.execute("SELECT 1")
        with team.open("admin") as admin:
            admin.people.set_disabled(team.names["other"], True)
        with pytest.raises(psycopg.OperationalError):
            session.execute("SELECT 1")
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        psycopg.connect(team.libpq("other"))
    with team.open("admin") as admin:
        admin.people.set_disabled(team.names["other"], False)
    psycopg.connect(team.libpq("other")).close()


# -- what each role may not do ------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    who: str
    what: str
    sql: str


_DECISION_INSERT = (
    "INSERT INTO decision (id, item_id, item_seq, reviewer_id, action, labels, decided_at, round, status_before)"
)


def _attempts() -> list[Attempt]:
    # {me}, {other}: user ids; {mine}: an item the person holds; {theirs}: one
    # "other" holds; {free}: a pending item nobody holds; {withheld}: a medium
    # whose item is withheld; {hidden}: another moderator's second review.
    rows = [
        ("rewrite a decision", "UPDATE decision SET action = 'remove' WHERE item_id = {decided}"),
        ("delete a decision", "DELETE FROM decision WHERE item_id = {decided}"),
        ("delete audit events", "DELETE FROM audit_event WHERE id > 1"),
        ("rewrite an audit event", "UPDATE audit_event SET actor = 'nobody' WHERE id = 1"),
        ("switch the decision triggers off", "ALTER TABLE decision DISABLE TRIGGER USER"),
        ("truncate the audit chain", "TRUNCATE audit_event CASCADE"),
        ("drop a table", "DROP TABLE skip"),
        ("create a table", "CREATE TABLE mine (x int)"),
        (
            "write an audit event naming someone else",
            "INSERT INTO audit_event (id, at, actor, kind, payload, prev_hash, hash) SELECT veil_chain_head_id() + 1,"
            " now(), '{other_name}', 'claim', '{{}}', veil_chain_head_hash(), repeat('a', 64)",
        ),
        (
            "write an audit event at another time",
            "INSERT INTO audit_event (id, at, actor, kind, payload, prev_hash, hash) SELECT veil_chain_head_id() + 1,"
            " now() - interval '1 hour', session_user, 'claim', '{{}}', veil_chain_head_hash(), repeat('a', 64)",
        ),
        ("read a withheld medium's key", "SELECT key FROM media_key WHERE media_id = {withheld}"),
        ("read password hashes", "SELECT password_hash FROM user_account"),
        (
            "decide an item someone else holds",
            _DECISION_INSERT
            + " VALUES (gen_random_uuid()::text, {theirs}, 99, {me}, 'approve', '[]', now(), 1, 'pending')",
        ),
        (
            "decide an item nobody holds",
            _DECISION_INSERT
            + " VALUES (gen_random_uuid()::text, {free}, 99, {me}, 'approve', '[]', now(), 1, 'pending')",
        ),
        (
            "decide in someone else's name",
            _DECISION_INSERT
            + " VALUES (gen_random_uuid()::text, {mine}, 99, {other}, 'approve', '[]', now(), 1, 'pending')",
        ),
        (
            "back-date a decision",
            _DECISION_INSERT
            + " VALUES (gen_random_uuid()::text, {mine}, 99, {me}, 'approve', '[]', now() - interval '1 day', 1,"
            " 'pending')",
        ),
        ("claim an item for someone else", "UPDATE item SET claimed_by = {other} WHERE id = {free}"),
        ("change an item's text", "UPDATE item SET text = 'nothing to see' WHERE id = {free}"),
        ("grant themselves the admin group", "GRANT veil_admin TO CURRENT_USER"),
        ("become the schema's owner", "SET ROLE veil_owner"),
        ("create a login role", "CREATE ROLE intruder LOGIN"),
        ("give themselves CREATEROLE", "ALTER ROLE CURRENT_USER CREATEROLE"),
        ("change their own Veil role", "UPDATE user_account SET role = 'admin' WHERE name = session_user"),
        (
            "create a Veil user",
            "INSERT INTO user_account (name, role, disabled, created_at) VALUES ('intruder', 'admin', false, now())",
        ),
        ("set another person's password", "SELECT veil_set_password('{other_name}', 'SCRAM-SHA-256$4096:x')"),
        ("make the user trigger make a role", "SELECT veil_user_login()"),
        (
            "skip in someone else's name",
            "INSERT INTO skip (item_id, user_id, skipped_at) VALUES ({free}, {other}, now())",
        ),
        ("delete exposure records", "DELETE FROM exposure"),
    ]
    moderator_only = {
        "read another's second review": "SELECT count(*) FROM decision WHERE id = '{hidden}'",
        "release an item someone else holds": "UPDATE item SET claimed_by = NULL WHERE id = {theirs}",
    }
    admins_may = {"create a Veil user", "set another person's password"}
    attempts = [
        Attempt(who, what, sql)
        for who in ("moderator", "supervisor", "admin")
        for what, sql in rows
        if not (who == "admin" and what in admins_may)
    ]
    attempts += [Attempt("moderator", what, sql) for what, sql in moderator_only.items()]
    return attempts


ATTEMPTS = _attempts()


@dataclass
class Stage:
    """Items and ids the attempts aim at."""

    values: dict[str, object]


def pictures(folder: Path, count: int) -> Path:
    """A folder of ``count`` distinct photos (noise, so no two are near-duplicates)."""
    folder.mkdir()
    for n in range(count):
        Image.effect_noise((96, 64), 40 + n * 20).convert("RGB").save(folder / f"photo-{n}.jpg")
    return folder


@pytest.fixture(scope="module")
def stage(team: Team, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    # The work a team does: ingest, hold, decide, escalate as suspected
    # CSAM, sample for second review and second-review, all as themselves.
    with team.open("moderator") as mod, team.open("other") as other, team.open("supervisor") as sup:
        report = mod.ingest.demo().value
        assert report.items_added > 5
        photos = mod.ingest.files([pictures(tmp_path_factory.mktemp("team") / "photos", 3)]).value
        assert photos.media_added == 3, photos.errors
        first = mod.review.next().value.claim
        assert first is not None
        decide(mod, first.item_id, "approve")
        decided = first.item_id
        with_media = [e.id for e in mod.review.queue(limit=500) if e.media]
        assert with_media, "the demo feed has items with media"
        held = mod.review.pick(with_media[0]).value.claim
        assert held is not None
        decide(mod, held.item_id, "escalate", reason="csam-suspected")
        withheld_item = held.item_id
        sup.second_review.sample(1.0, seed=1)
        second = other.second_review.next().value
        assert second is not None
        decide(other, second.item_id, "approve", second_review=True)
        hidden = _scalar(team, "superuser", "SELECT id FROM decision WHERE round = 2 ORDER BY decided_at DESC LIMIT 1")
        theirs = other.review.next().value.claim
        mine = mod.review.next().value.claim
        assert theirs is not None and mine is not None
        free = _scalar(team, "superuser", "SELECT id FROM item WHERE status = 'pending' AND claimed_by IS NULL LIMIT 1")
        values = {
            "decided": decided,
            "theirs": theirs.item_id,
            "mine": mine.item_id,
            "free": free,
            "hidden": hidden,
            "withheld": _scalar(team, "superuser", f"SELECT min(id) FROM media WHERE item_id = {withheld_item}"),
        }
        # The rows the "0 rows" refusals aim at are there (the superuser sees them).
        assert hidden is not None
        key = _scalar(team, "superuser", f"SELECT count(*) FROM media_key WHERE media_id = {values['withheld']}")
        assert key == 1
        # And the window's way in is shut too: no preview, no original.
        with pytest.raises(VeilError, match="withheld"):
            mod.review.original(values["withheld"])  # type: ignore[arg-type]
        yield Stage(values)


def _scalar(team: Team, who: str, sql: str) -> object:
    url = team.superuser_url.replace("+psycopg", "") if who == "superuser" else team.libpq(who)
    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
        return row[0] if row else None


def _ids(team: Team) -> dict[str, object]:
    with psycopg.connect(team.superuser_url.replace("+psycopg", "")) as conn:
        rows = conn.execute("SELECT name, id FROM user_account").fetchall()
    return dict(rows)


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=lambda a: f"{a.who}: {a.what}")
def test_postgresql_refuses(team: Team, stage: Stage, attempt: Attempt) -> None:
    ids = _ids(team)
    me = team.names[attempt.who]
    sql = attempt.sql.format(me=ids[me], other=ids[team.names["other"]], other_name=team.names["other"], **stage.values)
    before = team.fingerprint()
    answer = refusal(team.libpq(attempt.who), sql)
    assert answer is not None, f"{attempt.who} could {attempt.what}: {sql}"
    assert team.fingerprint() == before
    ANSWERS[(attempt.who, attempt.what)] = answer


ANSWERS: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module", autouse=True)
def answers_table() -> Iterator[None]:
    """With VEIL_ATTEMPTS_TABLE=PATH, the attempts and PostgreSQL's answers as a Markdown table."""
    yield
    target = os.environ.get("VEIL_ATTEMPTS_TABLE")
    if target and ANSWERS:
        lines = ["| who | tries to | PostgreSQL answers |", "| --- | --- | --- |"]
        lines += [f"| {who} | {what} | {answer} |" for (who, what), answer in ANSWERS.items()]
        Path(target).write_text("\n".join(lines) + "\n", encoding="utf-8")


def refusal(url: str, sql: str) -> str | None:
    """PostgreSQL's answer when it refuses ``sql`` (an error, or a statement
    that touched and showed nothing); None when it let it through."""
    with psycopg.connect(url) as conn:
        try:
            cursor = conn.execute(sql)
        except psycopg.errors.InsufficientPrivilege as err:
            # Refused for want of a privilege; any other error (a typo in the test) fails the test.
            conn.rollback()
            return str(err).splitlines()[0]
        shown = cursor.fetchall() if cursor.description else []
        if cursor.description and shown and shown[0][0] not in (0, None):
            conn.rollback()
            return None
        if cursor.rowcount in (0, -1) or (cursor.description and (not shown or shown[0][0] in (0, None))):
            conn.rollback()
            return "0 rows: the policies show this person no such row"
        conn.rollback()
        return None


def test_every_use_case_of_each_role_still_works(team: Team, stage: Stage, tmp_path: Path) -> None:
    with team.open("moderator") as mod:
        shown = mod.review.next().value
        assert shown.claim is not None
        item_id = shown.claim.item_id
        mod.review.record_exposure(item_id, media_id=None, mode="view", started_at=datetime.now(UTC), seconds=1.5)
        decide(mod, item_id, "approve")
        mod.review.undo_last()
        after = mod.review.skip_and_next(item_id).value.claim
        assert after is not None
        mod.review.release(after.item_id)
        picked = mod.review.pick(after.item_id).value.claim
        assert picked is not None and picked.item_id == after.item_id
        actor = mod.actor
        assert actor is not None
        pending = PendingDecision(str(uuid.uuid4()), after.item_id, "approve", mod.where, actor.name)
        assert mod.review.decide_and_next(pending).value[0].item_id == after.item_id
        quiet = [e.id for e in mod.review.queue(limit=500) if not (e.media or e.markers or e.severity)]
        assert quiet, "the demo feed has quiet items"
        assert len(mod.review.approve_quiet(quiet[:1]).value) == 1
        assert mod.care.day_so_far(datetime.now(UTC) - timedelta(days=1)).decisions >= 2
        assert mod.review.count() >= 0
        assert mod.people.list()
    with team.open("supervisor") as sup:
        assert sup.audit.verify().ok
        sup.supervision.override(stage.values["decided"], Action.REMOVE, why="on a second look", reason="spam")  # type: ignore[arg-type]
        sup.supervision.clear_skips()
        assert sup.supervision.report() is not None
        sup.team.set("near_duplicates.auto_apply", True)
        escalated = sup.supervision.escalations()
        assert escalated
        resolved = sup.review.pick(escalated[0].item_id).value.claim
        assert resolved is not None
        decide(sup, resolved.item_id, "remove", reason="spam")
        assert sup.audit.export(tmp_path / "chain.jsonl").events > 0
    with team.open("admin") as admin:
        labels = admin.taxonomy.labels()
        admin.taxonomy.set_label(labels[0])
        admin.taxonomy.set_label_active(labels[-1].code, False)
        admin.taxonomy.set_label_active(labels[-1].code, True)
        assert admin.ingest.seal().value.media_sealed == 0  # everything was sealed at ingest
        assert admin.audit.verify().ok


def test_wrong_logins_are_one_line_and_change_nothing(team: Team) -> None:
    cases: dict[str, Callable[[], object]] = {
        "wrong password": lambda: Veil.open(team.url("moderator", password="not the password")),
        "unknown role": lambda: Veil.open(team.login_url("nobody")),
    }
    for what, attempt in cases.items():
        with pytest.raises(VeilError) as raised:
            attempt()
        assert "\n" not in str(raised.value), what


def test_securing_adopts_existing_users_is_idempotent_and_audited(pg_databases: PgDatabases) -> None:
    url = pg_databases.migrated()
    n = fresh_number()
    first, second = f"old{n}", f"oldmod{n}"
    with Veil.open(url) as veil:  # today's single-role team
        veil.sign_in(first)  # the first person on an empty database becomes its admin
        veil.people.add(second, Role.MODERATOR)
    done = schema.secure(url)
    assert done.first and set(done.logins) == {first, second}
    again = schema.secure(url)
    assert not again.first and again.logins == ()
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        events = conn.execute("SELECT payload FROM audit_event WHERE kind = 'team.secure' ORDER BY id").fetchall()
        groups: dict[str, str] = dict(
            conn.execute(
                "SELECT r.rolname, g.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
                "JOIN pg_roles g ON g.oid = m.roleid WHERE r.rolname IN (%s, %s)",
                (first, second),
            ).fetchall()
        )
    assert len(events) == 2
    assert groups == {first: "veil_admin", second: "veil_moderator"}
    team = Team(url, {"admin": first, "moderator": second})
    with Veil.open(url) as owner_side:  # the superuser still verifies the whole chain
        assert owner_side.team_login is not None
    team.as_superuser(f"ALTER ROLE \"{second}\" PASSWORD '{PASSWORD}'")
    with team.open("moderator") as mod:
        assert mod.actor is not None and mod.actor.name == second


def test_only_it_upgrades_a_team_database(pg_databases: PgDatabases) -> None:
    team = make_team(pg_databases)
    it = f"it{team.names['admin']}"
    team.as_superuser(f"CREATE ROLE {it} LOGIN PASSWORD '{PASSWORD}'")
    team.as_superuser(f"GRANT veil_owner TO {it}")
    with psycopg.connect(team.superuser_url.replace("+psycopg", "")) as conn:  # schemas back, as before an upgrade
        engine = create_engine(team.superuser_url)
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0005")  # before media_key
        engine.dispose()
        assert conn.execute("SELECT to_regclass('media_key')").fetchone() == (None,)
    with pytest.raises(VeilError, match="IT upgrades it"):
        Veil.open(team.url("moderator"))
    it_url = team.login_url(it)
    with Veil.open(it_url) as upgraded:
        assert upgraded.upgraded is not None and upgraded.upgraded.before != upgraded.upgraded.after
    with psycopg.connect(team.superuser_url.replace("+psycopg", "")) as conn:
        owner = conn.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'media_key'").fetchone()
        policies = conn.execute("SELECT count(*) FROM pg_policies WHERE tablename = 'media_key'").fetchone()
    assert owner == ("veil_owner",) and policies == (2,)
    with team.open("moderator") as mod:
        assert mod.review.count() >= 0
