"""Team mode: PostgreSQL itself enforces who may do what.

On a secured team database every person connects as their own login role,
and what a workstation may do is what PostgreSQL grants that role, so a
workstation that runs altered code, or a person with ``psql`` and their own
password, can do no more than the windows would let them:

- The schema belongs to :data:`OWNER`, a role nobody logs in as. Migrations
  run as it (IT's login is a member and ``SET ROLE`` s to it); only it may
  ALTER, DROP, TRUNCATE or switch triggers off.
- Veil's roles are group roles (:data:`GROUPS`), nested so that a
  supervisor has a moderator's privileges and an admin a supervisor's.
- Each group gets the statements its use cases issue: ``GRANT`` on tables
  and columns, and row-level security policies for the rows (a moderator
  inserts only their own decisions on items they hold under a live lease;
  writes to the audit chain carry the connected person and the server's
  time; the keys of withheld media are visible to nobody).
- Login roles are made and switched off by triggers on ``user_account``
  owned by :data:`USERMAKER`, the one role holding ``CREATEROLE``, which
  nobody logs in as or belongs to. ``CREATEROLE`` in PostgreSQL 15 reaches
  far (its holder may grant itself roles such as ``pg_execute_server_program``),
  so admins never get it: the triggers' fixed statements can only make login
  roles in Veil's groups.

The application issues the same statements on SQLite and PostgreSQL; the
policies below only decide whether PostgreSQL lets them through. They
restate no business rule the application checks (labels, reasons,
permissions by role): only ownership, identity and time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import text

from db.errors import RefusedByDatabase
from desktop.domain.people import Role

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from db.session import Database

OWNER = "veil_owner"
USERMAKER = "veil_usermaker"
GROUPS: dict[Role, str] = {
    Role.MODERATOR: "veil_moderator",
    Role.SUPERVISOR: "veil_supervisor",
    Role.ADMIN: "veil_admin",
}
MODERATOR, SUPERVISOR, ADMIN = GROUPS[Role.MODERATOR], GROUPS[Role.SUPERVISOR], GROUPS[Role.ADMIN]

# Every table of the schema, and who may do what on it. Row-level security
# is switched on for all of them, so a table without a policy for a verb
# refuses that verb to every group (the owner is not bound by policies).
TABLES = (
    "alembic_version", "user_account", "source", "item", "media", "media_band", "media_key", "team_setting",
    "marker", "label", "reason", "decision", "skip", "exposure", "audit_event", "qa_task",
)  # fmt: skip

# (group, privilege, table). Column lists are PostgreSQL's own syntax.
_GRANTS = (
    (MODERATOR, "SELECT", "alembic_version"),
    # Not password_hash: on a team database PostgreSQL checks passwords.
    (MODERATOR, "SELECT (id, name, role, disabled, created_at)", "user_account"),
    # password_hash only as NULL (the policy): the ORM names every column it inserts.
    (ADMIN, "INSERT (name, role, disabled, created_at, password_hash)", "user_account"),
    (ADMIN, "UPDATE (disabled)", "user_account"),
    # Ingest is every reviewer's: sources, items, media and their markers.
    (MODERATOR, "SELECT, INSERT", "source"),
    (MODERATOR, "SELECT, INSERT", "item"),
    (
        MODERATOR,
        "UPDATE (status, claimed_by, lease_expires_at, current_decision_id, media_withheld, duplicate_of)",
        "item",
    ),
    (MODERATOR, "SELECT, INSERT", "media"),
    (ADMIN, "UPDATE (uri, preview)", "media"),  # sealing a store made before keys
    (MODERATOR, "SELECT, INSERT", "media_band"),
    (MODERATOR, "SELECT, INSERT", "media_key"),
    (MODERATOR, "SELECT, INSERT", "marker"),
    (MODERATOR, "SELECT", "team_setting"),
    (SUPERVISOR, "INSERT, UPDATE", "team_setting"),
    (MODERATOR, "SELECT", "label"),
    (ADMIN, "INSERT, UPDATE", "label"),
    (MODERATOR, "SELECT", "reason"),
    (ADMIN, "INSERT, UPDATE", "reason"),
    (MODERATOR, "SELECT, INSERT", "decision"),
    (MODERATOR, "SELECT, INSERT", "skip"),
    (SUPERVISOR, "DELETE", "skip"),  # clearing skips offers items again; skips are not history
    (MODERATOR, "SELECT, INSERT", "exposure"),
    (MODERATOR, "SELECT, INSERT", "audit_event"),
    (MODERATOR, "SELECT", "qa_task"),
    (MODERATOR, "UPDATE (claimed_by, lease_expires_at, second_decision_id)", "qa_task"),
    (SUPERVISOR, "INSERT", "qa_task"),
)

# The connected person's user id: None for someone who is no enabled Veil
# user, which every policy below then refuses. Policies call it as
# ``(SELECT veil_me())`` so it runs once per statement, not once per row.
_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION veil_me() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT id FROM user_account WHERE name = session_user AND NOT disabled
$$;
CREATE OR REPLACE FUNCTION veil_chain_head_id() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(max(id), 0) FROM audit_event
$$;
CREATE OR REPLACE FUNCTION veil_chain_head_hash() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce((SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1), repeat('0', 64))
$$;
CREATE OR REPLACE FUNCTION veil_decided_by(decision_id text) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT reviewer_id FROM decision WHERE id = decision_id
$$;
-- An open second review of the item that the connected person may take:
-- not their own first decision, and nobody else holds it.
CREATE OR REPLACE FUNCTION veil_may_second_review(item bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (
    SELECT 1 FROM qa_task q WHERE q.item_id = item AND q.second_decision_id IS NULL
    AND q.moderator_id <> veil_me()
    AND (q.claimed_by IS NULL OR q.claimed_by = veil_me() OR q.lease_expires_at <= now()))
$$;
REVOKE ALL ON FUNCTION veil_me(), veil_chain_head_id(), veil_chain_head_hash(), veil_decided_by(text),
  veil_may_second_review(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION veil_me(), veil_chain_head_id(), veil_chain_head_hash(), veil_decided_by(text),
  veil_may_second_review(bigint) TO {MODERATOR};
"""

