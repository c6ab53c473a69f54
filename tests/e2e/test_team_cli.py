"""Team mode through the real ``veil`` command: who may sign in, and how a
refusal reads (one line, exit 2, nothing changed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import make_url

from desktop.domain.people import Role
from tests.e2e.test_cli import refused, veil
from tests.support.team import PASSWORD, Team, make_team

if TYPE_CHECKING:
    from tests.conftest import PgDatabases


@pytest.fixture(scope="module")
def team(pg_databases: PgDatabases) -> Team:
    return make_team(pg_databases)


def test_each_person_acts_as_their_login(team: Team) -> None:
    mine = veil("--json", "users", "list", url=team.url("moderator"))
    assert mine.code == 0, mine.err
    before = team.fingerprint()
    as_someone_else = ("override", "1", "--action", "remove", "--reason", "a second look", "--reason-code", "spam")
    run = veil(*as_someone_else, url=team.url("moderator"), user=team.names["supervisor"])
    refused(run, 2, f"you connected as ({team.names['moderator']})")
    assert team.fingerprint() == before


def test_refused_logins_are_one_line_exit_2_and_change_nothing(team: Team) -> None:
    stray = f"stray{team.names['admin']}"
    team.as_superuser(f"CREATE ROLE {stray} LOGIN PASSWORD '{PASSWORD}'")
    database = make_url(team.superuser_url).database
    cases = {
        "wrong password": (
            team.login_url(team.names["moderator"], "not-the-password"),
            "password authentication failed",
        ),
        "unknown role": (team.login_url("nobody-here"), "password authentication failed"),
        "a login in no Veil group": (team.login_url(stray), "permission denied for database"),
    }
    before = team.fingerprint()
    for what, (url, message) in cases.items():
        refused(veil("queue", url=url), 2, message)
        assert team.fingerprint() == before, what
    # Let the stray login in: it is still no Veil user.
    team.as_superuser(f'GRANT CONNECT ON DATABASE "{database}" TO {stray}')
    refused(veil("queue", url=team.login_url(stray)), 2, "is not a Veil user")
    # A Veil user whose login lost its group (IT revoked it by hand).
    team.as_superuser(f"REVOKE veil_moderator FROM {team.names['other']}")
    refused(veil("queue", url=team.url("other")), 2, "permission denied for database")
    team.as_superuser(f"GRANT veil_moderator TO {team.names['other']}")
    # A Veil user whose login role was dropped by hand cannot connect at all.
    ghost = f"ghost{team.names['admin']}"
    with team.open("admin") as admin:
        admin.people.add(ghost, Role.MODERATOR)
        admin.people.set_password(ghost, PASSWORD)
    team.as_superuser(f"DROP ROLE {ghost}")
    after = team.fingerprint()
    refused(veil("queue", url=team.login_url(ghost)), 2, "password authentication failed")
    assert team.fingerprint() == after


def test_a_password_from_veil_password_signs_in(team: Team) -> None:
    without = team.without_password("moderator")
    refused(veil("queue", url=without, env={"PGPASSWORD": ""}), 2, "no password supplied")
    run = veil("--json", "users", "list", url=without, env={"VEIL_PASSWORD": PASSWORD})
    assert run.code == 0, run.err
    assert team.names["moderator"] in run.out
