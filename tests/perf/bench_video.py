"""Video storyboard speed: a 30 s 1280x720 H.264 clip, made in the run.

Run: ``.venv/bin/python -m tests.perf.bench_video [--runs N] [--seconds S]``.

Prints the median time of ``storyboard()`` (goal: under 1 s) and, as a
baseline measured in the same run, the median time to decode every frame of
the same clip with PyAV's fastest threading, and their ratio. Two clips: one
with x264's default keyframe interval (250 frames, about 8 s here) and one
with a keyframe every 2 s; the first has only four keyframes, so its
storyboard has four distinct frames.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import av
import numpy as np
from av.codec.context import ThreadType

from desktop.core.media.video import storyboard

if TYPE_CHECKING:
    from collections.abc import Callable

WIDTH, HEIGHT, FPS = 1280, 720, 30


def make_clip(path: Path, seconds: int, gop: int | None) -> None:
    """A panning, textured picture with a moving block and grain: enough
    detail for a realistic bitrate (a few Mbit/s), cheap to generate."""
    rng = np.random.default_rng(7)
    frames = seconds * FPS
    texture = rng.integers(0, 256, (HEIGHT // 4, (WIDTH + 2 * frames) // 4 + 1, 3), dtype=np.uint8)
    texture = np.repeat(np.repeat(texture, 4, axis=0), 4, axis=1)
    grain = [rng.integers(0, 24, (HEIGHT, WIDTH, 3), dtype=np.uint8) for _ in range(8)]
    options = {"preset": "veryfast", "crf": "23"}
    if gop is not None:
        options["g"] = str(gop)
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=FPS, options=options)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for index in range(frames):
            picture = texture[:HEIGHT, 2 * index : 2 * index + WIDTH] // 2 + grain[index % len(grain)]
            x, y = (index * 7) % (WIDTH - 240), (index * 3) % (HEIGHT - 240)
            picture[y : y + 240, x : x + 240] = (220, 40, 40) if (index // FPS) % 2 else (40, 40, 220)
            out.mux(video.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        out.mux(video.encode())


def decode_all(path: Path) -> int:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        video.thread_type = ThreadType.AUTO  # the fastest way PyAV has to decode everything
        return sum(1 for _ in container.decode(video))


def median_s(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    print(f"av {av.__version__}, FFmpeg {av.ffmpeg_version_info}; {args.runs} runs, medians")
    with tempfile.TemporaryDirectory(prefix="veil-bench-video-") as tmp:
        for label, gop in (("x264 default GOP (250)", None), ("2 s GOP (60)", 2 * FPS)):
            path = Path(tmp) / f"clip-{gop or 'default'}.mp4"
            start = time.perf_counter()
            make_clip(path, args.seconds, gop)
            made_s = time.perf_counter() - start
            mbit_s = path.stat().st_size * 8 / args.seconds / 1e6
            preview = storyboard(path)  # also warms the page cache, as for the baseline
            board_s = median_s(args.runs, partial(storyboard, path))
            frames = decode_all(path)
            full_s = median_s(args.runs, partial(decode_all, path))
            print(
                f"\n{args.seconds} s {WIDTH}x{HEIGHT} H.264 at {FPS} fps, {label}: "
                f"{mbit_s:.1f} Mbit/s, made in {made_s:.1f} s"
            )
            print(f"  storyboard:        {board_s * 1000:7.0f} ms  ({preview.frames} frames; goal < 1000 ms)")
            print(f"  decode every frame:{full_s * 1000:7.0f} ms  ({frames} frames; baseline)")
            print(f"  ratio decode-all/storyboard: {full_s / board_s:.1f}x")


if __name__ == "__main__":
    main()