_ME = "(SELECT veil_me())"
_HOLDS_ITEM = (
    "EXISTS (SELECT 1 FROM item i WHERE i.id = decision.item_id "
    f"AND i.claimed_by = {_ME} AND i.lease_expires_at > now())"
)
# Checks that read ``decision`` or ``qa_task`` from another table's policy
# (or their own) go through these owner's functions: a policy that reads a
# table whose policies read it back is refused by PostgreSQL as recursive.
_MY_DECISION = f"veil_decided_by({{column}}) = {_ME}"
_OPEN_SECOND_REVIEW = "veil_may_second_review({item})"
_WITHHELD = (
    "EXISTS (SELECT 1 FROM media m JOIN item i ON i.id = m.item_id "
    "WHERE m.id = media_key.media_id AND i.media_withheld)"
)

# (table, name, command, group, USING, WITH CHECK)
_POLICIES: tuple[tuple[str, str, str, str, str | None, str | None], ...] = (
    ("alembic_version", "read", "SELECT", MODERATOR, "true", None),
    ("user_account", "read", "SELECT", MODERATOR, "true", None),
    ("user_account", "add", "INSERT", ADMIN, None, "NOT disabled AND created_at = now() AND password_hash IS NULL"),
    ("user_account", "switch", "UPDATE", ADMIN, "name <> session_user", "true"),
    ("source", "read", "SELECT", MODERATOR, "true", None),
    ("source", "add", "INSERT", MODERATOR, None, "true"),
    ("item", "read", "SELECT", MODERATOR, "true", None),
    ("item", "ingest", "INSERT", MODERATOR, None, "claimed_by IS NULL"),
    # A reviewer changes an item they hold, a free pending one (claiming it,
    # or marking a new one a near-duplicate), or the one their own decision
    # in force is on (undo). They never hand an item to someone else.
    (
        "item",
        "review",
        "UPDATE",
        MODERATOR,
        f"claimed_by = {_ME} OR (status = 'pending' AND (claimed_by IS NULL OR lease_expires_at <= now())) "
        f"OR {_MY_DECISION.format(column='current_decision_id')} OR {_OPEN_SECOND_REVIEW.format(item='item.id')}",
        f"claimed_by IS NULL OR claimed_by = {_ME}",
    ),
    ("item", "supervise", "UPDATE", SUPERVISOR, "true", f"claimed_by IS NULL OR claimed_by = {_ME}"),
    ("media", "read", "SELECT", MODERATOR, "true", None),
    ("media", "ingest", "INSERT", MODERATOR, None, "true"),
    ("media", "seal", "UPDATE", ADMIN, "true", "true"),
    ("media_band", "read", "SELECT", MODERATOR, "true", None),
    ("media_band", "ingest", "INSERT", MODERATOR, None, "true"),
    # The key of a withheld medium (suspected CSAM) is nobody's to read.
    ("media_key", "read", "SELECT", MODERATOR, f"NOT {_WITHHELD}", None),
    ("media_key", "ingest", "INSERT", MODERATOR, None, "true"),
    ("marker", "read", "SELECT", MODERATOR, "true", None),
    ("marker", "ingest", "INSERT", MODERATOR, None, "true"),
    ("team_setting", "read", "SELECT", MODERATOR, "true", None),
    ("team_setting", "set", "INSERT", SUPERVISOR, None, f"set_by = {_ME} AND set_at = now()"),
    ("team_setting", "change", "UPDATE", SUPERVISOR, "true", f"set_by = {_ME} AND set_at = now()"),
    ("label", "read", "SELECT", MODERATOR, "true", None),
    ("label", "add", "INSERT", ADMIN, None, "true"),
    ("label", "change", "UPDATE", ADMIN, "true", "true"),
    ("reason", "read", "SELECT", MODERATOR, "true", None),
    ("reason", "add", "INSERT", ADMIN, None, "true"),
    ("reason", "change", "UPDATE", ADMIN, "true", "true"),
    # Second reviews are blind: a moderator reads first decisions and their own.
    ("decision", "read", "SELECT", MODERATOR, f"round = 1 OR reviewer_id = {_ME}", None),
    ("decision", "read all", "SELECT", SUPERVISOR, "true", None),
    (
        "decision",
        "decide",
        "INSERT",
        MODERATOR,
        None,
        f"reviewer_id = {_ME} AND decided_at = now() AND ("
        f"(undoes IS NULL AND overrides IS NULL AND round = 1 AND {_HOLDS_ITEM})"
        f" OR (undoes IS NOT NULL AND {_MY_DECISION.format(column='undoes')})"
        " OR (round = 2 AND undoes IS NULL AND overrides IS NULL AND "
        f"{_OPEN_SECOND_REVIEW.format(item='decision.item_id')}))",
    ),
    # A supervisor's own power: to override a decision in force, held or not.
    (
        "decision",
        "override",
        "INSERT",
        SUPERVISOR,
        None,
        f"reviewer_id = {_ME} AND decided_at = now() AND overrides IS NOT NULL AND undoes IS NULL",
    ),
    ("skip", "read", "SELECT", MODERATOR, f"user_id = {_ME}", None),
    ("skip", "read all", "SELECT", SUPERVISOR, "true", None),
    ("skip", "skip", "INSERT", MODERATOR, None, f"user_id = {_ME} AND skipped_at = now()"),
    ("skip", "clear", "DELETE", SUPERVISOR, "true", None),
    ("exposure", "read", "SELECT", MODERATOR, f"user_id = {_ME}", None),
    ("exposure", "read all", "SELECT", SUPERVISOR, "true", None),
    # When a reveal began is the workstation's measurement; it cannot lie in the future.
    (
        "exposure",
        "record",
        "INSERT",
        MODERATOR,
        None,
        f"user_id = {_ME} AND seconds >= 0 AND started_at <= now() + interval '1 minute'",
    ),
    # Moderators read their own events and the chain's head (to link to it).
    (
        "audit_event",
        "read",
        "SELECT",
        MODERATOR,
        "actor = session_user OR id = (SELECT veil_chain_head_id())",
        None,
    ),
    ("audit_event", "read all", "SELECT", SUPERVISOR, "true", None),
    # Every event names the person connected and the server's time, and
    # links to the chain's head; the hash itself is checked by verify.
    (
        "audit_event",
        "append",
        "INSERT",
        MODERATOR,
        None,
        "actor = session_user AND at = now() AND id = (SELECT veil_chain_head_id()) + 1 "
        "AND prev_hash = (SELECT veil_chain_head_hash())",
    ),
    (
        "qa_task",
        "read",
        "SELECT",
        MODERATOR,
        f"second_decision_id IS NULL OR claimed_by = {_ME} OR {_MY_DECISION.format(column='second_decision_id')}",
        None,
    ),
    ("qa_task", "read all", "SELECT", SUPERVISOR, "true", None),
    (
        "qa_task",
        "second review",
        "UPDATE",
        MODERATOR,
        f"second_decision_id IS NULL AND moderator_id <> {_ME} "
        f"AND (claimed_by IS NULL OR claimed_by = {_ME} OR lease_expires_at <= now())",
        f"claimed_by IS NULL OR claimed_by = {_ME}",
    ),
    ("qa_task", "sample", "INSERT", SUPERVISOR, None, f"sampled_by = {_ME} AND sampled_at = now()"),
)

