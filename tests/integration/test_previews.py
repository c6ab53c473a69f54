"""Previews through the real ingest pipeline: blurred, clean, and never anywhere but the database."""

from __future__ import annotations

import io
import os
import struct
import zlib
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PIL import Image, ImageDraw

from desktop.core.ingest.files import ingest_files
from desktop.core.media.previews import make_preview, reveal
from desktop.domain.review import Action
from tests.conftest import CORPUS
from tests.e2e.test_cli import veil
from tests.support.factories import add_user
from tests.support.sealed import unsealed_media

if TYPE_CHECKING:
    from pathlib import Path

    from db.models import Media
    from desktop.core.workspace import Workspace


def laplacian_variance(image: Image.Image) -> float:
    """How much fine detail (edges, text, pores) a picture holds."""
    grey = np.asarray(image.convert("L"), dtype=np.float64)
    lap = -4 * grey[1:-1, 1:-1] + grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:]
    return float(lap.var())


def sharp_scene(path: Path, size: tuple[int, int] = (2400, 1600), **save: object) -> Image.Image:
    rng = np.random.default_rng(5)
    noise = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    image = Image.fromarray(noise).resize(size)
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 40):
        draw.line((x, 0, x, size[1]), fill=(0, 0, 0), width=6)
    draw.text((100, 100), "IDENTIFIABLE NAME 0123456789", fill=(255, 255, 255), font_size=120)
    draw.ellipse((900, 600, 1500, 1200), fill=(190, 20, 20))
    image.save(path, **save)  # type: ignore[arg-type]
    return image


def _previews(ws: Workspace) -> dict[str, Media]:
    return {m.uri.rsplit("/", 1)[1]: m for m in unsealed_media(ws.db)}


