"""Users, roles and what each role may do.

The table of grants lives here, once: the application layer checks it, the
window asks it what to offer, and the command line reports its refusals.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from desktop.domain.errors import PermissionDenied, UsageError

if TYPE_CHECKING:
    from datetime import datetime


class Role(enum.StrEnum):
    MODERATOR = "moderator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Permission(enum.StrEnum):
    REVIEW = "review"  # claim, decide, skip, undo one's own decisions
    RESOLVE_ESCALATIONS = "resolve escalations"
    OVERRIDE = "override decisions"
    CLEAR_SKIPS = "clear skips"
    AUDIT = "read the audit trail"
    MANAGE_USERS = "manage users"
    MANAGE_TAXONOMY = "manage the taxonomy"
    TEAM_SETTINGS = "change team settings"
    SAMPLE = "sample decisions for second review"
    AGREEMENT = "read agreement between reviewers"  # and see others' second reviews
    SEAL_MEDIA = "seal the media store"  # encrypt media stored before media were sealed


_SUPERVISOR = frozenset(
    {
        Permission.REVIEW,
        Permission.RESOLVE_ESCALATIONS,
        Permission.OVERRIDE,
        Permission.CLEAR_SKIPS,
        Permission.AUDIT,
        Permission.TEAM_SETTINGS,
        Permission.SAMPLE,
        Permission.AGREEMENT,
    }
)


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.MODERATOR: frozenset({Permission.REVIEW}),
    Role.SUPERVISOR: _SUPERVISOR,
    Role.ADMIN: _SUPERVISOR | {Permission.MANAGE_USERS, Permission.MANAGE_TAXONOMY, Permission.SEAL_MEDIA},
}


@dataclass(frozen=True)
class Actor:
    """The acting user, as plain data the services pass around."""

    id: int
    name: str
    role: Role

    def may(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.may(permission):
            raise PermissionDenied(f"{self.name} is a {self.role.value} and may not {permission.value}")


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str
    role: Role
    disabled: bool
    created_at: datetime
    has_password: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role.value,
            "disabled": self.disabled,
            "created_at": self.created_at.isoformat(),
            "has_password": self.has_password,
        }


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise UsageError(f"unknown role {value!r} (choose from {choices})") from None
