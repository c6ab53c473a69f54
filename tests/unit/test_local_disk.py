"""Finding the file system a path is on, and refusing an SQLite database on a network one."""

# ruff: noqa: E501 - mountinfo lines are quoted whole, as the kernel writes them

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from db.errors import DatabaseError
from db.local_disk import NETWORK_FILE_SYSTEMS, linux_file_system, mounts, network_file_system, windows_share
from db.sqlite_file import refusal

# Real lines from a Linux machine's /proc/self/mountinfo, then an NFS and an
# SMB share mounted the usual way (mount -t nfs4 / mount -t cifs), in the same
# format, the SMB one with a space in its mount point (the kernel writes \040),
# and a tmpfs mounted over part of the NFS share.
MOUNTINFO = r"""22 27 0:21 / /proc rw,relatime - proc proc rw
23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334460k,nr_inodes=3083615,mode=755
25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684084k
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
28 27 0:25 / /mnt/sandboxing/model_tools_env/v1/python ro,nosuid,nodev,relatime - tmpfs model_tools_unavailable ro,size=4k,mode=755
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
45 27 0:40 / /mnt/share rw,relatime shared:30 - nfs4 fileserver:/export/veil rw,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys,clientaddr=10.0.0.5,local_lock=none,addr=10.0.0.2
46 27 0:41 / /media/team\040share rw,nosuid,nodev,relatime shared:31 - cifs //fileserver/team rw,vers=3.1.1,cache=strict,username=amira,uid=1000,forceuid,gid=1000,forcegid,addr=10.0.0.2,file_mode=0755,dir_mode=0755,soft,nounix,serverino,mapposix,rsize=4194304,wsize=4194304,bsize=1048576,echo_interval=60,actimeo=1,closetimeo=1
47 45 0:42 / /mnt/share/scratch rw,relatime shared:32 - tmpfs tmpfs rw,size=1048576k
"""


def test_mountinfo_lines_give_mount_points_and_types() -> None:
    found = dict(mounts(MOUNTINFO))
    assert found["/"] == "ext4"
    assert found["/mnt/share"] == "nfs4"
    assert found["/media/team share"] == "cifs"  # \040 read back as the space it stands for
    assert found["/mnt/sandboxing/model_tools_env/v1/python"] == "tmpfs"  # no optional fields before "-"
    assert mounts("not a mountinfo line\n\n") == []


@pytest.mark.parametrize(
    ("path", "fstype"),
    [
        ("/home/amira/.local/share/veil/veil.sqlite3", "ext4"),
        ("/mnt/share/veil.sqlite3", "nfs4"),
        ("/mnt/share", "nfs4"),
        ("/mnt/share/deep/er/veil.sqlite3", "nfs4"),
        ("/mnt/shared/veil.sqlite3", "ext4"),  # a longer name is not inside /mnt/share
        ("/mnt/share/scratch/veil.sqlite3", "tmpfs"),  # the longest mount point wins
        ("/media/team share/veil.sqlite3", "cifs"),
        ("/dev/shm/veil.sqlite3", "tmpfs"),
    ],
)
def test_the_mount_holding_a_path_decides(path: str, fstype: str) -> None:
    assert linux_file_system(Path(path), MOUNTINFO) == fstype


def test_a_later_mount_on_the_same_point_hides_the_earlier() -> None:
    over = MOUNTINFO + "48 27 0:43 / /mnt/share rw,relatime - ext4 /dev/vdb rw\n"
    assert linux_file_system(Path("/mnt/share/veil.sqlite3"), over) == "ext4"


def test_the_usual_network_file_systems_count_and_local_ones_do_not() -> None:
    assert {"nfs", "nfs4", "cifs", "smb3", "fuse.sshfs", "9p"} <= NETWORK_FILE_SYSTEMS
    assert not {"ext4", "xfs", "btrfs", "zfs", "tmpfs", "overlay", "autofs"} & NETWORK_FILE_SYSTEMS


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/mountinfo")
def test_this_machines_temporary_folder_is_found_on_its_real_mount(tmp_path: Path) -> None:
    assert linux_file_system(tmp_path / "veil.sqlite3") is not None


def test_this_machines_temporary_folder_is_local(tmp_path: Path) -> None:
    assert network_file_system(tmp_path / "veil.sqlite3") is None
    assert network_file_system(tmp_path / "not yet" / "made" / "veil.sqlite3") is None


@pytest.mark.parametrize(
    ("path", "share"),
    [
        (r"\\fileserver\veil\veil.sqlite3", True),
        ("//fileserver/veil/veil.sqlite3", True),
        (r"\\?\UNC\fileserver\veil\veil.sqlite3", True),
        (r"\\?\C:\Users\amira\AppData\Local\veil\veil.sqlite3", False),
        (r"\\.\PhysicalDrive0", False),
        (r"C:\Users\amira\AppData\Local\veil\veil.sqlite3", False),
    ],
)
def test_windows_shares_are_known_by_their_unc_names(path: str, share: bool) -> None:
    assert windows_share(path) is share


def test_the_refusal_says_where_why_and_what_instead() -> None:
    path = Path("/mnt/share/veil.sqlite3")
    kind = linux_file_system(path, MOUNTINFO)
    assert kind is not None

    error = refusal(path, kind)

    assert isinstance(error, DatabaseError) and error.exit_code == 2
    assert str(error) == (
        "the SQLite database /mnt/share/veil.sqlite3 is on a network file system (nfs4), where SQLite's locking "
        "is unreliable and decisions can be lost; keep it on a local disk, or use a shared PostgreSQL database "
        'for a team (docs/admin.md, "A shared PostgreSQL database")'
    )
