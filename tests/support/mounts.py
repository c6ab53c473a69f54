"""Small file systems a fault test mounts (as root) to make a disk fill up or turn read-only.

Each is a context manager that unmounts, whatever happens in the test.
Without root the test is skipped, saying why.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator


def need_root() -> None:
    """Skip unless this process may mount file systems: root, and a kernel and
    container that allow it (a container without CAP_SYS_ADMIN refuses even root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a file system needs root (CI runs these tests as root)")
    refused = _mount_refused()
    if refused:
        pytest.skip(f"this machine refuses mounts even to root: {refused}")


@functools.cache
def _mount_refused() -> str:
    """Why a one-page tmpfs cannot be mounted here, or "" when it can (tried once per run)."""
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", folder],
            capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
        if done.returncode != 0:
            return done.stderr.strip() or f"mount exited {done.returncode}"
        _run("umount", folder)
    return ""


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


def make_ext4(image: Path, megabytes: int) -> Path:
    """An ext4 file system in the file ``image``, to be mounted through a loop device."""
    need_root()
    if not Path("/dev/loop-control").exists():
        pytest.skip("no loop devices here: an ext4 file system cannot be mounted from a file")
    if shutil.which("mkfs.ext4") is None or shutil.which("e2fsck") is None:
        pytest.skip("mkfs.ext4 and e2fsck (e2fsprogs) are not installed")
    with image.open("wb") as out:
        out.truncate(megabytes * 1024 * 1024)
    _run("mkfs.ext4", "-q", "-F", str(image))
    return image


@contextlib.contextmanager
def ext4(image: Path, folder: Path) -> Iterator[Path]:
    """``image`` mounted at ``folder``; a file system error turns it read-only (errors=remount-ro)."""
    folder.mkdir(parents=True, exist_ok=True)
    _run("mount", "-o", "loop,errors=remount-ro", str(image), str(folder))
    try:
        yield folder
    finally:
        if os.path.ismount(folder):
            unmount(folder)


def unmount(folder: Path) -> None:
    """Unmount ``folder``; if a file on it is still open, detach it anyway and fail the test."""
    done = subprocess.run(["umount", str(folder)], capture_output=True, text=True, check=False, timeout=60)
    if done.returncode != 0:
        _run("umount", "-l", str(folder))
        raise AssertionError(f"umount {folder}: {done.stderr.strip()}")


def fail_to_read_only(folder: Path) -> None:
    """Make the kernel turn the ext4 file system at ``folder`` read-only, as after a disk error:
    files open for writing stay open, their writes fail from now on."""
    device = subprocess.run(
        ["findmnt", "-no", "SOURCE", str(folder)], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    Path("/sys/fs/ext4", Path(device).name, "trigger_fs_error").write_text("veil fault test\n")
    # The kernel may finish the switch on a worker of its own: a bounded wait
    # until a new file is refused (ST_RDONLY is not set for this kind of read-only).
    deadline = time.monotonic() + 10
    while True:
        try:
            (folder / "probe").touch()
        except OSError as err:
            if err.errno != errno.EROFS:
                raise
            return
        (folder / "probe").unlink()
        assert time.monotonic() < deadline, f"{folder} did not turn read-only"
        time.sleep(0.01)


def repair(image: Path) -> None:
    """What an admin does before mounting it again: check and repair (e2fsck exits 1 when it fixed something)."""
    done = subprocess.run(["e2fsck", "-fy", str(image)], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode in (0, 1), done.stdout + done.stderr
