"""Video storyboards, from real videos encoded in the test with PyAV."""

from __future__ import annotations

import ctypes
import io
import itertools
import multiprocessing
import os
import random
import select
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import av
import numpy as np
import pytest
from PIL import Image, ImageFilter, ImageStat

from desktop.core.media.containers import is_video
from desktop.core.media.hashes import fingerprint
from desktop.core.media.isolation import run_isolated
from desktop.core.media.previews import PreviewError
from desktop.core.media.video import VideoPreview, storyboard
from desktop.domain.ingest import MediaRef
from desktop.domain.previews import PREVIEW_EDGE, PreviewSettings

if TYPE_CHECKING:
    from collections.abc import Callable
    from multiprocessing.synchronize import Event

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


def stripes(_index: int) -> NDArray[np.uint8]:
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    image[:, (np.arange(WIDTH) // 32) % 2 == 1] = 255
    return image


def gradient_energy(image: Image.Image) -> float:
    """The mean squared difference between neighbouring pixels: what a blur takes away."""
    grey = np.asarray(image.convert("L"), dtype=np.float64)
    return float((np.diff(grey, axis=0) ** 2).mean() + (np.diff(grey, axis=1) ** 2).mean())


def test_blur_comes_from_the_settings(tmp_path: Path) -> None:
    # Stripes a tile's blur floor (8 px) leaves visible; a fifth of the short side all but erases them.
    path = make_video(tmp_path / "stripes.mp4", frames=10, picture=stripes)

    usual = gradient_energy(board(storyboard(path)))
    stronger = gradient_energy(board(storyboard(path, settings=PreviewSettings(default=0.2))))

    assert stronger < usual / 4


def test_long_edge_comes_from_the_settings(tmp_path: Path) -> None:
    preview = storyboard(make_video(tmp_path / "clip.mp4"), settings=PreviewSettings(long_edge=300))

    assert preview.frames == 9
    assert board(preview).size == (300, 225)  # 3x3 cells of 100x75


def ramp(index: int) -> NDArray[np.uint8]:
    """Frame ``index`` as one flat grey, brighter by 5 levels a frame: a tile's
    brightness tells which frame it shows."""
    return np.full((HEIGHT, WIDTH, 3), 20 + 5 * index, np.uint8)


def shown_frames(preview: VideoPreview) -> list[float]:
    """Which frame of a :func:`ramp` video each cell of a 3x3 storyboard shows."""
    image = board(preview).convert("L")
    width, height = image.width // 3, image.height // 3
    middles = [
        image.crop(
            (
                col * width + width // 4,
                row * height + height // 4,
                col * width + width * 3 // 4,
                row * height + height * 3 // 4,
            )
        )
        for row in range(3)
        for col in range(3)
    ]
    return [(ImageStat.Stat(middle).mean[0] - 20) / 5 for middle in middles]


def keyframes(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(packet.is_keyframe for packet in container.demux(container.streams.video[0]))


def test_long_gop_fills_every_slot_in_time_order(tmp_path: Path) -> None:
    # Keyframes at 0, 1 and 2 s only: seeking finds frames 0, 10 and 20; one
    # forward decode gives the six other slots the first frame at or after
    # their point (every 1/3 s from 1/6 s), each before the next frame shown.
    path = make_video(tmp_path / "long-gop.mp4", gop=10, picture=ramp)

    preview = storyboard(path)

    assert keyframes(path) == 3
    assert preview.frames == 9
    assert board(preview).size == (510, 384)
    assert shown_frames(preview) == pytest.approx([0, 5, 9, 10, 15, 19, 20, 25, 29], abs=0.5)


@pytest.mark.parametrize(
    ("name", "codec", "options"),
    [
        ("one.mp4", "libx264", {}),
        # B-frames, which the forward decode skips until the next point.
        ("one.mov", "mpeg4", {"bf": "2", "sc_threshold": "1000000000"}),
        ("one.webm", "libvpx-vp9", {"deadline": "realtime", "cpu-used": "8"}),
    ],
)
def test_single_keyframe_gives_nine_frames_in_time_order(
    tmp_path: Path, name: str, codec: str, options: dict[str, str]
) -> None:
    # 4 s, one keyframe: seeking finds only frame 0, the forward decode the rest.
    path = make_video(tmp_path / name, codec, frames=40, gop=1000, picture=ramp, options=options)

    preview = storyboard(path)

    assert keyframes(path) == 1
    assert preview.frames == 9
    shown = shown_frames(preview)
    assert all(later - earlier > 2 for earlier, later in itertools.pairwise(shown))
    # The first frame at or after 2/9 s, 6/9 s, 10/9 s...: frames 7, 12, 16...
    assert shown == pytest.approx([0, 7, 12, 16, 20, 25, 29, 34, 38], abs=1)


def test_fewer_frames_asked(tmp_path: Path) -> None:
    preview = storyboard(make_video(tmp_path / "clip.mp4"), frames=4, settings=PreviewSettings(long_edge=200))

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


# Run in a child process by run_isolated: at module level, so that the child can import them.


def _hang(pid_file: Path, started: Event | None = None) -> None:
    pid_file.write_text(str(os.getpid()), encoding="utf-8")
    if started is not None:
        started.set()
    threading.Event().wait()  # as a decoder call that never returns


def _crash(how: str) -> None:
    if how == "abort":
        os.abort()
    ctypes.string_at(0)  # reads address 0: a segfault


def _fail(error: Exception) -> None:
    raise error


def _allocate(size: int) -> int:
    return len(bytes(size))  # zeroed pages from calloc: untouched, so cheap where there is no cap


START_METHODS: list[Literal["forkserver", "spawn"]] = ["forkserver", "spawn"]
LIMIT_S = 2.0


def is_gone(pid: int) -> bool:
    """Whether no process ``pid`` exists, not even as a zombie waiting to be reaped."""
    return not Path(f"/proc/{pid}").exists()


@pytest.mark.parametrize("method", START_METHODS)
def test_isolated_storyboard_is_the_same(tmp_path: Path, method: Literal["forkserver", "spawn"]) -> None:
    path = make_video(tmp_path / "clip.mp4")

    isolated = run_isolated(partial(storyboard, path), time_limit_s=LIMIT_S, start_method=method)

    assert isolated == storyboard(path)


@pytest.mark.parametrize("method", START_METHODS)
def test_isolated_call_is_killed_at_the_time_limit(tmp_path: Path, method: Literal["forkserver", "spawn"]) -> None:
    pid_file = tmp_path / "pid"
    start = time.monotonic()

    with pytest.raises(PreviewError, match=r"^over the time limit of 2 s$"):
        run_isolated(partial(_hang, pid_file), time_limit_s=LIMIT_S, start_method=method)

    assert time.monotonic() - start < LIMIT_S + 1.5  # the forkserver's first start included
    pid = int(pid_file.read_text(encoding="utf-8"))
    assert pid != os.getpid() and is_gone(pid)


@pytest.mark.parametrize(("how", "signal_name"), [("abort", "SIGABRT"), ("segfault", "SIGSEGV")])
@pytest.mark.parametrize("method", START_METHODS)
def test_crashed_child_is_reported_at_once(how: str, signal_name: str, method: Literal["forkserver", "spawn"]) -> None:
    start = time.monotonic()

    with pytest.raises(PreviewError, match=rf"^the decoder crashed \(signal \d+ {signal_name}\)$"):
        run_isolated(partial(_crash, how), time_limit_s=LIMIT_S, start_method=method)

    assert time.monotonic() - start < LIMIT_S  # known from the pipe's end, not by waiting out the limit


def test_exception_in_the_child_arrives_as_a_preview_error(tmp_path: Path) -> None:
    with pytest.raises(PreviewError, match=r"^ValueError: no such thing$"):
        run_isolated(partial(_fail, ValueError("no such thing")), time_limit_s=LIMIT_S)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(PreviewError, match=r"^the file is empty$"):
        run_isolated(partial(storyboard, empty), time_limit_s=LIMIT_S)


def test_memory_of_the_child_is_capped() -> None:
    with pytest.raises(PreviewError, match=r"^out of memory \(the limit is 1024 MB\)$"):
        run_isolated(partial(_allocate, 3 << 30), time_limit_s=LIMIT_S, memory_limit_bytes=1 << 30)
    assert run_isolated(partial(_allocate, 64 << 20), time_limit_s=LIMIT_S, memory_limit_bytes=1 << 30) == 64 << 20


def _isolated_outcomes(pid_file: Path) -> list[str]:
    """What run_isolated gives in a ProcessPoolExecutor worker, where ingest calls it."""
    outcomes = [str(run_isolated(partial(_allocate, 10), time_limit_s=LIMIT_S))]
    for function in (partial(_hang, pid_file), partial(_crash, "abort")):
        try:
            run_isolated(function, time_limit_s=LIMIT_S)
        except PreviewError as err:
            outcomes.append(str(err))
    return outcomes


def test_isolation_inside_a_process_pool_worker(tmp_path: Path) -> None:
    # As ingest's pool: spawned workers, each of which starts its own forkserver.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        outcomes = pool.submit(_isolated_outcomes, tmp_path / "pid").result(timeout=60)

    assert outcomes == ["10", "over the time limit of 2 s", "the decoder crashed (signal 6 SIGABRT)"]
    assert is_gone(int((tmp_path / "pid").read_text(encoding="utf-8")))


def _call_hanging(pid_file: Path, started: Event) -> None:
    run_isolated(partial(_hang, pid_file, started), time_limit_s=60)


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="waits for a process that is not ours with a pidfd (Linux)")
def test_child_ends_with_its_caller(tmp_path: Path) -> None:
    # A pool worker killed while its child hangs: nobody is left to stop the child, so it stops itself.
    spawn = multiprocessing.get_context("spawn")
    started = spawn.Event()
    caller = spawn.Process(target=_call_hanging, args=(tmp_path / "pid", started))
    caller.start()
    try:
        assert started.wait(timeout=30)
        child = os.pidfd_open(int((tmp_path / "pid").read_text(encoding="utf-8")))
    finally:
        caller.kill()
        caller.join()
    try:
        ended, _, _ = select.select([child], [], [], 10)  # readable once the process has ended
        assert ended == [child]
    finally:
        os.close(child)


def test_fingerprint_of_a_video_follows_the_settings(tmp_path: Path) -> None:
    path = make_video(tmp_path / "clip.mp4")

    ref = fingerprint(path, MediaRef(uri=path.as_uri(), media_type="video"), settings=PreviewSettings(long_edge=300))

    assert ref.error is None and ref.frames == 9 and ref.codec == "h264" and ref.preview is not None
    assert Image.open(io.BytesIO(ref.preview)).size == (300, 225)


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
