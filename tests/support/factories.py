"""Build test data through the real services, never by writing rows by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.core.ingest.store import store
from desktop.core.people import users
from desktop.domain.ingest import ItemDraft, MarkerDraft
from desktop.domain.people import Role

if TYPE_CHECKING:
    from desktop.core.workspace import Workspace
    from desktop.domain.people import Actor


def admin(ws: Workspace, name: str = "root-admin") -> Actor:
    return ws.actor(name)


def add_user(ws: Workspace, name: str, role: Role = Role.MODERATOR, *, by: str = "root-admin") -> Actor:
    boss = ws.actor(by)
    with ws.db.write() as session:
        return users.add_user(session, boss, name, role, ws.clock())


def add_items(ws: Workspace, count: int, *, severity: int | None = None, prefix: str = "item") -> list[int]:
    """Ingest ``count`` text items; returns their ids in insertion order."""
    drafts = [
        ItemDraft(
            text=f"{prefix} {n}",
            external_id=f"{prefix}-{n}",
            severity=severity,
            markers=(MarkerDraft("18+", "18+", (0, 3), "test", 2),) if severity is None and n % 3 == 0 else (),
        )
        for n in range(count)
    ]
    with ws.db.write() as session:
        store(session, drafts, source="tests", kind="test", actor=None, now=ws.clock())
    with ws.db.read() as session:
        from sqlalchemy import select

        from db.models import Item

        return list(session.scalars(select(Item.id).where(Item.external_id.like(f"{prefix}-%")).order_by(Item.id)))
