"""Preview speed: Veil's blurred preview against the decode floor, the naive way and libvips.

Run: ``.venv/bin/python -m tests.perf.bench_previews [--images N] [--runs R]``.

Makes its own images in a temporary folder (photo-like: smooth colour fields,
shapes, printed text, mid-scale texture and fine grain, so the JPEG decoder
and the PNG inflater have real work) and prints, per input, the median
milliseconds over R runs (after one warm-up run) of:

- (a) the floor: decoding at preview size only. JPEG: Pillow's draft mode asked
  for the final preview size, so libjpeg scales by the largest of 1/2..1/8 that
  still gives at least that size. PNG: full decode, then ``Image.reduce``.
- (b) the newcomer's way: full-resolution decode, GaussianBlur at full
  resolution with the sigma scaled up to the full size, then ``thumbnail`` to
  512 and a JPEG encode.
- (c) Veil: ``desktop.core.media.previews.make_preview`` (decode, orient, sRGB,
  resize, blur, JPEG encode).
- (d) libvips through pyvips, when it imports: ``thumbnail`` (shrink-on-load),
  ``gaussblur`` with Veil's sigma, JPEG encode, with libvips' operation cache
  off. "d" uses libvips' default thread pool (all cores); "d1" one thread,
  which is what each worker of a process pool over all cores gets.

(b), (c) and (d) all end in the same JPEG encode (quality 80) so they produce
the same thing; (a) is decoding alone. Then the ratios c/a, b/c and c/d
against issue 5's targets (c/a <= 1.2 on JPEG, b/c >= 10 on the 12 MP JPEG,
c/d <= 1.0).

Then ingest throughput: N generated 12 MP JPEGs through ``veil ingest
--workers 1`` and ``--workers 2``, each into a new SQLite database, the whole
command timed as a user would feel it (start-up, worker pool, reading, SHA-256,
PDQ, previews and storing). The machine's load average is printed at the start
and the end: other processes on the machine skew every number here.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import PIL
from PIL import Image, ImageCms, ImageDraw, ImageFilter, ImageFont

from desktop.core.media import previews
from desktop.domain.previews import PREVIEW_EDGE

if TYPE_CHECKING:
    from collections.abc import Callable

EDGE = PREVIEW_EDGE
QUALITY = previews.JPEG_QUALITY

WORDS = (
    "BREAKING: shelling near the central market",
    "Rescue teams at the collapsed building",
    "Photo 14:32 — north district, 3rd street",
    "EVACUATION ROUTE CLOSED",
)


# --------------------------------------------------------------------------- images


def photo_like(width: int, height: int, seed: int) -> Image.Image:
    """An RGB picture with detail at every scale, like a photo, not flat colour."""
    rng = np.random.default_rng(seed)
    # Smooth colour field: a few random colours blended across the frame (sky, walls, light).
    field = Image.fromarray(rng.integers(20, 236, (4, 6, 3), dtype=np.uint8)).resize(
        (width, height), Image.Resampling.BICUBIC
    )
    draw = ImageDraw.Draw(field)
    unit = min(width, height)
    for _ in range(60):  # objects: ellipses, boxes and polygons of random colours
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(unit // 40, unit // 4)), int(rng.integers(unit // 40, unit // 4))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        kind = int(rng.integers(0, 3))
        if kind == 0:
            draw.ellipse((x, y, x + w, y + h), fill=colour, outline=(0, 0, 0), width=max(1, unit // 500))
        elif kind == 1:
            draw.rectangle((x, y, x + w, y + h), fill=colour)
        else:
            points = [(x + int(rng.integers(-w, w)), y + int(rng.integers(-h, h))) for _ in range(5)]
            draw.polygon(points, fill=colour)
    for _ in range(120):  # thin lines: wires, edges, branches
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        dx, dy = int(rng.integers(-unit // 3, unit // 3)), int(rng.integers(-unit // 3, unit // 3))
        grey = int(rng.integers(0, 256))
        draw.line((x, y, x + dx, y + dy), fill=(grey, grey, grey), width=int(rng.integers(1, 6)))
    for n, line in enumerate(WORDS):  # printed text at a few sizes
        font = ImageFont.load_default(size=max(12, unit // (12 + 6 * n)))
        draw.text((unit // 20, unit // 20 + n * unit // 6), line, fill=(250, 250, 240), font=font)
        draw.text((width // 2, height - unit // 10 - n * unit // 20), line, fill=(10, 10, 10), font=font)
    pixels = np.asarray(field, dtype=np.int16)
    # Mid-scale texture (foliage, rubble, fabric): coarse noise blown up smoothly.
    coarse = rng.normal(128, 22, (height // 12 + 1, width // 12 + 1, 3)).clip(0, 255).astype(np.uint8)
    texture = np.asarray(Image.fromarray(coarse).resize((width, height), Image.Resampling.BILINEAR), dtype=np.int16)
    pixels += texture - 128
    del texture
    # Fine grain (sensor noise): a random tile repeated with a random offset.
    tile = rng.normal(0, 7, (509, 509, 3)).astype(np.int16)
    reps = (height // 509 + 2, width // 509 + 2, 1)
    oy, ox = int(rng.integers(0, 509)), int(rng.integers(0, 509))
    pixels += np.tile(tile, reps)[oy : oy + height, ox : ox + width]
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))


@dataclass(frozen=True)
class Input:
    label: str
    path: Path
    jpeg: bool
    size: tuple[int, int]


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def make_inputs(folder: Path) -> list[Input]:
    specs: list[tuple[str, str, tuple[int, int], dict[str, Any]]] = [
        ("12 MP JPEG 4000x3000", "12mp.jpg", (4000, 3000), {"quality": 90}),
        ("24 MP JPEG 6000x4000", "24mp.jpg", (6000, 4000), {"quality": 90}),
        ("1080p JPEG 1920x1080", "1080p.jpg", (1920, 1080), {"quality": 90}),
        ("12 MP PNG 4000x3000", "12mp.png", (4000, 3000), {}),
        # Camera and phone JPEGs usually embed a colour profile; Veil then runs a colour transform.
        ("12 MP JPEG + sRGB ICC (extra)", "12mp_icc.jpg", (4000, 3000), {"quality": 90, "icc_profile": srgb_icc()}),
    ]
    inputs = []
    for seed, (label, name, size, options) in enumerate(specs):
        path = folder / name
        image = photo_like(*size, seed=seed)
        image.save(path, **options)
        del image
        inputs.append(Input(label, path, path.suffix == ".jpg", size))
    return inputs


def make_ingest_set(folder: Path, count: int) -> list[Path]:
    """``count`` distinct 12 MP JPEGs: four pictures, each file stamped with its own number."""
    folder.mkdir()
    variants = [photo_like(4000, 3000, seed=100 + n) for n in range(min(4, count))]
    paths = []
    font = ImageFont.load_default(size=120)
    for n in range(count):
        image = variants[n % len(variants)]
        draw = ImageDraw.Draw(image)
        x, y = 200 + (n * 37) % 3000, 200 + (n * 53) % 2400
        draw.rectangle((x, y, x + 620, y + 160), fill=(n % 256, 40, 90))
        draw.text((x + 20, y + 10), f"item {n:04d}", fill=(255, 255, 255), font=font)
        path = folder / f"item{n:04d}.jpg"
        image.save(path, quality=90)
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- the four ways


def preview_size(size: tuple[int, int], edge: int = EDGE) -> tuple[int, int]:
    """The size of a preview of an image of ``size`` (as ``Image.thumbnail`` rounds it)."""
    width, height = size
    scale = min(1.0, edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def floor_decode(path: Path) -> None:
    """(a) Decoding at preview size only."""
    with Image.open(path) as image:
        if image.format == "JPEG":
            image.draft("RGB", preview_size(image.size))
            image.load()
        else:
            image.load()
            factor = max(image.size) // EDGE
            if factor >= 2:
                image.reduce(factor)


def newcomer(path: Path) -> bytes:
    """(b) Full decode, blur at full resolution (sigma scaled to full size), then thumbnail."""
    with Image.open(path) as image:
        full = image.convert("RGB")
    sigma = previews.sigma_for(preview_size(full.size)) * max(full.size) / EDGE
    blurred = full.filter(ImageFilter.GaussianBlur(sigma))
    del full
    blurred.thumbnail((EDGE, EDGE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    blurred.save(out, format="JPEG", quality=QUALITY)
    return out.getvalue()


def veil(path: Path) -> bytes:
    """(c) Veil's preview."""
    return previews.make_preview(path).jpeg