# Login roles follow user_account: a new row makes (or adopts) the login
# role and grants its group; switching ``disabled`` makes it NOLOGIN and
# ends its sessions. Owned by USERMAKER; nothing else can run them.
_USER_TRIGGERS = f"""
CREATE OR REPLACE FUNCTION veil_user_login() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  existing pg_roles%ROWTYPE;
BEGIN
  IF NEW.name !~ '^[A-Za-z0-9][A-Za-z0-9._@-]{{0,63}}$' OR NEW.name LIKE 'veil\\_%' THEN
    RAISE EXCEPTION 'not a name for a Veil user: %', NEW.name USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT * INTO existing FROM pg_roles WHERE rolname = NEW.name;
  IF NOT FOUND THEN
    EXECUTE format('CREATE ROLE %I LOGIN', NEW.name);
  ELSIF existing.rolsuper OR existing.rolcreaterole OR existing.rolbypassrls THEN
    RAISE EXCEPTION 'the PostgreSQL role % has powers beyond a Veil user''s', NEW.name
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  EXECUTE format('GRANT %I TO %I', 'veil_' || NEW.role, NEW.name);
  EXECUTE format('ALTER ROLE %I %s', NEW.name, CASE WHEN NEW.disabled THEN 'NOLOGIN' ELSE 'LOGIN' END);
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION veil_user_switch() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW.disabled IS DISTINCT FROM OLD.disabled THEN
    EXECUTE format('ALTER ROLE %I %s', NEW.name, CASE WHEN NEW.disabled THEN 'NOLOGIN' ELSE 'LOGIN' END);
    IF NEW.disabled THEN
      PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = NEW.name;
    END IF;
  END IF;
  RETURN NULL;
END $$;
-- A person sets their own password, an admin anyone's: given as the SCRAM
-- verifier the client computed, so the password itself never travels.
CREATE OR REPLACE FUNCTION veil_set_password(who text, verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF verifier !~ '^SCRAM-SHA-256\\$' THEN
    RAISE EXCEPTION 'a password is set as a SCRAM-SHA-256 verifier' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = who AND NOT rolsuper)
     OR NOT pg_has_role(who, '{MODERATOR}', 'MEMBER') THEN
    RAISE EXCEPTION '% is not a Veil user''s login', who USING ERRCODE = 'undefined_object';
  END IF;
  IF who <> session_user AND NOT pg_has_role(session_user, '{ADMIN}', 'MEMBER') THEN
    RAISE EXCEPTION 'only an admin sets another person''s password' USING ERRCODE = 'insufficient_privilege';
  END IF;
  EXECUTE format('ALTER ROLE %I PASSWORD %L', who, verifier);
END $$;
ALTER FUNCTION veil_user_login() OWNER TO {USERMAKER};
ALTER FUNCTION veil_user_switch() OWNER TO {USERMAKER};
ALTER FUNCTION veil_set_password(text, text) OWNER TO {USERMAKER};
REVOKE ALL ON FUNCTION veil_user_login(), veil_user_switch(), veil_set_password(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION veil_set_password(text, text) TO {MODERATOR};
DROP TRIGGER IF EXISTS user_account_login ON user_account;
CREATE TRIGGER user_account_login AFTER INSERT ON user_account
  FOR EACH ROW EXECUTE FUNCTION veil_user_login();
DROP TRIGGER IF EXISTS user_account_switch ON user_account;
CREATE TRIGGER user_account_switch AFTER UPDATE OF disabled ON user_account
  FOR EACH ROW EXECUTE FUNCTION veil_user_switch();
"""


