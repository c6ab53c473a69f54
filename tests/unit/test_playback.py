"""Frames for the video player, from real videos encoded in the test with PyAV."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageStat

from desktop.core.media.playback import LEVELS, FrameSource, render
from desktop.core.media.previews import PreviewError, blur
from tests.unit.test_video import FPS, HEIGHT, WIDTH, make_video

if TYPE_CHECKING:
    from pathlib import Path

    from numpy.typing import NDArray

FRAMES = 30  # 3 s at FPS
_FONT = ImageFont.load_default(size=40)


def slate(index: int) -> NDArray[np.uint8]:
    """Frame ``index``: a background that brightens frame by frame, sharp
    red-and-white squares on the left and black text (its number) on the right."""
    level = 40 + index * 6
    image = Image.new("RGB", (WIDTH, HEIGHT), (level, level, level))
    draw = ImageDraw.Draw(image)
    for row in range(0, HEIGHT, 16):
        for col in range(0, WIDTH // 2, 16):
            colour = (255, 255, 255) if (row // 16 + col // 16) % 2 else (220, 20, 20)
            draw.rectangle((col, row, col + 15, row + 15), fill=colour)
    draw.text((WIDTH // 2 + 10, HEIGHT // 2 - 60), "VEIL", fill=(0, 0, 0), font=_FONT)
    draw.text((WIDTH // 2 + 10, HEIGHT // 2), f"#{index:02d}", fill=(0, 0, 0), font=_FONT)
    return np.asarray(image)


def make_clip(path: Path, *, audio: bool = False) -> Path:
    """A 3-second 320x240 clip of :func:`slate` frames, a keyframe every 0.3 s."""
    return make_video(path, frames=FRAMES, picture=slate, audio=audio)


def edge_energy(image: Image.Image) -> float:
    """The variance of the Laplacian: high for sharp edges and text, near
    nothing once blurred. The outer pixels, which Pillow's kernel filters
    copy unfiltered, are left out."""
    edges = image.convert("L").filter(ImageFilter.Kernel((3, 3), [0, 1, 0, 1, -4, 1, 0, 1, 0], scale=1, offset=128))
    return float(ImageStat.Stat(edges.crop((2, 2, edges.width - 2, edges.height - 2))).var[0])


def background(image: Image.Image) -> float:
    """The brightness of the plain background (right edge, below the text)."""
    width, height = image.size
    box = (width * 15 // 16, height * 7 // 8, width, height)
    return float(ImageStat.Stat(image.convert("L").crop(box)).mean[0])


def test_frames_in_order_scaled_down(tmp_path: Path) -> None:
    with FrameSource(make_clip(tmp_path / "clip.mp4"), long_edge=160) as source:
        assert source.duration_s == pytest.approx(3.0, abs=0.15)
        assert source.frame_interval_s == pytest.approx(1 / FPS)
        assert source.has_audio is False
        frames = list(source)

    assert len(frames) == FRAMES
    times = [seconds for seconds, _ in frames]
    assert times == pytest.approx([i / FPS for i in range(FRAMES)], abs=0.01)
    assert {(image.mode, image.size) for _, image in frames} == {("RGB", (160, 120))}
    brightness = [background(image) for _, image in frames]
    assert brightness == sorted(brightness) and brightness[-1] > brightness[0] + 100  # the ramp, in order


def test_small_video_is_not_scaled_up(tmp_path: Path) -> None:
    with FrameSource(make_clip(tmp_path / "clip.mp4"), long_edge=1000) as source:
        first = source.next_frame()

    assert first is not None
    assert first[1].size == (WIDTH, HEIGHT)


def test_audio_is_discarded_by_the_demuxer(tmp_path: Path) -> None:
    path = make_clip(tmp_path / "talk.mp4", audio=True)  # 66 packets of AAC beside 30 frames
    with av.open(str(path)) as probe:
        audio_packets = sum(1 for packet in probe.demux(audio=0) if packet.size)

    with FrameSource(path) as source:
        frames = list(source)
        read = dict(source.packets_read)

    assert source.has_audio is True
    assert len(frames) == FRAMES
    assert audio_packets > 60
    # FFmpeg may hold one audio packet from probing the file before the
    # discard is set; it is passed over undecoded. The rest are never read.
    assert read["video"] == FRAMES and read.get("audio", 0) <= 1


def test_seek_decodes_forward_from_the_keyframe(tmp_path: Path) -> None:
    with FrameSource(make_clip(tmp_path / "clip.mp4")) as source:
        frames = list(source)
        source.seek(1.7)  # keyframes at 1.5 and 1.8: 1.5 and 1.6 are decoded and passed over
        at = source.next_frame()
        after = source.next_frame()
        source.seek(10.0)
        last = source.next_frame()
        end = source.next_frame()
        source.seek(0.0)
        first = source.next_frame()

    assert at is not None and after is not None and last is not None and first is not None
    assert at[0] == pytest.approx(1.7) and after[0] == pytest.approx(1.8)
    assert background(at[1]) == pytest.approx(background(frames[17][1]), abs=2)
    assert last[0] == pytest.approx(2.9)  # past the end: the last frame
    assert end is None
    assert first[0] == 0.0  # after the end, back to the start


def test_late_frames_are_skipped(tmp_path: Path) -> None:
    with FrameSource(make_clip(tmp_path / "clip.mp4")) as source:
        caught_up = source.next_frame(skip_before=2.0)
        following = source.next_frame()
        nothing = source.next_frame(skip_before=99.0)

    assert caught_up is not None and following is not None
    assert caught_up[0] == pytest.approx(2.0) and following[0] == pytest.approx(2.1)
    assert nothing is None


def test_levels_blur_by_the_preview_rules() -> None:
    image = Image.fromarray(slate(0))

    energy = {level: edge_energy(render(image, level, greyscale=False)) for level in LEVELS}

    assert render(image, "clear", greyscale=False).tobytes() == image.tobytes()
    assert energy["clear"] > energy["peek"] > energy["default"] > energy["strong"]
    # Past "strong" no edge is left to measure; what "opaque" removes more of is the picture's contrast.
    spread = {level: ImageStat.Stat(render(image, level, greyscale=True)).stddev[0] for level in ("strong", "opaque")}
    assert spread["strong"] > spread["opaque"]
    assert energy["default"] < energy["clear"] / 50
    for level in LEVELS[1:]:
        assert render(image, level, greyscale=True).tobytes() == blur(image.convert("L"), level).tobytes()


def test_greyscale_is_one_channel() -> None:
    image = Image.fromarray(slate(0))

    grey = render(image, "default", greyscale=True)
    sharp_grey = render(image, "clear", greyscale=True)
    colour = render(image, "default", greyscale=False)

    assert grey.mode == "L" and sharp_grey.mode == "L" and colour.mode == "RGB"
    assert edge_energy(sharp_grey) > edge_energy(grey) * 50
    red, green, _blue = ImageStat.Stat(colour.crop((0, 0, WIDTH // 2, HEIGHT))).mean
    assert red > green + 40  # the blurred red squares stay pink in colour


def test_unknown_level() -> None:
    with pytest.raises(ValueError, match="unknown level"):
        render(Image.new("RGB", (8, 8)), "light", greyscale=True)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")

    with pytest.raises(PreviewError, match="empty"):
        FrameSource(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PreviewError, match="cannot read"):
        FrameSource(tmp_path / "gone.mp4")


def test_text_named_mp4(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("Not a video, whatever the name says.\n" * 20, encoding="utf-8")

    with pytest.raises(PreviewError, match="not a video"):
        FrameSource(path)


def test_image_is_not_played(tmp_path: Path) -> None:
    # FFmpeg would play a PNG as a one-frame video; its demuxer is not on the list.
    path = tmp_path / "photo.mp4"
    Image.fromarray(slate(0)).save(path, format="PNG")

    with pytest.raises(PreviewError, match="not a video"):
        FrameSource(path)


def test_truncated_mp4(tmp_path: Path) -> None:
    whole = make_clip(tmp_path / "whole.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: len(whole) // 2])  # the index (moov) is at the end, and lost

    with pytest.raises(PreviewError, match="damaged or truncated"):
        FrameSource(cut)


def test_audio_only_file(tmp_path: Path) -> None:
    path = tmp_path / "voice.m4a"
    with av.open(str(path), "w", format="mp4") as out:
        sound = out.add_stream("aac", rate=22050)
        chunk = av.AudioFrame.from_ndarray(np.zeros((1, 22050), np.float32), format="fltp", layout="mono")
        chunk.sample_rate = 22050
        out.mux(sound.encode(chunk))
        out.mux(sound.encode())

    with pytest.raises(PreviewError, match="no video stream"):
        FrameSource(path)


def test_time_limit(tmp_path: Path) -> None:
    path = make_clip(tmp_path / "clip.mp4")

    with pytest.raises(PreviewError, match="time limit"):
        list(FrameSource(path, time_limit_s=0.0))


@pytest.mark.parametrize("name", ["clip.mp4", "clip.mkv"])
def test_corrupted_bytes_give_frames_or_a_reason(tmp_path: Path, name: str) -> None:
    whole = make_clip(tmp_path / name).read_bytes()
    rng = random.Random(7)
    outcomes: list[int | str] = []
    for attempt in range(20):
        data = bytearray(whole)
        for offset in rng.sample(range(16, len(data)), len(data) // rng.choice([2000, 200, 50])):
            data[offset] = rng.randrange(256)
        if attempt % 4 == 0:
            data = data[: rng.randrange(16, len(data))]
        path = tmp_path / f"garbled-{attempt}-{name}"
        path.write_bytes(bytes(data))

        try:
            with FrameSource(path, time_limit_s=5.0) as source:
                source.seek(1.0)
                outcomes.append(len(list(source)))
        except PreviewError as err:  # any other exception escaping is the failure
            outcomes.append(str(err))

    assert all(outcome != "" for outcome in outcomes)
    assert any(isinstance(outcome, str) for outcome in outcomes)


def test_a_sealed_copy_plays_as_it_is_unsealed_and_a_damaged_one_says_so(tmp_path: Path) -> None:
    from desktop.core.media.sealed import new_key, open_sealed, seal_file

    clip = make_clip(tmp_path / "clip.mp4")
    key = new_key()
    seal_file(clip, tmp_path / "clip.veil", key, chunk=4096)  # small chunks: every seek crosses some
    with FrameSource(clip, long_edge=160) as plain:
        expected = [seconds for seconds, _ in plain]
    with open_sealed(tmp_path / "clip.veil", key) as stream, FrameSource(stream, long_edge=160) as source:
        assert [seconds for seconds, _ in source] == expected
        source.seek(expected[len(expected) // 2])
        got = source.next_frame()
        assert got is not None and got[0] == pytest.approx(expected[len(expected) // 2], abs=0.05)

    damaged = bytearray((tmp_path / "clip.veil").read_bytes())
    damaged[len(damaged) // 2] ^= 0x01
    (tmp_path / "clip.veil").write_bytes(bytes(damaged))
    with (
        open_sealed(tmp_path / "clip.veil", key, what="media 7") as stream,
        pytest.raises(PreviewError, match="media 7"),
        FrameSource(stream, long_edge=160) as source,
    ):
        list(source)
