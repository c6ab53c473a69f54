"""The audit chain: the database refuses rewrites, and verify finds tampering."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Connection, exc, text

from desktop.core import audit
from desktop.domain.people import Role
from desktop.domain.review import Action
from tests.support.factories import add_items, add_user

if TYPE_CHECKING:
    from collections.abc import Callable

    from desktop.core.workspace import Workspace


def _history(ws: Workspace) -> None:
    items = add_items(ws, 4)
    # events: 1 taxonomy seed, 2 ingest, 3-5 users, 6-11 claim+decision x3, 12 override
    alice = add_user(ws, "alice")
    boss = add_user(ws, "boss", Role.SUPERVISOR)
    decided = []
    for _ in items[:3]:
        claim = ws.review.claim_next(alice)
        assert claim is not None
        ws.review.decide(alice, claim.item_id, Action.WARN, labels=["graphic-violence"])
        decided.append(claim.item_id)
    ws.review.override(boss, decided[0], Action.REMOVE, reason="gratuitous", reason_note="faces")


def _drop_triggers(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for name in ("audit_event_no_update", "audit_event_no_delete", "decision_no_update", "decision_no_delete"):
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
    else:
        for table in ("audit_event", "decision"):
            conn.exec_driver_sql(f"DROP TRIGGER {table}_append_only ON {table}")


def test_intact_chain_verifies(workspace: Workspace) -> None:
    _history(workspace)
    result = audit.verify(workspace.db)
    assert result.ok and result.problem is None
    assert result.events == 12
    assert len(result.head_hash) == 64


@pytest.mark.parametrize("table", ["audit_event", "decision"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET id = id", "DELETE FROM {t}"])
def test_database_refuses_rewriting_events(workspace: Workspace, table: str, statement: str) -> None:
    _history(workspace)
    with pytest.raises(exc.DBAPIError, match="append-only"), workspace.db.engine.begin() as conn:
        conn.exec_driver_sql(statement.format(t=table))
    assert audit.verify(workspace.db).ok


def _edit(conn: Connection) -> None:
    conn.execute(text("UPDATE audit_event SET payload = :p WHERE id = 9"), {"p": '{"action":"approve"}'})


def _edit_actor(conn: Connection) -> None:
    conn.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE id = 9"))


def _delete_middle(conn: Connection) -> None:
    conn.execute(text("DELETE FROM audit_event WHERE id = 9"))


def _reorder(conn: Connection) -> None:
    # Swap two rows' contents, hashes included, keeping their ids.
    rows = {r.id: r for r in conn.execute(text("SELECT * FROM audit_event WHERE id IN (8, 9)"))}
    for target, source in ((8, rows[9]), (9, rows[8])):
        conn.execute(
            text(
                "UPDATE audit_event SET at=:at, actor=:actor, kind=:kind, item_id=:item_id, "
                "payload=:payload, prev_hash=:prev_hash, hash=:hash WHERE id=:id"
            ),
            {**source._mapping, "id": target},
        )


def _edit_decision(conn: Connection) -> None:
    conn.execute(
        text(
            "UPDATE decision SET action = 'approve', labels = '[]' "
            "WHERE id = (SELECT ref FROM audit_event WHERE id = 9)"
        )
    )


def _reassign_decision(conn: Connection) -> None:
    conn.execute(
        text(
            "UPDATE decision SET reviewer_id = (SELECT id FROM user_account WHERE name = 'boss') "
            "WHERE id = (SELECT ref FROM audit_event WHERE id = 7)"
        )
    )


def _delete_decision(conn: Connection) -> None:
    conn.execute(text("DELETE FROM decision WHERE id = (SELECT ref FROM audit_event WHERE id = 12)"))


def _delete_tail(conn: Connection) -> None:
    conn.execute(text("DELETE FROM audit_event WHERE id = (SELECT MAX(id) FROM audit_event)"))


@pytest.mark.parametrize(
    ("tamper", "broken", "problem"),
    [
        (_edit, 9, "was edited"),
        (_edit_actor, 9, "was edited"),
        (_delete_middle, 9, "missing"),
        (_reorder, 8, "does not follow"),
        (_delete_tail, 12, "has no audit event"),
        (_edit_decision, 9, "no longer matches audit event 9"),
        (_reassign_decision, 7, "no longer matches audit event 7"),
        (_delete_decision, 12, "is missing (deleted)"),
    ],
)
def test_verify_names_the_first_broken_event(
    workspace: Workspace, tamper: Callable[[Connection], None], broken: int, problem: str
) -> None:
    _history(workspace)
    with workspace.db.engine.begin() as conn:
        _drop_triggers(conn)
        tamper(conn)

    result = audit.verify(workspace.db)

    assert not result.ok
    assert result.broken_id == broken
    assert result.problem is not None and problem in result.problem
