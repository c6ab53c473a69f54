"""Before/after figures for docs/previews.md: what the blurred previews hide.

Run: ``.venv/bin/python docs/make_preview_figures.py`` (from the repository root
or anywhere else). Writes ``docs/img/preview-face.png`` and
``docs/img/preview-text-wound.png``, each a row (or rows) of panels: the
unblurred downscale (``reveal`` at preview size), then the ``default``,
``strong`` and ``opaque`` previews exactly as ``make_preview`` stores them
(decoded from the stored JPEG, in colour), and last the default preview in
greyscale, as the window shows it by default.

The face is Pillow's test photo of Grace Hopper (``hopper_orientation_6.jpg``,
from Pillow's test suite, MIT-CMU licence), read from ``shared/corpus`` beside
the checkout (or ``$VEIL_SHARED/corpus``). The text-and-wound picture is drawn
here.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from desktop.core.media import previews
from desktop.domain.previews import PREVIEW_EDGE

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
IMG = DOCS / "img"
CORPUS = Path(os.environ.get("VEIL_SHARED", REPO.parent / "shared")) / "corpus"
HOPPER = CORPUS / "real" / "pillow-images" / "hopper_orientation_6.jpg"

STRENGTHS = ("default", "strong", "opaque")
GAP = 8
LABEL_HEIGHT = 22
MAX_BYTES = 300_000


def text_and_wound(path: Path) -> None:
    """A 1600x1200 JPEG: large printed text and a red, wound-like shape on skin."""
    image = Image.new("RGB", (1600, 1200), (58, 66, 78))
    draw = ImageDraw.Draw(image)
    # A limb: a skin-coloured band with some shading.
    for n in range(40):
        tone = 232 - n * 2
        draw.ellipse((120 + n * 4, 560 + n * 3, 1500 - n * 4, 1160 - n * 3), fill=(tone, tone - 50, tone - 90))
    # The wound: a ragged dark-red patch with a bright rim, clots and drips.
    centre_x, centre_y = 760, 860
    ragged = [
        (centre_x + int(dx * 1.6), centre_y + dy)
        for dx, dy in [
            (-150, -10), (-120, -70), (-60, -95), (-10, -60), (40, -105), (110, -80),
            (160, -20), (140, 40), (90, 95), (20, 70), (-40, 110), (-110, 80), (-170, 40),
        ]
    ]  # fmt: skip
    draw.polygon(ragged, fill=(205, 35, 35))
    draw.polygon([(x + (centre_x - x) // 5, y + (centre_y - y) // 5) for x, y in ragged], fill=(128, 8, 14))
    for x, y, r in [(700, 840, 30), (820, 880, 24), (760, 820, 18), (640, 890, 14)]:
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(70, 0, 6))
    for x, length in [(650, 140), (720, 210), (830, 170), (900, 110)]:
        draw.line((x, 930, x + 8, 930 + length), fill=(150, 10, 16), width=14)
    for x, y in [(690, 815), (790, 860), (745, 905)]:
        draw.ellipse((x - 6, y - 4, x + 6, y + 4), fill=(250, 200, 200))
    # Printed text: a headline, a caption and a small credit line.
    draw.text((70, 50), "BREAKING NEWS", fill=(255, 255, 255), font=ImageFont.load_default(size=170))
    draw.text((70, 270), "Casualties at checkpoint 7", fill=(255, 225, 80), font=ImageFont.load_default(size=96))
    draw.text(
        (70, 420), "Photo: 14 March 09:41, do not share", fill=(220, 220, 220), font=ImageFont.load_default(size=54)
    )
    image.save(path, quality=92)


def stored_preview(path: Path, strength: str) -> Image.Image:
    """The preview as Veil stores it, decoded again from its JPEG."""
    jpeg = previews.make_preview(path, strength=strength).jpeg
    with Image.open(io.BytesIO(jpeg)) as image:
        return image.convert("RGB")


def panels(path: Path) -> list[tuple[str, Image.Image]]:
    """The unblurred downscale, then each strength's preview, labelled with its sigma."""
    plain = previews.reveal(path, long_edge=PREVIEW_EDGE).convert("RGB")
    row = [(f"unblurred, {plain.width}x{plain.height}", plain)]
    for strength in STRENGTHS:
        preview = stored_preview(path, strength)
        sigma = previews.sigma_for(preview.size, strength)
        row.append((f"{strength}: sigma {sigma:.1f} px", preview))
    # What the window shows by default: the stored default preview in greyscale.
    row.append(("default, greyscale (as shown)", row[1][1].convert("L").convert("RGB")))
    return row


