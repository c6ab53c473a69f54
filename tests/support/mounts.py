"""Small file systems a fault test mounts (as root) to make a disk fill up or turn read-only.

Each is a context manager that unmounts, whatever happens in the test.
Without root the test is skipped, saying why.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def need_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a file system needs root (CI runs these tests as root)")


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, f"{' '.join(command)}: {done.stderr.strip()}"


@contextlib.contextmanager
def tmpfs(folder: Path, megabytes: int) -> Iterator[Path]:
    """A tmpfs of ``megabytes`` at ``folder`` (made if missing)."""
    need_root()
    folder.mkdir(parents=True, exist_ok=True)
    _run("mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0700", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        _run("umount", "-l", str(folder))


def resize(folder: Path, megabytes: int) -> None:
    """Give a mounted tmpfs more room (or less), as freeing space on a disk would."""
    _run("mount", "-o", f"remount,size={megabytes}m", str(folder))


def fill(folder: Path, *, leave: int = 0) -> Path:
    """Fill the file system holding ``folder`` with a ballast file, leaving about ``leave`` bytes free."""
    ballast = folder / "ballast"
    with ballast.open("wb", buffering=0) as out:
        block = b"\0" * 4096
        try:
            while True:
                out.write(block)
        except OSError as err:
            if err.errno != errno.ENOSPC:
                raise
    if leave:
        os.truncate(ballast, max(0, ballast.stat().st_size - leave))
    return ballast
