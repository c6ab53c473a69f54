"""Build Veil's one-folder bundle: ``python packaging/build.py`` (or ``make dist``).

Renders the application icon from ``resources/icons/veil.svg`` into the
sizes the installers need (``build/icons``), runs PyInstaller on
``packaging/veil.spec`` into ``dist/veil/`` and reports how long that took,
how big the bundle is and its largest parts (also written to
``build/bundle-report.json``). Needs the ``dev`` extra installed
(``pip install -e '.[dev]'``, which ``make`` does): PyInstaller is in it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
DIST = ROOT / "dist"
# The hicolor theme's sizes that desktops look in first, and what Windows'
# .ico and macOS' .icns are made of.
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_icons(out: Path, svg: Path = ROOT / "resources" / "icons" / "veil.svg") -> list[Path]:
    """PNGs at every size in ``out/hicolor/NxN/apps/veil.png``, plus
    ``veil.ico`` and ``veil.icns``; returns the files written."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"build: cannot read the icon {svg}")
    written: list[Path] = []
    largest: Path | None = None
    for size in PNG_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = out / "hicolor" / f"{size}x{size}" / "apps" / "veil.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(path)):
            raise SystemExit(f"build: cannot write {path}")
        written.append(path)
        largest = path
    assert largest is not None
    with Image.open(largest) as big:
        big.save(out / "veil.ico", sizes=[(s, s) for s in ICO_SIZES])
        big.save(out / "veil.icns")
    written += [out / "veil.ico", out / "veil.icns"]
    return written


def strip_libraries(bundle: Path) -> int:
    """Strip the bundle's shared libraries on Linux; returns bytes saved.

    PyInstaller's own ``strip=True`` also strips the libraries that wheels
    carry in ``<package>.libs/``; auditwheel rewrote those with patchelf, and
    stripped they fail to load ("ELF load command address/offset not
    page-aligned", seen with numpy's OpenBLAS). They ship stripped anyway.
    The executable is never stripped: the program's archive is appended to it.
    """
    if not sys.platform.startswith("linux"):
        return 0
    libraries = [
        path
        for path in (bundle / "_internal").rglob("*.so*")
        if path.is_file() and not path.is_symlink() and not any(part.endswith(".libs") for part in path.parts)
    ]
    before = sum(path.stat().st_size for path in libraries)
    for start in range(0, len(libraries), 200):
        subprocess.run(["strip", "--strip-unneeded", *map(str, libraries[start : start + 200])], check=True)
    return before - sum(path.stat().st_size for path in libraries)


def tree_size(path: Path) -> int:
    """Bytes in the files under ``path`` (links to files counted once, as installed)."""
    if not path.is_dir():
        return 0 if path.is_symlink() else path.stat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def largest_parts(bundle: Path, count: int = 12) -> list[tuple[str, int]]:
    """The biggest top-level entries of the bundle's ``_internal`` folder."""
    parts = [(entry.name, tree_size(entry)) for entry in (bundle / "_internal").iterdir()]
    return sorted(parts, key=lambda part: -part[1])[:count]


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--icons-only", action="store_true", help="render the icons and stop")
    parser.add_argument("--dist", type=Path, default=DIST, help="where the bundle goes (default: dist/)")
    parser.add_argument("--work", type=Path, default=BUILD, help="PyInstaller's scratch folder (default: build/)")
    parser.add_argument(
        "--untrimmed", action="store_true", help="keep every Qt plugin and system library (to measure the trimming)"
    )
    args = parser.parse_args(argv)

    started = time.monotonic()
    icons = args.work / "icons"
    render_icons(out=icons)
    if args.icons_only:
        print(f"build: icons in {icons}")
        return 0
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level=WARN",
        f"--distpath={args.dist}",
        f"--workpath={args.work / 'pyinstaller'}",
        str(ROOT / "packaging" / "veil.spec"),
    ]
    environment = {**os.environ, "VEIL_BUILD_ICONS": str(icons), "VEIL_BUILD_UNTRIMMED": "1" if args.untrimmed else ""}
    result = subprocess.run(command, cwd=ROOT, check=False, env=environment)
    if result.returncode != 0:
        print(f"build: PyInstaller failed (exit {result.returncode})", file=sys.stderr)
        return result.returncode
    bundle = args.dist / "veil"
    stripped = strip_libraries(bundle)
    seconds = time.monotonic() - started
    size = tree_size(bundle)
    parts = largest_parts(bundle)
    report = {"seconds": round(seconds, 1), "bytes": size, "stripped_bytes": stripped, "largest": dict(parts)}
    (args.work / "bundle-report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"build: {bundle} — {megabytes(size)} in {seconds:.0f} s ({megabytes(stripped)} saved by strip)")
    for name, part in parts:
        print(f"  {megabytes(part):>9}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
