""" "Next item to review" is an index seek, not a sort of the whole queue.

The plans are read from the databases themselves. Timings at 1,000,000 items
are in tests/perf/queue_seek.py, not here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import text

from desktop.core.review import claims
from desktop.domain.people import Actor, Role
from desktop.domain.review import ItemStatus
from tests.support.factories import add_items

if TYPE_CHECKING:
    from desktop.core.workspace import Workspace


def _plan(ws: Workspace, status: ItemStatus, *, held: bool = False) -> str:
    actor = Actor(1, "someone", Role.MODERATOR)
    make = claims.holding if held else claims.next_free
    query = make(actor, status, datetime(2026, 11, 20, tzinfo=UTC))
    with ws.db.engine.connect() as conn:
        sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "sqlite":
            rows = conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")).all()
            return "\n".join(str(r[-1]) for r in rows)
        # Few rows in a test table make a sequential scan look cheap; forbid
        # it to see which index the planner can use.
        conn.execute(text("SET enable_seqscan = off"))
        conn.execute(text("ANALYZE item"))  # as autovacuum does on a live server
        rows = conn.execute(text(f"EXPLAIN {sql} FOR UPDATE OF item SKIP LOCKED")).all()
        return "\n".join(r[0] for r in rows)


def test_next_item_is_found_along_the_queue_index(workspace: Workspace) -> None:
    add_items(workspace, 50)
    for status in (ItemStatus.PENDING, ItemStatus.ESCALATED):
        plan = _plan(workspace, status)
        assert "ix_item_queue" in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_the_item_a_reviewer_holds_is_found_by_its_holder(workspace: Workspace) -> None:
    add_items(workspace, 50)
    plan = _plan(workspace, ItemStatus.PENDING, held=True)
    assert "ix_item_holder" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
