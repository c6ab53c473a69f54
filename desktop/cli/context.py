"""What a command works with: the settings, the application opened from them, the person signed in, output."""

from __future__ import annotations

import getpass
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from desktop import config
from desktop.domain.errors import PasswordRefused, UsageError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    from desktop.app.veil import Veil
    from desktop.domain.people import Actor


class Context:
    """The parsed command line and what it names, opened when a command first needs it."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.settings = config.load({"db_url": args.db, "user": getattr(args, "as_user", None)})
        self._veil: Veil | None = None

    @property
    def veil(self) -> Veil:
        """The application on the configured database, opened (and upgraded) on first use."""
        if self._veil is None:
            # Here, not at the top: the database libraries load for the commands that open one.
            from desktop.app.veil import Veil

            try:
                self._veil = Veil.from_settings(self.settings)
            except PasswordRefused:
                # A team database's login wants a password that libpq did not
                # find (URL, PGPASSWORD, ~/.pgpass): VEIL_PASSWORD, or ask.
                password = os.environ.get("VEIL_PASSWORD")
                if password is None and not sys.stdin.isatty():
                    raise
                password = password or getpass.getpass("database password: ")
                self._veil = Veil.from_settings(self.settings, password=password)
        return self._veil

    def actor(self) -> Actor:
        """The configured user, signed in on first use; a password comes from
        VEIL_PASSWORD or, in a terminal, a prompt."""
        veil = self.veil
        if veil.actor is not None:
            return veil.actor
        if veil.team_login is not None:
            # PostgreSQL knows who connected; a name given anyway must be theirs.
            named = self.settings.origins.get("user", "default") != "default"
            return veil.sign_in(self.settings.user if named else None)
        name = self.settings.user
        return veil.sign_in(name, self._password(name) if veil.needs_password(name) else None)

    def signed_in(self) -> Veil:
        """:attr:`veil`, with the configured user signed in."""
        self.actor()
        return self.veil

    def _password(self, name: str) -> str:
        password = os.environ.get("VEIL_PASSWORD")
        if password is None:
            if not sys.stdin.isatty():
                raise UsageError(f"user {name!r} has a password: give it in VEIL_PASSWORD, or run in a terminal")
            password = getpass.getpass(f"password for {name}: ")
        return password

    def emit(self, data: Any, human: Callable[[], None]) -> None:
        """``data`` as one line of JSON on stdout with ``--json``, else what ``human`` prints."""
        if self.args.json:
            json.dump(data, sys.stdout, ensure_ascii=False, indent=None)
            sys.stdout.write("\n")
        else:
            human()

    def close(self) -> None:
        if self._veil is not None:
            self._veil.close()