def test_stored_preview_is_blurred_clean_and_nothing_else_is_written(workspace: Workspace, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    original = sharp_scene(drop / "scene.jpg", quality=95)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: stored sideways, shown upright
    exif[0x8825] = {2: (51.0, 30.0, 0.0), 4: (0.0, 7.0, 0.0)}  # GPS position
    Image.new("RGB", (400, 200), (10, 200, 10)).save(drop / "sideways.jpg", exif=exif.tobytes())
    before = _files(tmp_path)

    report = ingest_files(workspace.db, [drop], actor="root", clock=workspace.clock)

    assert report.errors == []
    previews = _previews(workspace)
    stored = Image.open(io.BytesIO(previews["scene.jpg"].preview or b""))
    assert max(stored.size) == 512 and stored.mode == "RGB"
    unblurred = original.copy()
    unblurred.thumbnail(stored.size)
    assert laplacian_variance(stored) < 0.02 * laplacian_variance(unblurred)

    sideways = Image.open(io.BytesIO(previews["sideways.jpg"].preview or b""))
    assert sideways.size[0] < sideways.size[1]  # EXIF orientation applied
    assert "exif" not in sideways.info and "icc_profile" not in sideways.info and not sideways.getexif()

    revealed = reveal(drop / "scene.jpg")
    assert max(revealed.size) == 2048 and laplacian_variance(revealed) > 50 * laplacian_variance(stored)
    # No derivative of the media, blurred or not, lies anywhere on disk: the
    # only new files are the database's own.
    assert {p for p in _files(tmp_path) - before if not p.name.startswith("veil.sqlite3")} == set()


def _files(root: Path) -> set[Path]:
    places = [root, root.parent / "data"]
    env = os.environ.get("VEIL_DATA_DIR")
    if env:
        places.append(type(root)(env))
    return {p for place in places if place.exists() for p in place.rglob("*") if p.is_file()}


def _png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_odd_images_give_a_preview_or_a_reason(workspace: Workspace, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    Image.new("CMYK", (300, 200), (0, 200, 200, 0)).save(drop / "cmyk.jpg")
    Image.fromarray(np.full((120, 160), 40000, dtype=np.uint16)).save(drop / "deep.png")
    palette = Image.new("P", (64, 64), 3)
    palette.info["transparency"] = 3
    palette.save(drop / "palette.png")
    Image.new("LA", (64, 64), (200, 100)).save(drop / "grey-alpha.png")
    (drop / "bomb.png").write_bytes(_png_claiming(100_000, 100_000))
    good = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 90, 90)).save(good, format="JPEG")
    (drop / "cut.jpg").write_bytes(good.getvalue()[: len(good.getvalue()) // 3])

    ingest_files(workspace.db, [drop], actor="root", clock=workspace.clock)

    previews = _previews(workspace)
    for name in ("cmyk.jpg", "deep.png", "palette.png", "grey-alpha.png"):
        shown = Image.open(io.BytesIO(previews[name].preview or b""))
        assert shown.mode == "RGB", name
    cmyk = Image.open(io.BytesIO(previews["cmyk.jpg"].preview or b"")).convert("RGB").getpixel((50, 50))
    assert isinstance(cmyk, tuple) and cmyk[0] > 200 and cmyk[1] < 120  # magenta + yellow ink: red, not inverted
    deep = Image.open(io.BytesIO(previews["deep.png"].preview or b"")).convert("L").getpixel((50, 50))
    assert isinstance(deep, int | float) and 140 < deep < 170  # 40000/65535 of white, not clipped
    for name, reason in (("bomb.png", "decompression bomb"), ("cut.jpg", "truncated")):
        media = previews[name]
        assert media.preview is None and media.error and reason in media.error, (name, media.error)
        assert media.error.startswith("preview unavailable: ")


def test_extreme_items_get_the_strong_blur(workspace: Workspace, tmp_path: Path) -> None:
    mild, extreme = tmp_path / "mild", tmp_path / "extreme"
    for folder, caption in ((mild, "Street scene"), (extreme, "Street scene +21")):
        folder.mkdir()
        sharp_scene(folder / "photo.png", size=(1200, 800))
        (folder / "photo.txt").write_text(caption, encoding="utf-8")
    ingest_files(workspace.db, [mild, extreme], actor="root", clock=workspace.clock)
    rows = {m.uri.split("/")[-2]: m.preview for m in unsealed_media(workspace.db)}
    assert rows["extreme"] == make_preview(extreme / "photo.png", strength="strong").jpeg
    assert rows["mild"] == make_preview(mild / "photo.png", strength="default").jpeg
    assert rows["extreme"] != rows["mild"]


# Pillow logs the hostile TIFFs it cannot decode; Veil records its own reason for each.
@pytest.mark.expected_log("PIL.TiffImagePlugin", "ERROR")
def test_every_corpus_image_gets_a_preview_or_a_recorded_reason(workspace: Workspace) -> None:
    ingest_files(workspace.db, [CORPUS / "real" / "pillow-images"], actor="root", clock=workspace.clock)
    media = unsealed_media(workspace.db)
    assert len(media) > 40
    assert [m.uri for m in media if m.preview is None and not m.error] == []
    with_preview = [m for m in media if m.preview]
    assert len(with_preview) > 30
    for m in with_preview:
        shown = Image.open(io.BytesIO(m.preview or b""))
        assert max(shown.size) <= 512 and shown.format == "JPEG"


def test_preview_command_and_show(db_url: str, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    sharp_scene(drop / "scene.jpg", size=(900, 600))
    assert veil("ingest", str(drop), url=db_url, user="root").code == 0
    (item,) = veil("queue", "--json", url=db_url).json
    shown = veil("show", str(item["id"]), "--json", url=db_url).json
    (media,) = shown["media"]
    assert media["preview"] == "ready" and media["type"] == "image" and media["width"] == 900
    out = tmp_path / "preview.jpg"
    run = veil("preview", str(media["id"]), "-o", str(out), url=db_url)
    assert run.code == 0, run.err
    with Image.open(out) as written:
        assert written.format == "JPEG"
    assert (
        veil(
            "decide", str(item["id"]), "--action", "escalate", "--reason", "csam-suspected", url=db_url, user="root"
        ).code
        == 0
    )
    refused = veil("preview", str(media["id"]), "-o", str(tmp_path / "no.jpg"), url=db_url)
    assert refused.code == 2 and "withheld" in refused.err
    assert not (tmp_path / "no.jpg").exists()


def test_decision_flow_is_unchanged_by_media(workspace: Workspace, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    sharp_scene(drop / "scene.jpg", size=(600, 400))
    ingest_files(workspace.db, [drop], actor="root", clock=workspace.clock)
    alice = add_user(workspace, "alice")
    claim = workspace.review.claim_next(alice)
    assert claim is not None
    workspace.review.decide(alice, claim.item_id, Action.WARN, labels=["graphic-violence"])
    assert workspace.review.show(claim.item_id).media[0].has_preview


def test_videos_get_a_blurred_storyboard_through_ingest(workspace: Workspace, tmp_path: Path) -> None:
    from tests.unit.test_video import make_video

    drop = tmp_path / "drop"
    drop.mkdir()
    make_video(drop / "clip.mp4")
    (drop / "broken.mp4").write_bytes((drop / "clip.mp4").read_bytes()[:600])
    ingest_files(workspace.db, [drop], actor="root", clock=workspace.clock)
    previews = _previews(workspace)
    clip = previews["clip.mp4"]
    assert clip.media_type == "video" and clip.preview and clip.duration_s and clip.error is None
    assert clip.codec == "h264" and clip.frames and clip.frames > 1
    board = Image.open(io.BytesIO(clip.preview))
    assert board.format == "JPEG" and max(board.size) <= 512
    broken = previews["broken.mp4"]
    assert broken.preview is None and broken.error and broken.error.startswith("preview unavailable: ")


def test_preview_size_and_blur_come_from_the_settings(db_url: str, tmp_path: Path) -> None:
    from desktop import config

    settings_file = config.user_config_file()
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_text("preview_long_edge = 256\nblur_default_percent = 5\n", encoding="utf-8")
    drop = tmp_path / "drop"
    drop.mkdir()
    sharp_scene(drop / "scene.jpg", size=(1200, 800))
    assert veil("ingest", str(drop), url=db_url, user="root").code == 0
    (item,) = veil("queue", "--json", url=db_url).json
    (media,) = veil("show", str(item["id"]), "--json", url=db_url).json["media"]
    out = tmp_path / "p.jpg"
    assert veil("preview", str(media["id"]), "-o", str(out), url=db_url).code == 0
    with Image.open(out) as written:
        assert max(written.size) == 256

    settings_file.write_text("blur_default_percent = 0\n", encoding="utf-8")
    refused = veil("ingest", str(drop), url=db_url, user="root")
    assert refused.code == 2 and "blur_default_percent" in refused.err
