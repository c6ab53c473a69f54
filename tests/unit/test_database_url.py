"""Checking a database URL before it is saved: its form only, refusals as usage errors."""

from __future__ import annotations

import pytest

from desktop.app.database_url import check_url
from desktop.domain.errors import UsageError


@pytest.mark.parametrize(
    "url", ["sqlite:////srv/veil/shared.sqlite3", "postgresql://reviewer@db.example/veil", "postgres://h/veil"]
)
def test_urls_veil_can_open_pass(url: str) -> None:
    check_url(url)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("mysql://someone@somewhere/veil", "unsupported database URL scheme 'mysql'"),
        ("not a url at all", "not a database URL Veil can use"),
        ("postgresql://h:port/veil", "not a database URL Veil can use"),
    ],
)
def test_other_urls_are_refused_as_usage_errors_without_echoing_them(url: str, said: str) -> None:
    with pytest.raises(UsageError, match=said) as refused:
        check_url(url)
    assert "someone" not in str(refused.value)
