"""Settings supervisors hold for the whole team, stored in the database.

Unlike a workstation's settings file, these are the same for everyone on a
shared database, and each change is audited with who made it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from db.models import TeamSetting, User
from desktop.core import audit
from desktop.domain.errors import UsageError
from desktop.domain.people import Actor, Permission
from desktop.domain.team import SettingInfo

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

NEAR_DUPLICATES = "near_duplicates.auto_apply"
# key: (default, what it means)
KNOWN: dict[str, tuple[bool, str]] = {
    NEAR_DUPLICATES: (
        False,
        "give an item the decision of a decided near-duplicate at ingest, instead of only suggesting it",
    ),
}


def listing(session: Session) -> list[SettingInfo]:
    rows = {row.key: (row, name) for row, name in session.execute(select(TeamSetting, User.name).join(User))}
    found = []
    for key, (default, description) in KNOWN.items():
        if key in rows:
            row, name = rows[key]
            found.append(SettingInfo(key, bool(row.value.get("value")), description, name, row.set_at))
        else:
            found.append(SettingInfo(key, default, description, None, None))
    return found


def set_value(session: Session, actor: Actor, key: str, value: bool, now: datetime) -> SettingInfo:
    actor.require(Permission.TEAM_SETTINGS)
    if key not in KNOWN:
        raise UsageError(f"unknown team setting {key!r} (known: {', '.join(KNOWN)})")
    row = session.get(TeamSetting, key)
    if row is None:
        session.add(TeamSetting(key=key, value={"value": value}, set_by=actor.id, set_at=now))
    else:
        row.value, row.set_by, row.set_at = {"value": value}, actor.id, now
    audit.append(session, kind="setting", actor=actor.name, at=now, payload={"key": key, "value": value})
    return SettingInfo(key, value, KNOWN[key][1], actor.name, now)


def auto_apply_actor(session: Session) -> Actor | None:
    """Who allowed near-duplicates to be decided automatically, if anyone
    (and only while that person is still an enabled supervisor or admin)."""
    found = session.execute(select(TeamSetting, User).join(User).where(TeamSetting.key == NEAR_DUPLICATES)).first()
    if found is None or not found[0].value.get("value") or found[1].disabled:
        return None
    actor = Actor(found[1].id, found[1].name, found[1].role)
    return actor if actor.may(Permission.TEAM_SETTINGS) else None
