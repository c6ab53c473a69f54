"""The PyInstaller bundle, built for real by ``packaging/build.py`` (~30 s).

What is checked is what a trimmed, frozen program gets wrong: Alembic's
migration scripts left out (they are .py files PyInstaller takes for code),
children for ingest and video started by a program that is not Python, a
plugin or a library trimmed that the window needs, and files written into
the installed folder at run time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from db.migrate import head_revision
from tests.conftest import REPO
from tests.support.pdf import pdf_text
from tests.unit.test_video import make_video

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the bundle is built on each OS's runner")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bundle")
    result = subprocess.run(
        [sys.executable, str(REPO / "packaging" / "build.py"), "--dist", str(root / "dist"), "--work", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((root / "bundle-report.json").read_text())
    assert report["bytes"] > 50_000_000  # a bundle, not an empty folder
    return root / "dist" / "veil"


def run(bundle: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {
        # Only what a workstation's session has: no virtual environment, no
        # checkout on the path.
        "PATH": "/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
        # The first to use a new database becomes its admin.
        "VEIL_USER": "tester",
        **(env or {}),
    }
    return subprocess.run(
        [str(bundle / "veil"), *args], capture_output=True, text=True, env=environment, check=False, timeout=120
    )


def files_under(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


def names(bundle: Path, pattern: str) -> Sequence[str]:
    return sorted(path.name for path in (bundle / "_internal").rglob(pattern))


def test_the_version_is_the_packages(bundle: Path) -> None:
    from desktop import __version__

    result = run(bundle, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"veil {__version__}"


def test_the_bundled_program_migrates_a_fresh_database(bundle: Path, empty_url: str) -> None:
    """On SQLite and on PostgreSQL (through the bundled psycopg and libpq)."""
    migrations = bundle / "_internal" / "db" / "migrations"
    assert (migrations / "env.py").is_file()
    assert sorted(p.name for p in (migrations / "versions").glob("*.py")) == sorted(
        p.name for p in (REPO / "db" / "migrations" / "versions").glob("*.py")
    )
    before = files_under(bundle)
    url = empty_url

    upgraded = run(bundle, "--db", url, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    status = run(bundle, "--db", url, "db", "status")
    assert status.returncode == 0, status.stderr
    assert f"schema {head_revision()}" in status.stdout
    # Nothing cached beside the migration scripts, or anywhere in the bundle.
    assert files_under(bundle) == before


def test_the_installed_program_reads_only_the_real_system_file(bundle: Path, tmp_path: Path) -> None:
    """A user cannot point the installed program at a system file of their own
    and so shed the settings IT locked (a checkout may, for tests)."""
    own = tmp_path / "my-system.toml"
    own.write_text('locked = ["no such setting"]\n', encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'v.sqlite3'}"
    result = run(bundle, "--db", url, "db", "upgrade", env={"VEIL_SYSTEM_CONFIG": str(own)})
    assert result.returncode == 0, result.stderr
    assert "no such setting" not in result.stderr


def test_ingest_makes_previews_and_storyboards_in_worker_processes(bundle: Path, tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    for index in range(9):  # enough for the pool of spawned workers (8 files or more)
        Image.new("RGB", (640, 480), (25 * index, 90, 160)).save(media / f"photo{index}.jpg")
    make_video(media / "clip.mp4", frames=40, gop=10)
    url = f"sqlite:///{tmp_path / 'v.sqlite3'}"

    ingested = run(bundle, "--db", url, "ingest", "--workers", "2", "--quiet", str(media))
    assert ingested.returncode == 0, ingested.stderr
    shown = [run(bundle, "--db", url, "show", str(item)) for item in range(1, 11)]
    assert all(result.returncode == 0 for result in shown), [result.stderr for result in shown]
    text = "\n".join(result.stdout for result in shown)
    assert text.count("preview:ready") == 10, text
    assert "video file://" in text


def test_the_demo_feed_travels_with_the_program(bundle: Path, tmp_path: Path) -> None:
    feed = bundle / "_internal" / "resources" / "demo" / "demo-feed.jsonl"
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    result = run(bundle, "--db", url, "ingest", "--quiet", str(feed))
    assert result.returncode == 0, result.stderr
    queue = run(bundle, "--db", url, "queue")
    assert queue.returncode == 0, queue.stderr
    assert len(queue.stdout.splitlines()) == sum(1 for line in feed.read_text().splitlines() if line.strip())


def test_the_pdf_report_is_written_from_the_bundle_without_qt(bundle: Path, tmp_path: Path) -> None:
    """fpdf2, HarfBuzz and the fonts travel with the program, and no display is needed."""
    fonts = bundle / "_internal" / "resources" / "fonts"
    assert {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE-DejaVu.txt"} <= {path.name for path in fonts.iterdir()}
    url = f"sqlite:///{tmp_path / 'report.sqlite3'}"
    feed = bundle / "_internal" / "resources" / "demo" / "demo-feed.jsonl"
    assert run(bundle, "--db", url, "ingest", "--quiet", str(feed)).returncode == 0
    target = tmp_path / "report.pdf"

    # QT_QPA_PLATFORM empty: no platform chosen, as on a server.
    result = run(bundle, "--db", url, "report", "--pdf", str(target), env={"QT_QPA_PLATFORM": ""})

    assert result.returncode == 0, result.stderr
    verified = run(bundle, "--db", url, "audit", "verify", "--json")
    assert verified.returncode == 0, verified.stderr
    text = pdf_text(target)
    assert json.loads(verified.stdout)["head_hash"] in text
    assert "\ufffd" not in text


def test_the_window_opens_from_the_bundle(bundle: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gui.sqlite3'}"
    feed = bundle / "_internal" / "resources" / "demo" / "demo-feed.jsonl"
    assert run(bundle, "--db", url, "ingest", "--quiet", str(feed)).returncode == 0
    shot = tmp_path / "window.png"
    result = run(bundle, "--db", url, "gui", "--screenshot", str(shot), "--size", "1280x800")
    assert result.returncode == 0, result.stderr
    with Image.open(shot) as picture:
        assert picture.size == (1280, 800)
        # A drawn window, not an empty surface: many distinct colours.
        assert len(picture.convert("RGB").getcolors(maxcolors=1 << 16) or range(1 << 16)) > 50


def test_only_the_qt_parts_veil_uses_are_bundled(bundle: Path) -> None:
    plugins = names(bundle, "PySide6/Qt/plugins/*/*.so")
    # jpeg: previews reach the screen as JPEG bytes Qt decodes; svg: the window's icon.
    assert {"libqxcb.so", "libqoffscreen.so", "libqjpeg.so", "libqsvg.so", "libqsvgicon.so"} <= set(plugins)
    assert not [name for name in plugins if "wayland" in name or "gtk" in name or "eglfs" in name]
    libraries = names(bundle, "libQt6*")
    unused = ("libQt6Qml", "libQt6Quick", "libQt6Network", "libQt6Pdf", "libQt6WaylandClient")
    assert not [name for name in libraries if name.startswith(unused)]
    assert not names(bundle, "*.qm")  # Qt's translations
    # The display stack is the workstation's (the package depends on it).
    assert not names(bundle, "libX11*") and not names(bundle, "libfontconfig*")
    # glibc's own libraries and the C++ runtime are the system's too.
    assert not names(bundle, "libmvec*") and not names(bundle, "libstdc++*")
