"""Video storyboards, from real videos encoded in the test with PyAV."""

from __future__ import annotations

import io
import random
import time
from fractions import Fraction
from typing import TYPE_CHECKING

import av
import numpy as np
import pytest
from PIL import Image, ImageFilter, ImageStat

from desktop.core.media.containers import is_video
from desktop.core.media.previews import PREVIEW_EDGE, PreviewError
from desktop.core.media.video import VideoPreview, storyboard

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from numpy.typing import NDArray

WIDTH, HEIGHT, FPS = 320, 240, 10
# A sharp red-and-white checkerboard: all edges, and a colour that must survive.
SQUARE = 8
RED, WHITE = (220, 20, 20), (255, 255, 255)


def checkerboard(index: int = 0) -> NDArray[np.uint8]:
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    white = ((xx // SQUARE + yy // SQUARE + index) % 2).astype(bool)
    image = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    image[...] = RED
    image[white] = WHITE
    return image


def make_video(
    path: Path,
    codec: str = "libx264",
    *,
    frames: int = 30,
    gop: int = 3,
    audio: bool = False,
    rotation: float | None = None,
    picture: Callable[[int], NDArray[np.uint8]] = checkerboard,
    options: dict[str, str] | None = None,
    faststart: bool = False,
    sample_aspect: Fraction | None = None,
) -> Path:
    """A ``frames``-frame video at FPS with a keyframe every ``gop`` frames."""
    if codec not in av.codecs_available:
        pytest.skip(f"this PyAV wheel has no {codec} encoder")
    # faststart puts an MP4's index (moov) before the frames, as for streaming.
    with av.open(str(path), "w", options={"movflags": "faststart"} if faststart else None) as out:
        video = out.add_stream(codec, rate=FPS)
        assert isinstance(video, av.VideoStream)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        settings: dict[str, object] = {"g": str(gop), **(options or {})}
        if codec == "libx264":
            settings["x264-params"] = "scenecut=0"  # no extra keyframes: the test decides where they are
        video.options = settings
        if rotation is not None:
            video.set_display_rotation(rotation)
        if sample_aspect is not None:
            video.codec_context.sample_aspect_ratio = sample_aspect
        sound = out.add_stream("aac", rate=22050) if audio else None
        for index in range(frames):
            frame = av.VideoFrame.from_ndarray(picture(index), format="rgb24")
            out.mux(video.encode(frame))
            if sound is not None:
                samples = np.zeros((1, 2205), np.float32)  # 0.1 s of silence per frame
                chunk = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
                chunk.sample_rate = 22050
                out.mux(sound.encode(chunk))
        out.mux(video.encode())
        if sound is not None:
            out.mux(sound.encode())
    return path


def board(preview: VideoPreview) -> Image.Image:
    image = Image.open(io.BytesIO(preview.jpeg))
    image.load()
    return image


def laplacian_variance(image: Image.Image) -> float:
    grey = image.convert("L")
    edges = grey.filter(ImageFilter.Kernel((3, 3), [0, 1, 0, 1, -4, 1, 0, 1, 0], scale=1, offset=128))
    return float(ImageStat.Stat(edges).var[0])


@pytest.mark.parametrize(
    ("name", "codec", "options", "expected_codec"),
    [
        ("clip.mp4", "libx264", {}, "h264"),
        ("clip.mov", "mpeg4", {}, "mpeg4"),
        ("clip.webm", "libvpx-vp9", {"deadline": "realtime", "cpu-used": "8"}, "vp9"),
        ("clip.mkv", "libx264", {}, "h264"),
        ("clip.avi", "mpeg4", {}, "mpeg4"),
    ],
)
def test_storyboard_of_each_container(
    tmp_path: Path, name: str, codec: str, options: dict[str, str], expected_codec: str
) -> None:
    path = make_video(tmp_path / name, codec, options=options)

    preview = storyboard(path)

    image = board(preview)
    assert preview.frames == 9  # a keyframe every 0.3 s: nine distinct ones across 3 s
    assert (preview.width, preview.height) == (WIDTH, HEIGHT)
    assert preview.codec == expected_codec
    assert preview.duration_s == pytest.approx(3.0, abs=0.15)
    assert preview.has_audio is False
    assert image.format == "JPEG" and image.mode == "RGB"
    assert max(image.size) <= PREVIEW_EDGE
    assert image.size == (510, 384)  # 3x3 cells of 170x128, the 4:3 of the video
    assert is_video(path.read_bytes()[:512])


def test_storyboard_is_blurred_and_in_colour(tmp_path: Path) -> None:
    preview = storyboard(make_video(tmp_path / "checks.mp4"))

    image = board(preview)
    cell = image.crop((0, 0, image.width // 3, image.height // 3))
    sharp = Image.fromarray(checkerboard()).resize(cell.size, Image.Resampling.LANCZOS)
    # The unblurred downscale of the same frame is all edges; the stored cell
    # must keep next to none of them.
    assert laplacian_variance(cell) < laplacian_variance(sharp) / 50
    # The blur averages the squares into pink: colour kept, channels in order.
    red, green, blue = ImageStat.Stat(image).mean
    assert red > green + 60 and red > blue + 60
    assert "exif" not in image.info and "icc_profile" not in image.info and not image.getexif()


def halves(_index: int) -> NDArray[np.uint8]:
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    image[:, : WIDTH // 2] = 255
    return image


def test_stronger_blur_removes_more(tmp_path: Path) -> None:
    # One black-white edge: the default blur softens it, "opaque" all but erases it.
    path = make_video(tmp_path / "halves.mp4", frames=1, picture=halves)

    spread = {
        strength: ImageStat.Stat(board(storyboard(path, strength=strength)).convert("L")).stddev[0]
        for strength in ("peek", "default", "opaque")
    }

    assert spread["peek"] > spread["default"] > spread["opaque"]
    with pytest.raises(ValueError, match="unknown blur strength"):
        storyboard(path, strength="light")


def test_long_gop_gives_fewer_distinct_frames(tmp_path: Path) -> None:
    # Keyframes at 0, 1 and 2 s only: seeking finds three, and none is repeated.
    path = make_video(tmp_path / "long-gop.mp4", gop=10)

    preview = storyboard(path)

    assert preview.frames == 3
    image = board(preview)
    assert max(image.size) <= PREVIEW_EDGE
    assert image.size == (512, 384)  # 2x2 cells of 256x192 and a hole beat three in a row of 170x128


def test_fewer_frames_asked(tmp_path: Path) -> None:
    preview = storyboard(make_video(tmp_path / "clip.mp4"), frames=4, long_edge=200)

    assert preview.frames == 4
    assert board(preview).size == (200, 150)


def test_video_with_audio(tmp_path: Path) -> None:
    preview = storyboard(make_video(tmp_path / "talk.mp4", audio=True))

    assert preview.has_audio is True
    assert preview.frames == 9
    assert preview.codec == "h264"


def test_one_frame_video(tmp_path: Path) -> None:
    preview = storyboard(make_video(tmp_path / "still.mp4", frames=1))

    assert preview.frames == 1
    image = board(preview)
    assert image.size == (PREVIEW_EDGE, 384)  # one frame fills the preview
    assert (preview.width, preview.height) == (WIDTH, HEIGHT)


def left_third_white(_index: int) -> NDArray[np.uint8]:
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    image[:, : WIDTH // 3] = 255
    return image


def test_rotated_video_is_shown_upright(tmp_path: Path) -> None:
    # A phone held upright stores landscape frames flagged "turn a quarter clockwise"
    # (display matrix -90 degrees, as ffprobe shows it): the left edge goes on top.
    path = make_video(tmp_path / "phone.mp4", frames=1, rotation=-90, picture=left_third_white)

    preview = storyboard(path)

    assert (preview.width, preview.height) == (WIDTH, HEIGHT)  # as stored
    image = board(preview).convert("L")
    assert image.size == (384, PREVIEW_EDGE)
    top = ImageStat.Stat(image.crop((0, 0, image.width, image.height // 4))).mean[0]
    bottom = ImageStat.Stat(image.crop((0, image.height * 3 // 4, image.width, image.height))).mean[0]
    assert top > 200 and bottom < 50


def test_anamorphic_video_at_display_aspect(tmp_path: Path) -> None:
    # 320x240 stored with pixels twice as wide as tall: shown as 640x240.
    path = make_video(tmp_path / "wide.mkv", frames=1, sample_aspect=Fraction(2))

    preview = storyboard(path)

    assert (preview.width, preview.height) == (WIDTH, HEIGHT)
    assert board(preview).size == (PREVIEW_EDGE, 192)


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")

    with pytest.raises(PreviewError, match="empty"):
        storyboard(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PreviewError, match="cannot read"):
        storyboard(tmp_path / "gone.mp4")


def test_text_named_mp4(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("Not a video, whatever the name says.\n" * 20, encoding="utf-8")

    with pytest.raises(PreviewError, match="not a video"):
        storyboard(path)
    assert not is_video(path.read_bytes())


def test_image_is_not_a_video(tmp_path: Path) -> None:
    # FFmpeg would read a PNG as a one-frame "video"; Veil leaves images to Pillow.
    path = tmp_path / "photo.mp4"
    Image.fromarray(checkerboard()).save(path, format="PNG")

    with pytest.raises(PreviewError, match="not a video"):
        storyboard(path)


def test_truncated_mp4(tmp_path: Path) -> None:
    whole = make_video(tmp_path / "whole.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: len(whole) // 2])  # the index (moov) is at the end, and lost

    with pytest.raises(PreviewError, match="damaged or truncated"):
        storyboard(cut)


def test_truncated_faststart_mp4_shows_what_is_left(tmp_path: Path) -> None:
    # With the index first, the first half still decodes; the rest is missing.
    whole = make_video(tmp_path / "whole.mp4", faststart=True)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])

    preview = storyboard(cut)

    assert 1 <= preview.frames < 9


def test_audio_only_file(tmp_path: Path) -> None:
    path = tmp_path / "voice.m4a"
    with av.open(str(path), "w", format="mp4") as out:
        sound = out.add_stream("aac", rate=22050)
        chunk = av.AudioFrame.from_ndarray(np.zeros((1, 22050), np.float32), format="fltp", layout="mono")
        chunk.sample_rate = 22050
        out.mux(sound.encode(chunk))
        out.mux(sound.encode())

    with pytest.raises(PreviewError, match="no video stream"):
        storyboard(path)


@pytest.mark.parametrize("name", ["clip.mp4", "clip.mkv"])
def test_corrupted_bytes_give_a_preview_or_a_reason(tmp_path: Path, name: str) -> None:
    whole = make_video(tmp_path / name).read_bytes()
    rng = random.Random(5)
    for attempt in range(20):
        data = bytearray(whole)
        for offset in rng.sample(range(16, len(data)), len(data) // rng.choice([2000, 200, 50])):
            data[offset] = rng.randrange(256)
        if attempt % 4 == 0:
            data = data[: rng.randrange(16, len(data))]
        path = tmp_path / f"garbled-{attempt}-{name}"
        path.write_bytes(bytes(data))

        start = time.monotonic()
        outcome: VideoPreview | str
        try:
            outcome = storyboard(path, time_limit_s=5.0)
        except PreviewError as err:  # any other exception escaping is the failure
            outcome = str(err)
        assert outcome.frames >= 1 if isinstance(outcome, VideoPreview) else outcome
        assert time.monotonic() - start < 5.0


def test_time_limit(tmp_path: Path) -> None:
    path = make_video(tmp_path / "clip.mp4")

    with pytest.raises(PreviewError, match="time limit"):
        storyboard(path, time_limit_s=0.0)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41", True),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", True),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01", True),
        (b"RIFF\x00\x10\x00\x00AVI LIST", True),
        (b"\x47" + b"\x00" * 187 + b"\x47" + b"\x00" * 187 + b"\x47", True),
        (b"\x00" * 4 + b"\x47" + b"\x00" * 191 + b"\x47" + b"\x00" * 191 + b"\x47", True),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", False),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1", False),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00M4A isom", False),
        (b"\x89PNG\r\n\x1a\n", False),
        (b"RIFF\x00\x10\x00\x00WEBPVP8 ", False),
        (b"", False),
    ],
)
def test_is_video(head: bytes, expected: bool) -> None:
    assert is_video(head) is expected