@dataclass(frozen=True)
class Secured:
    """What :func:`secure` did."""

    logins: tuple[str, ...]  # login roles made or adopted for existing users
    first: bool  # False when the database was secured already


def is_secured(connection: Connection) -> bool:
    """Whether the database is in team mode (its tables belong to :data:`OWNER`)."""
    owner = connection.scalar(
        text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'item'")
    )
    return bool(owner == OWNER)


def team_login(database: Database) -> str | None:
    """The PostgreSQL login connected to a team database; None on any other.

    Refuses a login that is in none of Veil's groups (nor IT's, the owner's).
    """
    if database.is_sqlite:
        return None
    with database.translated(), database.engine.connect() as connection:
        if not is_secured(connection):
            return None
        login = str(connection.scalar(text("SELECT session_user")))
        if veil_group(connection) is None and not is_member(connection, OWNER):
            # Said before anything reads a table, which would only say "permission denied".
            raise RefusedByDatabase(
                f"the PostgreSQL login {login!r} is not a Veil user on this database "
                "(an admin adds users with: veil users add NAME --role ROLE)"
            )
        return login


def set_login_password(connection: Connection, name: str, password: str) -> None:
    """Set the password of ``name``'s login role (their own, or anyone's for an admin).

    libpq computes the SCRAM-SHA-256 verifier here, as psql's ``\\password``
    does, so the password itself never reaches the server or its logs.
    """
    raw = connection.connection.dbapi_connection
    pgconn = getattr(raw, "pgconn", None)
    assert pgconn is not None, "a team database is reached through psycopg"
    verifier = pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256").decode("ascii")
    connection.execute(text("SELECT veil_set_password(:name, :verifier)"), {"name": name, "verifier": verifier})


