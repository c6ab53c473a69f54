"""Users, the label taxonomy and team settings: what admins and supervisors manage.

The core's functions here work in the caller's transaction; each use case
below is one, timed by the database's clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.core import taxonomy
from desktop.core.people import team_settings, users
from desktop.domain.changes import Changes, Outcome

if TYPE_CHECKING:
    from desktop.app.context import Context
    from desktop.domain.people import Actor, Role, UserInfo
    from desktop.domain.taxonomy import ActionInfo, LabelInfo, ReasonInfo
    from desktop.domain.team import SettingInfo


class People:
    def __init__(self, context: Context) -> None:
        self._c = context

    def add(self, name: str, role: Role) -> Outcome[Actor]:
        """A new user with a role (admins)."""
        with self._c.write() as (session, now):
            added = users.add_user(session, self._c.who(), name, role, now)
        return Outcome(added, Changes(users=True, history=True))

    def list(self) -> list[UserInfo]:
        with self._c.db.read() as session:
            return users.list_users(session, team=self._c.workspace.login is not None)

    def set_disabled(self, name: str, disabled: bool) -> Outcome[UserInfo]:
        """Stop a user from signing in, or let them again (admins)."""
        with self._c.write() as (session, now):
            info = users.set_disabled(
                session, self._c.who(), name, disabled, now, team=self._c.workspace.login is not None
            )
        return Outcome(info, Changes(users=True, history=True))

    def set_password(self, name: str, password: str | None) -> Outcome[UserInfo]:
        """Set (None: remove) a sign-in password: one's own, or anyone's for an admin."""
        with self._c.write() as (session, now):
            info = users.set_password(
                session, self._c.who(), name, password, now, team=self._c.workspace.login is not None
            )
        return Outcome(info, Changes(users=True, history=True))


class TaxonomyAdmin:
    def __init__(self, context: Context) -> None:
        self._c = context

    def labels(self, *, include_inactive: bool = False) -> list[LabelInfo]:
        with self._c.db.read() as session:
            return taxonomy.labels(session, include_inactive=include_inactive)

    def actions(self) -> list[ActionInfo]:
        """The four decisions, their names and keys, and what each must carry (the taxonomy file's)."""
        return list(taxonomy.actions())

    def reasons(self) -> dict[str, list[ReasonInfo]]:
        """Removal and escalation reasons, by action."""
        with self._c.db.read() as session:
            return taxonomy.reasons_by_kind(session)

    def set_label(self, label: LabelInfo) -> Outcome[LabelInfo]:
        """Add a label, or change one by its code (admins)."""
        with self._c.write() as (session, now):
            saved = taxonomy.set_label(session, self._c.who(), label, now)
        return Outcome(saved, Changes(taxonomy=True, history=True))

    def set_label_active(self, code: str, active: bool) -> Outcome[None]:
        with self._c.write() as (session, now):
            taxonomy.set_label_active(session, self._c.who(), code, active, now)
        return Outcome(None, Changes(taxonomy=True, history=True))


class TeamSettings:
    def __init__(self, context: Context) -> None:
        self._c = context

    def list(self) -> list[SettingInfo]:
        with self._c.db.read() as session:
            return team_settings.listing(session)

    def set(self, key: str, value: bool) -> Outcome[SettingInfo]:
        """Change a switch for everyone on the database (supervisors)."""
        with self._c.write() as (session, now):
            saved = team_settings.set_value(session, self._c.who(), key, value, now)
        return Outcome(saved, Changes(team_settings=True, history=True))
