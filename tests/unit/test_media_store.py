"""The media store's copies: sealed, under random names, checked, with the store's permissions."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from typing import TYPE_CHECKING

import pytest

from desktop.core.ingest.media_store import check_store, discard, keep
from desktop.core.media.sealed import new_key, open_sealed
from desktop.domain.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def strict_umask() -> Iterator[None]:
    """An importer whose umask would keep everyone else out."""
    before = os.umask(0o077)
    yield
    os.umask(before)


def original(folder: Path, name: str, content: bytes) -> tuple[Path, str]:
    path = folder / name
    path.write_bytes(content)
    return path, hashlib.sha256(content).hexdigest()


def test_each_copy_is_sealed_under_a_random_name_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    store = check_store(tmp_path / "store")
    first, digest = original(tmp_path, "photo.JPEG", b"same bytes" * 100)
    second, _ = original(tmp_path, "copy of photo.jpg", b"same bytes" * 100)
    key, other_key = new_key(), new_key()
    kept = keep(first, digest, store, key)
    again = keep(second, digest, store, other_key)
    # Not the content's hash: browsing the share tells nothing about what it holds.
    assert kept != again and digest not in str(kept) and digest not in str(again)
    for path in (kept, again):
        assert re.fullmatch(r"[0-9a-f]{32}\.veil", path.name) and path.parent.name == path.name[:2]
        assert path.parent.parent == store
        assert b"same bytes" not in path.read_bytes()
    with open_sealed(kept, key) as stream:
        assert stream.read() == b"same bytes" * 100
    with open_sealed(again, other_key) as stream:
        assert stream.read() == b"same bytes" * 100
    assert not list(store.rglob("*.partial"))


def test_a_file_that_changed_since_it_was_hashed_is_not_kept(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    store = check_store(tmp_path / "store")
    path, digest = original(tmp_path, "a.png", b"as hashed")
    path.write_bytes(b"rewritten by the time it is copied")
    with pytest.raises(OSError, match="changed while it was being copied"):
        keep(path, digest, store, new_key())
    assert [p for p in store.rglob("*") if p.is_file()] == []


def test_only_sealed_copies_are_ever_discarded(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    store = check_store(tmp_path / "store")
    path, digest = original(tmp_path, "a.png", b"pixels")
    kept = keep(path, digest, store, new_key())
    discard(path, store)  # the user's own file
    assert path.exists()
    discard(kept, store)
    assert not kept.exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.usefixtures("strict_umask")
def test_copies_take_the_stores_permissions_not_the_importers_umask(tmp_path: Path) -> None:
    shared = tmp_path / "store"
    shared.mkdir()
    shared.chmod(0o2775)  # a group folder, setgid, as docs/admin.md suggests
    store = check_store(shared)
    path, digest = original(tmp_path, "a.png", b"pixels")
    kept = keep(path, digest, store, new_key())
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o2775
    assert stat.S_IMODE(kept.stat().st_mode) == 0o664


def test_a_store_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "store").write_text("not a folder")
    with pytest.raises(UsageError, match="is not a folder"):
        check_store(tmp_path / "store")


def test_the_store_keeps_the_name_it_was_given(tmp_path: Path) -> None:
    (tmp_path / "nas").mkdir()
    (tmp_path / "veil-media").symlink_to(tmp_path / "nas")
    assert check_store(tmp_path / "veil-media") == tmp_path / "veil-media"


def test_a_copy_from_bytes_already_read_is_what_was_hashed(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    store = check_store(tmp_path / "store")
    path, digest = original(tmp_path, "a.jpg", b"as read and hashed")
    path.write_bytes(b"rewritten after it was read")  # the copy is of what was read, not read again
    key = new_key()
    kept = keep(path, digest, store, key, data=b"as read and hashed")
    with open_sealed(kept, key) as stream:
        assert stream.read() == b"as read and hashed"
    with pytest.raises(OSError, match="changed while it was being copied"):
        keep(path, digest, store, new_key(), data=b"other bytes")
    assert len([p for p in store.rglob("*") if p.is_file()]) == 1