def figure(rows: list[tuple[str, list[tuple[str, Image.Image]]]], panel_width: int) -> Image.Image:
    """Rows of panels, each scaled to ``panel_width``, with a caption line per row and a label per panel."""
    font = ImageFont.load_default(size=15)
    scaled = []
    for caption, row in rows:
        cells = []
        for label, image in row:
            height = round(image.height * panel_width / image.width)
            cells.append((label, image.resize((panel_width, height), Image.Resampling.BICUBIC)))
        scaled.append((caption, cells))
    width = GAP + len(scaled[0][1]) * (panel_width + GAP)
    height = GAP + sum(2 * LABEL_HEIGHT + max(i.height for _l, i in cells) + GAP for _c, cells in scaled)
    sheet = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    y = GAP
    for caption, cells in scaled:
        draw.text((GAP, y + 2), caption, fill=(0, 0, 0), font=font)
        y += LABEL_HEIGHT
        for n, (label, image) in enumerate(cells):
            x = GAP + n * (panel_width + GAP)
            draw.text((x, y + 2), label, fill=(60, 60, 60), font=font)
            sheet.paste(image, (x, y + LABEL_HEIGHT))
        y += LABEL_HEIGHT + max(i.height for _l, i in cells) + GAP
    return sheet


def save(sheet: Image.Image, path: Path) -> None:
    """PNG under MAX_BYTES: full colour if it fits, else 256 colours with dithering (without
    it, smooth blurred areas show contour bands that the real preview does not have)."""
    sheet.save(path, optimize=True)
    if path.stat().st_size > MAX_BYTES:
        palette = sheet.quantize(256, method=Image.Quantize.MEDIANCUT)
        sheet.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG).save(path, optimize=True)
    if path.stat().st_size > MAX_BYTES:
        raise SystemExit(f"{path} is {path.stat().st_size} bytes, over {MAX_BYTES}")
    sys.stdout.write(f"wrote {path.relative_to(REPO)} ({sheet.width}x{sheet.height}, {path.stat().st_size} bytes)\n")


def main() -> None:
    if not HOPPER.is_file():
        raise SystemExit(f"{HOPPER} not found: set VEIL_SHARED to the folder holding corpus/")
    IMG.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="veil-figures-") as tmp:
        # A close-up portrait that fills a preview: the same photo enlarged to
        # 512 px, so the 3% rule rather than the 8 px floor sets the sigma.
        closeup = Path(tmp) / "hopper-512.png"
        with Image.open(HOPPER) as image:
            image.load()
            exif = image.getexif()
            image.resize((512, 512), Image.Resampling.LANCZOS).save(closeup, exif=exif)
        save(
            figure(
                [
                    ("hopper_orientation_6.jpg as it is: 128 px, so the 8 px floor sets the sigma", panels(HOPPER)),
                    ("the same photo enlarged to 512 px (a close-up portrait): 3/6/12% of 512 px", panels(closeup)),
                ],
                panel_width=256,
            ),
            IMG / "preview-face.png",
        )
        scene = Path(tmp) / "text-and-wound.jpg"
        text_and_wound(scene)
        save(
            figure([("a drawn 1600x1200 JPEG: printed text and a wound-like shape", panels(scene))], panel_width=384),
            IMG / "preview-text-wound.png",
        )


if __name__ == "__main__":
    main()
