"""The one object a front end opens: a database, the person working on it, and a method per use case.

Modelled on Anki's ``Collection``: the window and the command line open a
:class:`Veil` from their settings, sign a person in, and call its areas
(``veil.review.decide_and_next(...)``, ``veil.audit.verify()``...). Each
use case owns its transaction(s), takes the time from the database server
on PostgreSQL wherever leases or ages are compared, checks the person's
role, appends its audit event, and takes and returns the values of
:mod:`desktop.domain`; writes return an :class:`~desktop.domain.changes.Outcome`
saying what changed. Front ends never open a session or import ``db``.

The object is safe to share between the window's worker threads: every
call opens its own session, and the signed-in person is an immutable value.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar, cast

from db.session import DEFAULT_BUSY_TIMEOUT_MS, describe
from desktop.app.context import Context
from desktop.core.review.claims import DEFAULT_LEASE
from desktop.core.review.decisions import DEFAULT_UNDO_GRACE
from desktop.core.workspace import open_workspace
from desktop.domain.clock import Clock, system_clock

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from db.migrate import UpgradeResult
    from desktop.app.administering import People, TaxonomyAdmin, TeamSettings
    from desktop.app.auditing import Auditing
    from desktop.app.caring import Caring
    from desktop.app.ingesting import Ingesting
    from desktop.app.reviewing import Reviewing
    from desktop.app.second_review import SecondReview
    from desktop.app.supervising import Supervising
    from desktop.config import Settings
    from desktop.domain.people import Actor
    from desktop.domain.previews import PreviewSettings

Area = TypeVar("Area")


class Veil:
    def __init__(self, context: Context) -> None:
        self._context = context
        self._areas: dict[object, object] = {}
        self._areas_lock = threading.Lock()

    # Each area is made, and its modules imported, on first use: a command
    # loads only the areas it calls (``veil users list`` no review, no audit
    # export). One of each per Veil, even when two threads ask at once.

    def _area(self, make: Callable[[Context], Area]) -> Area:
        with self._areas_lock:
            if make not in self._areas:
                self._areas[make] = make(self._context)
            return cast("Area", self._areas[make])

    @property
    def review(self) -> Reviewing:
        from desktop.app.reviewing import Reviewing

        return self._area(Reviewing)

    @property
    def second_review(self) -> SecondReview:
        from desktop.app.second_review import SecondReview

        return self._area(SecondReview)

    @property
    def supervision(self) -> Supervising:
        from desktop.app.supervising import Supervising

        return self._area(Supervising)

    @property
    def audit(self) -> Auditing:
        from desktop.app.auditing import Auditing

        return self._area(Auditing)

    @property
    def people(self) -> People:
        from desktop.app.administering import People

        return self._area(People)

    @property
    def taxonomy(self) -> TaxonomyAdmin:
        from desktop.app.administering import TaxonomyAdmin

        return self._area(TaxonomyAdmin)

    @property
    def team(self) -> TeamSettings:
        from desktop.app.administering import TeamSettings

        return self._area(TeamSettings)

    @property
    def care(self) -> Caring:
        from desktop.app.caring import Caring

        return self._area(Caring)

    @property
    def ingest(self) -> Ingesting:
        from desktop.app.ingesting import Ingesting

        return self._area(Ingesting)

    @classmethod
    def open(
        cls,
        url: str,
        *,
        create_folder: bool = False,
        backup_dir: Path | None = None,
        clock: Clock = system_clock,
        lease: timedelta = DEFAULT_LEASE,
        undo_grace: timedelta = DEFAULT_UNDO_GRACE,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        preview: PreviewSettings | None = None,
        media_store: Path | None = None,
        store_journal: Path | None = None,
        password: str | None = None,
    ) -> Veil:
        """Open (upgrading and seeding as needed) the database at ``url``."""
        workspace = open_workspace(
            url, create_folder=create_folder, backup_dir=backup_dir, clock=clock, lease=lease,
            undo_grace=undo_grace, busy_timeout_ms=busy_timeout_ms, password=password,
        )  # fmt: skip
        return cls(Context(workspace, preview=preview, media_store=media_store, store_journal=store_journal))

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock = system_clock, password: str | None = None) -> Veil:
        """The database the settings name, with their leases, timeouts and ingest settings;
        ``password``: the PostgreSQL login's, when it is neither in the URL nor found by libpq."""
        return cls.open(
            settings.db_url,
            # The default file's folder is Veil's own to make; a named one must exist.
            create_folder=not settings.values.db_url,
            clock=clock,
            lease=timedelta(minutes=settings.values.lease_minutes),
            undo_grace=timedelta(minutes=settings.values.undo_grace_minutes),
            busy_timeout_ms=settings.values.busy_timeout_ms,
            preview=settings.preview(),
            media_store=settings.media_store,
            store_journal=settings.store_journal,
            password=password,
        )

    # -- who is working ---------------------------------------------------

    @property
    def actor(self) -> Actor | None:
        return self._context.actor

    def sign_in(self, name: str | None, password: str | None = None) -> Actor:
        """Work as ``name`` from now on: a user without a password needs none;
        on a database with no users yet, that person becomes its first admin.

        On a team database the person is the PostgreSQL login connected
        (:attr:`team_login`): ``name`` None means them, and naming anyone else is refused.
        """
        actor = self._context.workspace.sign_in(name, password)
        self._context.actor = actor
        return actor

    @property
    def team_login(self) -> str | None:
        """On a team database whose roles PostgreSQL enforces, the login connected; else None."""
        return self._context.workspace.login

    def needs_password(self, name: str) -> bool:
        return self._context.workspace.needs_password(name)

    # -- the database itself ---------------------------------------------

    @property
    def where(self) -> str:
        """The database as shown to people (no password)."""
        return describe(self._context.workspace.db.url)

    @property
    def upgraded(self) -> UpgradeResult | None:
        """What opening did to the schema."""
        return self._context.workspace.upgraded

    @property
    def lease(self) -> timedelta:
        return self._context.workspace.review.lease

    def close(self) -> None:
        self._context.workspace.close()

    def __enter__(self) -> Veil:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
