"""Team mode through the real ``veil`` command: who may sign in, and how a
refusal reads (one line, exit 2, nothing changed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
import pytest
from sqlalchemy.engine import URL, make_url

from desktop.domain.people import Role
from tests.e2e.test_cli import refused, veil
from tests.integration.test_team_mode import PASSWORD, Team, make_team

if TYPE_CHECKING:
    from tests.conftest import PgDatabases


@pytest.fixture(scope="module")
def team(pg_databases: PgDatabases) -> Team:
    return make_team(pg_databases)


def _as(team: Team, login: str, password: str = PASSWORD) -> str:
    return make_url(team.superuser_url).set(username=login, password=password).render_as_string(False)


def _superuser(team: Team, sql: str) -> None:
    with psycopg.connect(team.superuser_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(sql)


def _state(team: Team) -> tuple[object, ...]:
    with psycopg.connect(team.superuser_url.replace("+psycopg", "")) as conn:
        return tuple(
            conn.execute(sql).fetchone()
            for sql in (
                "SELECT count(*), max(hash) FROM audit_event",
                "SELECT count(*) FROM decision",
                "SELECT string_agg(id || ':' || coalesce(claimed_by, 0), ',' ORDER BY id) FROM item",
                "SELECT count(*) FROM pg_roles",
            )
        )


def test_each_person_acts_as_their_login(team: Team) -> None:
    mine = veil("--json", "users", "list", url=team.url("moderator"))
    assert mine.code == 0, mine.err
    before = _state(team)
    as_someone_else = ("override", "1", "--action", "remove", "--reason", "a second look", "--reason-code", "spam")
    run = veil(*as_someone_else, url=team.url("moderator"), user=team.names["supervisor"])
    refused(run, 2, f"you connected as ({team.names['moderator']})")
    assert _state(team) == before


def test_refused_logins_are_one_line_exit_2_and_change_nothing(team: Team) -> None:
    stray = f"stray{team.names['admin']}"
    _superuser(team, f"CREATE ROLE {stray} LOGIN PASSWORD '{PASSWORD}'")
    database = make_url(team.superuser_url).database
    cases = {
        "wrong password": (_as(team, team.names["moderator"], "not-the-password"), "password authentication failed"),
        "unknown role": (_as(team, "nobody-here"), "password authentication failed"),
        "a login in no Veil group": (_as(team, stray), "permission denied for database"),
    }
    before = _state(team)
    for what, (url, message) in cases.items():
        refused(veil("queue", url=url), 2, message)
        assert _state(team) == before, what
    # Let the stray login in: it is still no Veil user.
    _superuser(team, f'GRANT CONNECT ON DATABASE "{database}" TO {stray}')
    refused(veil("queue", url=_as(team, stray)), 2, "is not a Veil user")
    # A Veil user whose login lost its group (IT revoked it by hand).
    _superuser(team, f"REVOKE veil_moderator FROM {team.names['other']}")
    refused(veil("queue", url=team.url("other")), 2, "permission denied for database")
    _superuser(team, f"GRANT veil_moderator TO {team.names['other']}")
    # A Veil user whose login role was dropped by hand cannot connect at all.
    ghost = f"ghost{team.names['admin']}"
    with team.open("admin") as admin:
        admin.people.add(ghost, Role.MODERATOR)
        admin.people.set_password(ghost, PASSWORD)
    _superuser(team, f"DROP ROLE {ghost}")
    after = _state(team)
    refused(veil("queue", url=_as(team, ghost)), 2, "password authentication failed")
    assert _state(team) == after


def test_a_password_from_veil_password_signs_in(team: Team) -> None:
    url = make_url(team.url("moderator"))
    without = URL.create(url.drivername, url.username, None, url.host, url.port, url.database).render_as_string(False)
    refused(veil("queue", url=without, env={"PGPASSWORD": ""}), 2, "no password supplied")
    run = veil("--json", "users", "list", url=without, env={"VEIL_PASSWORD": PASSWORD})
    assert run.code == 0, run.err
    assert team.names["moderator"] in run.out
