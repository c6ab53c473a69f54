"""Screenshots of the review window's main states, for docs/screenshots/.

Run: ``.venv/bin/python docs/make_screenshots.py`` (offscreen; takes ~20 s).

Builds a throwaway database from the demo feed, the corpus live-blog feed
and a few pictures and a clip made here or taken from Pillow's test images,
opens the real window on it and saves one PNG per state. Nothing here
touches the user's own settings or data.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("VEIL_SHARED", REPO.parent / "shared")) / "corpus"
OUT = REPO / "docs" / "screenshots"


def build_inputs(folder: Path) -> list[Path]:
    from PIL import Image, ImageDraw, ImageFont

    drop = folder / "drop"
    drop.mkdir()
    hopper = CORPUS / "real" / "pillow-images" / "hopper_orientation_6.jpg"
    # Pillow's own test portrait (Grace Hopper, public domain), enlarged so the screenshot shows it.
    with Image.open(hopper) as portrait:
        exif = portrait.getexif()
        portrait.resize((512, 512), Image.Resampling.LANCZOS).save(drop / "portrait.jpg", exif=exif)
    (drop / "portrait.txt").write_text(
        "18+ Photo sent by a reader: a man injured in the blast, being treated by paramedics.", encoding="utf-8"
    )
    # A harmless picture standing in for an extreme one: the +21 marker makes the item S3.
    with Image.open(CORPUS / "real" / "pillow-images" / "flower2.jpg") as flower:
        flower.save(drop / "aftermath.jpg")
    (drop / "aftermath.txt").write_text("+21 The aftermath, filmed by a resident.", encoding="utf-8")
    sign = Image.new("RGB", (1200, 800), (180, 170, 150))
    draw = ImageDraw.Draw(sign)
    font = ImageFont.load_default(size=64)
    draw.text((60, 80), "EVACUATION ROUTE CLOSED", fill=(20, 20, 20), font=font)
    draw.text((60, 200), "Checkpoint 14 - north district", fill=(120, 20, 20), font=font)
    sign.save(drop / "sign.png")
    (drop / "sign.txt").write_text(
        "Road sign at the checkpoint, this morning. Graphic content nearby.", encoding="utf-8"
    )
    return [drop, REPO / "resources" / "demo" / "demo-feed.jsonl", CORPUS / "feeds" / "live-blog-2020-11-06.txt"]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="veil-screens-") as tmp:
        folder = Path(tmp)
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "VEIL_DATA_DIR": str(folder / "data"),
            "VEIL_CONFIG": str(folder / "config.toml"),
            "VEIL_SYSTEM_CONFIG": str(folder / "system.toml"),
            "VEIL_DB_URL": f"sqlite:///{folder / 'screens.sqlite3'}",
            "VEIL_USER": "amira",
        }
        os.environ.update(env)
        veil = Path(sys.executable).with_name("veil")
        inputs = build_inputs(folder)
        subprocess.run([str(veil), "ingest", "--quiet", *map(str, inputs)], check=True, env=env)
        shoot()


def shoot() -> None:
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest

    from desktop import config
    from desktop.ui.app import make_application
    from desktop.ui.review_window import ReviewWindow
    from desktop.ui.theme import apply_theme

    app = make_application([])
    settings = config.load()
    apply_theme(app, "dark", 12)
    window = ReviewWindow(settings)
    window.resize(1440, 900)
    window.show()

    def settle(condition: object = None, ms: int = 15_000) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        check = condition if callable(condition) else (lambda: True)
        while not check():
            loop.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
        for _ in range(20):  # a few rounds for layouts and paints to finish
            app.processEvents()

    def save(name: str) -> None:
        settle()
        window.grab().save(str(OUT / name))
        print(f"wrote docs/screenshots/{name}")  # noqa: T201

    shown: list[int] = []
    window.item_shown.connect(shown.append)
    window.open_database()
    settle(lambda: shown)

    def pick_media(name_part: str) -> None:
        settle(lambda: window.model.rowCount() > 5)
        for row in range(window.model.rowCount()):
            entry = window.model.entry(row)
            if entry.media and name_part in entry.excerpt:
                before = len(shown)
                window.pick(entry.id)
                settle(lambda: len(shown) > before)  # noqa: B023 - called before the loop moves on
                return
        raise SystemExit(f"no item with media mentioning {name_part!r}")

    pick_media("aftermath")
    save("s3-warning-screen.png")

    pick_media("injured")
    save("blurred-greyscale.png")
    QTest.keyClick(window, Qt.Key.Key_R)
    settle(lambda: window.grid.revealed_media())
    save("revealed-still-greyscale.png")
    QTest.keyClick(window, Qt.Key.Key_R)
    window.show_shortcuts()
    settle()
    window.shortcut_sheet.grab().save(str(OUT / "shortcuts.png"))
    window.shortcut_sheet.close()
    window._show_banner(  # the reminder as it looks, without waiting 20 minutes
        "break",
        "<b>Time for a short break.</b> You have looked at a lot of difficult material. "
        "Step away from the screen for a few minutes; the queue will wait.",
    )
    save("break-reminder.png")
    window._dismiss_banner()
    apply_theme(app, "light", 12)
    pick_media("checkpoint")
    save("light-theme.png")
    window.close()


if __name__ == "__main__":
    main()
