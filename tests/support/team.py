"""A team database for tests: secured on the test server, with an admin, a
supervisor and two moderators, each a PostgreSQL login of their own."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import psycopg
from sqlalchemy.engine import URL, make_url

from desktop.app import schema
from desktop.app.veil import Veil
from desktop.domain.people import Role

if TYPE_CHECKING:
    from tests.conftest import PgDatabases

# Login roles belong to the whole server, which the test session shares: a number per team.
_teams = itertools.count(1)
PASSWORD = "correct-horse-battery"


def fresh_number() -> int:
    """A number no team in this test session has used, for unique login names."""
    return next(_teams)


@dataclass
class Team:
    """A secured database and its people's URLs (each connects as themselves)."""

    superuser_url: str
    names: dict[str, str]  # "admin", "supervisor", "moderator", "other" -> login name

    def url(self, who: str, *, password: str = PASSWORD) -> str:
        return self.login_url(self.names[who], password)

    def login_url(self, login: str, password: str = PASSWORD) -> str:
        return make_url(self.superuser_url).set(username=login, password=password).render_as_string(False)

    def without_password(self, who: str) -> str:
        """``who``'s URL with no password in it, as a workstation's system file has it."""
        url = make_url(self.url(who))
        return URL.create(url.drivername, url.username, None, url.host, url.port, url.database).render_as_string(False)

    def libpq(self, who: str) -> str:
        return self.url(who).replace("+psycopg", "")

    def open(self, who: str) -> Veil:
        veil = Veil.open(self.url(who))
        veil.sign_in(None)
        return veil

    def as_superuser(self, sql: str) -> None:
        with psycopg.connect(self.superuser_url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(sql)

    def fingerprint(self) -> tuple[object, ...]:
        """What an attempt must leave as it was: the chain, decisions, items' holders and texts, users, roles."""
        with psycopg.connect(self.superuser_url.replace("+psycopg", "")) as conn:
            return tuple(
                conn.execute(sql).fetchone()
                for sql in (
                    "SELECT count(*), max(id), max(hash) FROM audit_event",
                    "SELECT count(*), string_agg(id || action, ',' ORDER BY id) FROM decision",
                    "SELECT string_agg(id || ':' || coalesce(claimed_by, 0) || text, ',' ORDER BY id) FROM item",
                    "SELECT string_agg(name || role || disabled, ',' ORDER BY name) FROM user_account",
                    "SELECT count(*) FROM pg_roles",
                    "SELECT count(*) FROM skip",
                    "SELECT count(*) FROM exposure",
                )
            )


def make_team(pg_databases: PgDatabases) -> Team:
    url = pg_databases.migrated()
    n = fresh_number()
    names = {"admin": f"adm{n}", "supervisor": f"sup{n}", "moderator": f"mod{n}", "other": f"mod{n}b"}
    secured = schema.secure(url, admin=names["admin"], admin_password=PASSWORD)
    assert secured.first and secured.admin == names["admin"]
    team = Team(url, names)
    with team.open("admin") as admin:
        admin.people.add(names["supervisor"], Role.SUPERVISOR)
        admin.people.add(names["moderator"], Role.MODERATOR)
        admin.people.add(names["other"], Role.MODERATOR)
        for who in ("supervisor", "moderator", "other"):
            admin.people.set_password(names[who], PASSWORD)
    return team