def present_tables(connection: Connection) -> list[str]:
    """Veil's tables that this database's schema has (an older one lacks the newest)."""
    present = set(connection.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")))
    return [table for table in TABLES if table in present]


def is_member(connection: Connection, role: str) -> bool:
    return bool(
        connection.scalar(
            text("SELECT to_regrole(:role) IS NOT NULL AND pg_has_role(session_user, :role, 'MEMBER')"),
            {"role": role},
        )
    )


def veil_group(connection: Connection) -> Role | None:
    """The Veil role the connected login has through PostgreSQL's groups (the highest)."""
    for role in (Role.ADMIN, Role.SUPERVISOR, Role.MODERATOR):
        if is_member(connection, GROUPS[role]):
            return role
    return None


def secure(connection: Connection) -> Secured:
    """Put the database in team mode, or bring its grants and policies up to date.

    Run by a PostgreSQL superuser, in one transaction; every step may run again.
    """
    first = not is_secured(connection)
    for statement in _roles():
        _run(connection, statement)
    database = connection.scalar(text("SELECT current_database()"))
    _run(connection, f'ALTER DATABASE "{database}" OWNER TO {OWNER}')
    # The schema's owner may drop anything in it, so it is the owner role's too.
    _run(connection, f"ALTER SCHEMA public OWNER TO {OWNER}")
    _run(connection, "REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    _run(connection, f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC')
    _run(connection, f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO {MODERATOR}')
    for table in present_tables(connection):
        _run(connection, f"ALTER TABLE {table} OWNER TO {OWNER}")
    sequences = connection.scalars(text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"))
    for sequence in list(sequences):
        _run(connection, f"ALTER SEQUENCE {sequence} OWNER TO {OWNER}")
    functions = connection.scalars(
        text(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND p.proname LIKE 'veil\\_%' "
            "AND p.proname NOT IN ('veil_user_login', 'veil_user_switch', 'veil_set_password')"
        )
    )
    for function in list(functions):
        _run(connection, f"ALTER FUNCTION {function} OWNER TO {OWNER}")
    _run(connection, f"SET ROLE {OWNER}")
    apply_policies(connection)
    _run(connection, "RESET ROLE")
    _run(connection, _USER_TRIGGERS)
    logins = tuple(_adopt_users(connection))
    return Secured(logins, first)


def _run(connection: Connection, sql: str) -> None:
    # The driver reads % as a placeholder even without parameters; PL/pgSQL needs it as itself.
    connection.exec_driver_sql(sql.replace("%", "%%"))


def _roles() -> list[str]:
    def create(name: str, options: str) -> str:
        return (
            f"DO $$ BEGIN IF to_regrole('{name}') IS NULL THEN CREATE ROLE {name} {options}; END IF; END $$; "
            f"ALTER ROLE {name} {options}"
        )

    return [
        create(OWNER, "NOLOGIN NOINHERIT"),
        create(USERMAKER, "NOLOGIN INHERIT CREATEROLE"),
        # Ends Veil users' sessions when they are disabled (and no one else's: see veil_user_switch).
        f"GRANT pg_signal_backend TO {USERMAKER}",
        *(create(group, "NOLOGIN INHERIT") for group in GROUPS.values()),
        f"GRANT {MODERATOR} TO {SUPERVISOR}",
        f"GRANT {SUPERVISOR} TO {ADMIN}",
    ]


def apply_policies(connection: Connection) -> None:
    """Grants, row-level security and the functions policies use; run as :data:`OWNER`.

    Idempotent: ``veil db upgrade`` runs it again after every migration on a
    team database, so a new table or column gets its grants in the same step.
    """
    _run(connection, _FUNCTIONS)
    groups = ", ".join(GROUPS.values())
    _run(connection, f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC, {groups}")
    _run(connection, f"GRANT USAGE ON SCHEMA public TO {groups}")
    _run(connection, f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {MODERATOR}")
    tables = present_tables(connection)
    for group, privilege, table in _GRANTS:
        if table in tables:
            _run(connection, f"GRANT {privilege} ON {table} TO {group}")
    for table in tables:
        _run(connection, f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        existing = connection.scalars(text("SELECT policyname FROM pg_policies WHERE tablename = :t"), {"t": table})
        for name in list(existing):
            _run(connection, f'DROP POLICY "{name}" ON {table}')
    for table, name, command, group, using, check in _POLICIES:
        if table not in tables:
            continue
        clauses = (f" USING ({using})" if using else "") + (f" WITH CHECK ({check})" if check else "")
        _run(connection, f'CREATE POLICY "{name}" ON {table} FOR {command} TO {group}{clauses}')


def _adopt_users(connection: Connection) -> list[str]:
    """A login role, in its group, for every Veil user that has none yet."""
    rows = connection.execute(
        text(
            "SELECT u.name, u.role, u.disabled FROM user_account u "
            "WHERE NOT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
            "JOIN pg_roles g ON g.oid = m.roleid WHERE r.rolname = u.name AND g.rolname = 'veil_' || u.role) "
            "ORDER BY u.name"
        )
    ).all()
    for name, role, disabled in rows:
        exists = connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
        if exists is None:
            _run(connection, f'CREATE ROLE "{name}" LOGIN')
        _run(connection, f'GRANT veil_{role} TO "{name}"')
        _run(connection, f'ALTER ROLE "{name}" {"NOLOGIN" if disabled else "LOGIN"}')
    return [name for name, _role, _disabled in rows]
