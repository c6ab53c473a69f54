"""Users, roles and what each role may do.

The checks live here, in the service layer, so the window and the command
line refuse the same things for the same reasons.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from db import security
from db.models import User
from desktop.core import audit
from desktop.domain.errors import Conflict, NotFound, PermissionDenied, UsageError
from desktop.domain.people import Actor, Permission, Role, UserInfo

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def _info(user: User, *, team: bool = False) -> UserInfo:
    # On a team database the password is the login role's, which no workstation can read.
    has_password = False if team else user.password_hash is not None
    return UserInfo(user.id, user.name, user.role, user.disabled, user.created_at, has_password)


def resolve(session: Session, name: str) -> Actor:
    """The enabled user called ``name``, or a clear refusal."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"unknown user {name!r} (an admin adds users with: veil users add NAME --role ROLE)")
    if user.disabled:
        raise PermissionDenied(f"user {name!r} is disabled")
    return Actor(user.id, user.name, user.role)


def has_users(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(User)))


def bootstrap_admin(session: Session, name: str, now: datetime) -> Actor:
    """Make ``name`` the first admin of a database that has no users yet.

    A fresh install has no one who could add the first user; the person who
    starts it owns it. Only ever done while the user table is empty.
    """
    audit.lock_chain(session)  # two first starts at once make one admin, not two
    if has_users(session):
        raise Conflict("this database already has users")
    return _add(session, None, name, Role.ADMIN, now, kind="user.bootstrap")


def add_user(session: Session, actor: Actor, name: str, role: Role, now: datetime) -> Actor:
    actor.require(Permission.MANAGE_USERS)
    return _add(session, actor.name, name, role, now, kind="user.add")


def _add(session: Session, by: str | None, name: str, role: Role, now: datetime, *, kind: str) -> Actor:
    if not _NAME.match(name):
        raise UsageError(f"invalid user name {name!r}: letters, digits and . _ @ - only, at most 64")
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise Conflict(f"user {name!r} exists")
    user = User(name=name, role=role, disabled=False, created_at=now)
    session.add(user)
    session.flush()
    audit.append(session, kind=kind, actor=by or name, at=now, payload={"user": name, "role": role.value})
    return Actor(user.id, user.name, user.role)


def list_users(session: Session, *, team: bool = False) -> list[UserInfo]:
    if not team:
        return [
            _info(u) for u in session.scalars(select(User).options(undefer(User.password_hash)).order_by(User.name))
        ]
    return [_info(u, team=True) for u in session.scalars(select(User).order_by(User.name))]


def set_disabled(
    session: Session, actor: Actor, name: str, disabled: bool, now: datetime, *, team: bool = False
) -> UserInfo:
    """Stop ``name`` from signing in, or let them again; on a team database
    PostgreSQL makes their login NOLOGIN (and ends their sessions) in step."""
    actor.require(Permission.MANAGE_USERS)
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"unknown user {name!r}")
    if user.id == actor.id and disabled:
        raise UsageError("you cannot disable yourself")
    if user.disabled != disabled:
        user.disabled = disabled
        audit.append(
            session,
            kind="user.disable" if disabled else "user.enable",
            actor=actor.name,
            at=now,
            payload={"user": name},
        )
    return _info(user, team=team)


# scrypt's cost: about 50 ms and 16 MB a check on a workstation; the standard
# library has it, so no extra dependency guards the passwords.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MIN_PASSWORD = 8


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)


def set_password(
    session: Session, actor: Actor, name: str, password: str | None, now: datetime, *, team: bool = False
) -> UserInfo:
    """Set (or with None, remove) ``name``'s sign-in password: their own, or anyone's for an admin.

    On a team database it is the password of their PostgreSQL login, sent as
    a SCRAM verifier (see :func:`db.security.set_login_password`).
    """
    if name != actor.name:
        actor.require(Permission.MANAGE_USERS)
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"unknown user {name!r}")
    if password is not None and len(password) < MIN_PASSWORD:
        raise UsageError(f"a password needs at least {MIN_PASSWORD} characters")
    if team:
        if password is None:
            raise UsageError("on a team database a login keeps its password; disable the user instead")
        security.set_login_password(session.connection(), name, password)
    elif password is None:
        user.password_hash = None
    else:
        salt = secrets.token_bytes(16)
        digest = _hash(password, salt)
        encoded = "$".join(base64.b64encode(part).decode("ascii") for part in (salt, digest))
        user.password_hash = f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${encoded}"
    kind = "user.password.clear" if password is None else "user.password.set"
    audit.append(session, kind=kind, actor=actor.name, at=now, payload={"user": name})
    return _info(user, team=team)


def needs_password(session: Session, name: str) -> bool:
    """Whether ``name`` has a Veil password (never asked on a team database)."""
    return session.scalar(select(User.password_hash).where(User.name == name)) is not None


def sign_in(session: Session, name: str, password: str | None) -> Actor:
    """The user ``name``, if ``password`` is theirs (or they have none)."""
    actor = resolve(session, name)
    stored = session.scalar(select(User.password_hash).where(User.id == actor.id))
    if stored is None:
        return actor
    if not password or not _matches(stored, password):
        raise PermissionDenied(f"wrong password for {name!r}")
    return actor


def _matches(stored: str, password: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        salt, digest = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(digest))
    except ValueError:
        return False  # a damaged hash matches nothing
    return hmac.compare_digest(candidate, digest)