def load_pyvips() -> Any | None:
    try:
        import pyvips  # a benchmark-only dependency
    except (ImportError, OSError):  # not installed, or libvips itself missing
        return None
    pyvips.cache_set_max(0)  # every run decodes the file again, as Veil does
    return pyvips


def vips_way(vips: Any, path: Path) -> bytes:
    """(d) libvips: shrink-on-load thumbnail, Gaussian blur with Veil's sigma, JPEG encode."""
    image = vips.Image.thumbnail(str(path), EDGE)
    image = image.gaussblur(previews.sigma_for((image.width, image.height)))
    return bytes(image.write_to_buffer(f".jpg[Q={QUALITY},strip]"))


def median_ms(action: Callable[[], object], runs: int) -> float:
    action()  # warm-up: page cache, lazy imports, first-call set-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


# --------------------------------------------------------------------------- ingest


def peak_mb() -> float:
    """This process's peak resident memory (Linux's VmHWM, which, unlike ru_maxrss, starts afresh at exec)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    line = next((line for line in status.splitlines() if line.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1]) / 1024


def ingest_rate(folder: Path, workers: int, scratch: Path) -> tuple[float, float]:
    """``veil ingest --workers N`` of ``folder`` into a new SQLite database, as a user runs it:
    images per second over the whole command (start-up, pool, hashes, previews, storing),
    and the seconds it took."""
    database = scratch / f"ingest-{workers}.sqlite"
    veil = Path(sys.executable).with_name("veil")
    command = [str(veil), "--db", f"sqlite:///{database}", "ingest", "--as", "bench", "--json", "--quiet"]
    start = time.perf_counter()
    done = subprocess.run(
        [*command, "--workers", str(workers), str(folder)], capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"veil ingest failed ({done.returncode}): {done.stderr.strip()}")
    report = json.loads(done.stdout)
    count = len(list(folder.iterdir()))
    if report["media_added"] != count:
        raise SystemExit(f"veil ingest stored {report['media_added']} of {count} images: {report['errors'][:3]}")
    return count / elapsed, elapsed


# --------------------------------------------------------------------------- report


def verdict(value: float, target: float, *, at_most: bool) -> str:
    met = value <= target if at_most else value >= target
    return "met" if met else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--images", type=int, default=200, help="12 MP JPEGs for the ingest part (0 skips it)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per measurement (the median is shown)")
    args = parser.parse_args()

    vips = load_pyvips()
    print(f"Python {platform.python_version()}, Pillow {PIL.__version__}, {os.cpu_count()} CPUs")
    if vips is None:
        print("pyvips unavailable: (d) skipped")
    else:
        print(f"pyvips {vips.__version__}, libvips {vips.version(0)}.{vips.version(1)}.{vips.version(2)}")
    print(f"preview long edge {EDGE} px, default strength; median of {args.runs} runs after one warm-up")
    print(f"load average at the start: {load()}\n")

    with tempfile.TemporaryDirectory(prefix="veil-bench-previews-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        inputs = make_inputs(folder)
        print(f"made {len(inputs)} inputs in {time.perf_counter() - start:.1f} s")
        for item in inputs:
            print(f"  {item.label:32} {item.path.stat().st_size / 1e6:6.1f} MB")
        print()

        rows = []
        for item in inputs:
            a = median_ms(partial(floor_decode, item.path), args.runs)
            b = median_ms(partial(newcomer, item.path), args.runs)
            c = median_ms(partial(veil, item.path), args.runs)
            d = d1 = None
            if vips is not None:
                threads = vips.concurrency_get()
                d = median_ms(partial(vips_way, vips, item.path), args.runs)
                vips.concurrency_set(1)
                d1 = median_ms(partial(vips_way, vips, item.path), args.runs)
                vips.concurrency_set(threads)
            rows.append((item, a, b, c, d, d1))

        def ms(value: float | None) -> str:
            return f"{value:9.1f}" if value is not None else f"{'-':>9}"

        print(f"{'input':32} {'(a) floor':>9} {'(b) naive':>9} {'(c) Veil':>9} {'(d) vips':>9} {'(d1) 1thr':>9}  ms")
        for item, a, b, c, d, d1 in rows:
            print(f"{item.label:32} {ms(a)} {ms(b)} {ms(c)} {ms(d)} {ms(d1)}")
        print()
        print(f"{'input':32} {'c/a':>6} {'<=1.2':>8} {'b/c':>7} {'>=10':>8} {'c/d':>6} {'<=1.0':>8} {'c/d1':>6}")
        for item, a, b, c, d, d1 in rows:
            ca = f"{c / a:6.2f} {verdict(c / a, 1.2, at_most=True) if item.jpeg else '-':>8}"
            target_bc = item.jpeg and item.size == (4000, 3000) and "ICC" not in item.label
            bc = f"{b / c:7.1f} {verdict(b / c, 10, at_most=False) if target_bc else '-':>8}"
            cd = f"{c / d:6.2f} {verdict(c / d, 1.0, at_most=True):>8}" if d else f"{'-':>6} {'-':>8}"
            cd1 = f"{c / d1:6.2f}" if d1 else f"{'-':>6}"
            print(f"{item.label:32} {ca} {bc} {cd} {cd1}")
        print("(targets from issue 5: c/a <= 1.2 on JPEG, b/c >= 10 on the 12 MP JPEG, c/d <= 1.0; '-' = no target)")
        print("video storyboard (30 s 720p clip, target < 1 s): not measured here (see tests/perf/bench_video.py)")

        if args.images > 0:
            print()
            start = time.perf_counter()
            paths = make_ingest_set(folder / "ingest", args.images)
            size = sum(path.stat().st_size for path in paths) / 1e6
            print(f"ingest: made {len(paths)} 12 MP JPEGs ({size:.0f} MB) in {time.perf_counter() - start:.1f} s")
            print("  through `veil ingest --workers N` into a new SQLite database, whole command timed:")
            (one, one_s), (two, two_s) = (
                ingest_rate(folder / "ingest", 1, folder),
                ingest_rate(folder / "ingest", 2, folder),
            )
            print(f"  1 worker : {one:6.1f} images/s ({one_s:.1f} s)")
            print(f"  2 workers: {two:6.1f} images/s ({two_s:.1f} s)  (x{two / one:.2f} on {os.cpu_count()} CPUs)")
    print(f"\npeak memory of this process (making the images): {peak_mb():.0f} MB")
    print(f"load average at the end: {load()} (other processes on this machine skew the timings)")
    sys.stdout.flush()


def load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
