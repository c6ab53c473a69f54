"""Whether a text names a database Veil can open, before it is saved anywhere."""

from __future__ import annotations

from db.errors import UnsupportedURL
from db.session import parse_url
from desktop.domain.errors import UsageError


def check_url(text: str) -> None:
    """Refuse (UsageError, saying what is expected) a URL that names no database Veil can use.

    Only the URL's form is checked: nothing is opened or connected to.
    """
    try:
        parse_url(text)
    except UnsupportedURL as err:
        raise UsageError(str(err)) from None
