"""Video storyboard speed: a 30 s 1280x720 H.264 clip, made in the run.

Run: ``.venv/bin/python -m tests.perf.bench_video [--runs N] [--seconds S]``.

Prints the median time of ``storyboard()`` (goal: under 1 s) and, as a
baseline measured in the same run, the median time to decode every frame of
the same clip with PyAV's fastest threading, and their ratio. Three clips:
one with x264's default keyframe interval (250 frames, about 8 s here: four
keyframes, so five of the nine frames come from the forward-decoding second
pass), one with a keyframe every 2 s (seeking finds all nine), and one with
a single keyframe (the long-GOP worst case: all but the first frame from the
second pass).

Then the cost of running the storyboard in a child process, as ingest does
(``desktop.core.media.isolation``): per call for a function that does
nothing, and for the storyboard of the 2 s GOP clip, with the forkserver
(Linux, macOS) and with spawn (Windows' only way).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import av
from av.codec.context import ThreadType

from desktop.core.media.isolation import run_isolated
from desktop.core.media.video import storyboard

if TYPE_CHECKING:
    from collections.abc import Callable

WIDTH, HEIGHT, FPS = 1280, 720, 30
# (label, keyframe interval in frames or None for x264's default, scene-cut keyframes)
CLIPS: list[tuple[str, int | None, bool]] = [
    ("x264 default GOP (250)", None, True),
    ("2 s GOP (60)", 2 * FPS, True),
    ("one keyframe (long GOP)", 1_000_000, False),
]


def make_clip(path: Path, seconds: int, gop: int | None, *, scenecut: bool = True) -> None:
    """A panning, textured picture with a moving block and grain: enough
    detail for a realistic bitrate (a few Mbit/s), cheap to generate."""
    # Imported here: each isolated child (spawned, or forked when run with
    # -m, which gives the forkserver no path to preload) runs this module
    # again as its __main__, and numpy would add to what is measured.
    import numpy as np

    rng = np.random.default_rng(7)
    frames = seconds * FPS
    texture = rng.integers(0, 256, (HEIGHT // 4, (WIDTH + 2 * frames) // 4 + 1, 3), dtype=np.uint8)
    texture = np.repeat(np.repeat(texture, 4, axis=0), 4, axis=1)
    grain = [rng.integers(0, 24, (HEIGHT, WIDTH, 3), dtype=np.uint8) for _ in range(8)]
    options = {"preset": "veryfast", "crf": "23"}
    if gop is not None:
        options["g"] = str(gop)
    if not scenecut:
        options["x264-params"] = "scenecut=0"  # the moving block's colour changes would add keyframes
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=FPS, options=options)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for index in range(frames):
            picture = texture[:HEIGHT, 2 * index : 2 * index + WIDTH] // 2 + grain[index % len(grain)]
            x, y = (index * 7) % (WIDTH - 240), (index * 3) % (HEIGHT - 240)
            picture[y : y + 240, x : x + 240] = (220, 40, 40) if (index // FPS) % 2 else (40, 40, 220)
            out.mux(video.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        out.mux(video.encode())


def keyframes(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(packet.is_keyframe for packet in container.demux(container.streams.video[0]))


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


def isolation(runs: int, path: Path, board_s: float) -> None:
    print(
        f"\nIn a child process (run_isolated), per call; storyboard of the 2 s GOP clip: {board_s * 1000:.0f} ms here"
    )
    methods: list[Literal["forkserver", "spawn"]] = ["forkserver", "spawn"]
    for method in methods:
        start = time.perf_counter()
        run_isolated(os.getpid, time_limit_s=60, start_method=method)  # starts the forkserver, if that
        first_s = time.perf_counter() - start
        empty_s = median_s(runs, partial(run_isolated, os.getpid, time_limit_s=60, start_method=method))
        isolated = partial(run_isolated, partial(storyboard, path), time_limit_s=60, start_method=method)
        isolated_s = median_s(runs, isolated)
        print(
            f"  {method:10}  first call {first_s * 1000:5.0f} ms, then an empty call {empty_s * 1000:5.1f} ms; "
            f"storyboard {isolated_s * 1000:5.0f} ms ({(isolated_s - board_s) * 1000:+.0f} ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    print(f"av {av.__version__}, FFmpeg {av.ffmpeg_version_info}; {args.runs} runs, medians")
    with tempfile.TemporaryDirectory(prefix="veil-bench-video-") as tmp:
        boards: dict[int | None, tuple[Path, float]] = {}
        for label, gop, scenecut in CLIPS:
            path = Path(tmp) / f"clip-{gop or 'default'}.mp4"
            start = time.perf_counter()
            make_clip(path, args.seconds, gop, scenecut=scenecut)
            made_s = time.perf_counter() - start
            mbit_s = path.stat().st_size * 8 / args.seconds / 1e6
            preview = storyboard(path)  # also warms the page cache, as for the baseline
            board_s = median_s(args.runs, partial(storyboard, path))
            boards[gop] = path, board_s
            frames = decode_all(path)
            full_s = median_s(args.runs, partial(decode_all, path))
            print(
                f"\n{args.seconds} s {WIDTH}x{HEIGHT} H.264 at {FPS} fps, {label}: "
                f"{keyframes(path)} keyframes, {mbit_s:.1f} Mbit/s, made in {made_s:.1f} s"
            )
            print(f"  storyboard:        {board_s * 1000:7.0f} ms  ({preview.frames} frames; goal < 1000 ms)")
            print(f"  decode every frame:{full_s * 1000:7.0f} ms  ({frames} frames; baseline)")
            print(f"  ratio decode-all/storyboard: {full_s / board_s:.1f}x")
        isolation(args.runs, *boards[2 * FPS])


if __name__ == "__main__":
    main()
