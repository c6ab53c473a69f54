"""Whether a path lies on a network file system, where an SQLite database must not be.

SQLite's file locks are unreliable over NFS and SMB/CIFS (the server may not
honour them, or a client's cache may not see another client's writes), and
Veil keeps its SQLite files in WAL mode, whose shared-memory index (``-shm``)
works only between processes on one machine: over any network file system,
however well it locks, two computers would each see their own index and
overwrite each other's decisions. See https://sqlite.org/wal.html ("WAL does
not work over a network filesystem") and https://sqlite.org/useovernet.html.

Each platform is asked in its own way, with the standard library only. When
the question cannot be answered (no ``/proc``, a call that fails), the path
counts as local: the check exists to stop a known mistake, and refusing a
disk it cannot see would lock people out of their own database.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from pathlib import Path

# Linux's names (the third-to-last field of /proc/self/mountinfo) for file
# systems whose files live on another computer, or on several. Kernel
# clients: NFS, SMB (cifs; smb3 is the same client's newer name; smbfs its
# predecessor), NetWare (ncpfs), AFS, Coda, 9p (also how VMs and WSL2 share
# the host's folders), and the cluster file systems CephFS, GlusterFS and
# Lustre. FUSE clients show as fuse.NAME: sshfs, which has no locks at all,
# and the cloud-storage mounts (rclone, s3fs, gcsfuse), which have no
# locking a second computer sees. Local disks (ext4, xfs, btrfs, zfs, tmpfs,
# overlay...) and shared-disk file systems that lock across machines (gfs2,
# ocfs2) are not here; neither is autofs, which only marks where an NFS
# share will be mounted: resolving the path mounts it, and its real entry
# is the one found.
NETWORK_FILE_SYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "coda",
        "9p",
        "ceph",
        "glusterfs",
        "lustre",
        "fuse.sshfs",
        "fuse.glusterfs",
        "fuse.ceph",
        "fuse.rclone",
        "fuse.s3fs",
        "fuse.gcsfuse",
    }
)

# macOS's names (statfs's f_fstypename) for the same: NFS, SMB, Apple's AFP,
# WebDAV (the Finder's "Connect to Server" with https://) and FTP.
MACOS_NETWORK_FILE_SYSTEMS = frozenset({"nfs", "smbfs", "afpfs", "webdav", "ftp", "cifs"})

_ESCAPE = re.compile(r"\\([0-7]{3})")


def network_file_system(path: Path) -> str | None:
    """The name of the network file system ``path`` is on; None if it is on a local disk.

    ``path`` need not exist yet: the folder it would be made in decides.
    """
    if sys.platform == "win32":
        return _windows_network_drive(path)
    if sys.platform == "darwin":
        name = _macos_file_system(path)
        return name if name in MACOS_NETWORK_FILE_SYSTEMS else None
    # Linux; elsewhere (the BSDs, not platforms Veil ships for) there is no
    # /proc/self/mountinfo, and the path counts as local.
    name = linux_file_system(path)
    return name if name in NETWORK_FILE_SYSTEMS else None


def linux_file_system(path: Path, mountinfo: str | None = None) -> str | None:
    """The type of the mount that holds ``path`` (e.g. ``ext4``, ``nfs4``), from
    ``mountinfo`` (the text of /proc/self/mountinfo, read when not given)."""
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="surrogateescape")
        except OSError:
            return None
    # Resolved, so a symlink into a share is judged by the share (and an
    # automounted share is mounted, so that its own entry is in the list).
    target = os.fsdecode(os.path.realpath(path))
    found: str | None = None
    longest = -1
    for mount_point, fstype in mounts(mountinfo):
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        # ">=": a later entry on the same mount point is mounted over the earlier one.
        if inside and len(mount_point) >= longest:
            found, longest = fstype, len(mount_point)
    return found


def mounts(mountinfo: str) -> list[tuple[str, str]]:
    """Each mount's point and file system type, in the order of ``mountinfo``.

    A line is ``ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS``
    (proc(5)); the kernel writes a space, tab, newline or backslash in a
    mount point as an octal escape (``\\040``).
    """
    found = []
    for line in mountinfo.splitlines():
        fields = line.split(" ")
        if "-" not in fields[6:]:
            continue  # not a mountinfo line
        separator = fields.index("-", 6)
        if len(fields) <= separator + 1:
            continue
        mount_point = _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), fields[4])
        found.append((mount_point, fields[separator + 1]))
    return found


def windows_share(path: str) -> bool:
    """Whether ``path`` names a folder on another computer by its UNC name
    (``\\\\server\\share\\...``, or ``\\\\?\\UNC\\server\\share\\...``)."""
    if path.upper().startswith("\\\\?\\UNC\\"):
        return True
    # \\?\C:\... and \\.\device are local names in the long form.
    return path.startswith(("\\\\", "//")) and not path.startswith(("\\\\?\\", "\\\\.\\"))


def _windows_network_drive(path: Path) -> str | None:
    # Resolved, so a link to a share, or a mapped drive Windows names by its share, counts as one.
    name = os.path.realpath(path)
    if windows_share(name):
        return "a Windows network share"
    drive = os.path.splitdrive(name)[0]
    if sys.platform == "win32" and len(drive) == 2 and drive[1] == ":":
        drive_remote = 4  # GetDriveTypeW's DRIVE_REMOTE: a mapped network drive
        if ctypes.windll.kernel32.GetDriveTypeW(drive + "\\") == drive_remote:
            return f"network drive {drive.upper()}"
    return None


class _MacStatfs(ctypes.Structure):
    # struct statfs as macOS declares it since 10.6 (64-bit inodes), from
    # <sys/mount.h>: only f_fstypename is read.
    _fields_ = (
        ("f_bsize", ctypes.c_uint32),
        ("f_iosize", ctypes.c_int32),
        ("f_blocks", ctypes.c_uint64),
        ("f_bfree", ctypes.c_uint64),
        ("f_bavail", ctypes.c_uint64),
        ("f_files", ctypes.c_uint64),
        ("f_ffree", ctypes.c_uint64),
        ("f_fsid", ctypes.c_int32 * 2),
        ("f_owner", ctypes.c_uint32),
        ("f_type", ctypes.c_uint32),
        ("f_flags", ctypes.c_uint32),
        ("f_fssubtype", ctypes.c_uint32),
        ("f_fstypename", ctypes.c_char * 16),
        ("f_mntonname", ctypes.c_char * 1024),
        ("f_mntfromname", ctypes.c_char * 1024),
        ("f_flags_ext", ctypes.c_uint32),
        ("f_reserved", ctypes.c_uint32 * 7),
    )


def _macos_file_system(path: Path) -> str | None:
    # os.statvfs does not carry the type's name, so libc's statfs is called.
    # It needs a path that exists: the nearest existing folder stands in.
    existing = Path(os.path.realpath(path))
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        # On Intel Macs the 64-bit-inode layout is statfs$INODE64; on Apple
        # silicon it is the only one, under the plain name.
        statfs = getattr(libc, "statfs$INODE64", None) or libc.statfs
        found = _MacStatfs()
        if statfs(os.fsencode(existing), ctypes.byref(found)) != 0:
            return None
        name: bytes = found.f_fstypename
        return name.decode("ascii", "replace")
    except (OSError, AttributeError):
        return None
