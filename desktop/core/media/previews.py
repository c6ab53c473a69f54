"""Blurred previews, and the unblurred view a reviewer asks for.

A preview is made at preview size and blurred there, never at full
resolution: JPEGs are decoded at 1/2..1/8 scale by the decoder itself
(draft mode), other formats are reduced by an integer factor before the
final resize. The blur is relative to the picture (a fraction of the
preview's short side, never under 8 px), so a face or a wound is as
unrecognisable in a small preview as in a large one. Previews are stored
in colour; the window shows them in greyscale by default.

Orientation (EXIF) is applied, colour converted to sRGB, and nothing of
the original's metadata (EXIF, GPS, ICC, XMP) is carried over: the JPEG
written here has none.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, BinaryIO, cast

import pillow_heif
from PIL import Image, ImageCms, ImageFilter

from desktop.domain.previews import DEFAULTS, STRENGTHS, PreviewSettings

if TYPE_CHECKING:
    from pathlib import Path

# Floors for small pictures, so "strong" stays stronger than "default" there too.
MIN_SIGMA = {"peek": 3.0, "default": 8.0, "strong": 12.0, "opaque": 24.0}
REVEAL_EDGE = 2048
MAX_PIXELS = 120_000_000
JPEG_QUALITY = 80

# Decoding one picture may take this much memory (its first frame, at the
# size the decoder can scale to). With the interpreter and its libraries,
# an ingest process then stays under 600 MB: a 100-megapixel colour photo is
# decoded, a 120-megapixel PNG (which Pillow cannot decode at reduced size)
# is refused by name.
DECODE_BUDGET = 384 << 20
# Full-frame copies a decoder holds beside Pillow's own: libwebp's animation
# decoder (which Pillow uses for every WebP) keeps the canvas, the previous
# canvas and hands over a third as bytes.
_DECODER_COPIES = {"WEBP": 4}
_REDUCIBLE = frozenset({"L", "LA", "La", "PA", "I", "F", "RGB", "RGBA", "RGBa", "RGBX", "CMYK", "YCbCr", "LAB", "HSV"})

_SRGB = ImageCms.createProfile("sRGB")
# Pillow's own bomb check, at the same limit as ours (its default is 89 MP,
# below what 100 MP cameras make).
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# HEIC is what phones shoot; the plugin teaches Pillow to open it.
pillow_heif.register_heif_opener()


class PreviewError(Exception):
    """Why a file has no preview; the text is shown as "preview unavailable: ..."."""


class OverBudget(PreviewError):
    """Decoding the picture would take more memory than DECODE_BUDGET."""


@dataclass(frozen=True)
class Preview:
    jpeg: bytes  # blurred, colour, no metadata
    width: int  # of the original
    height: int
    frames: int  # 1 for a still image


def sigma_for(size: tuple[int, int], strength: str = "default", settings: PreviewSettings = DEFAULTS) -> float:
    """The Gaussian sigma in pixels for a preview of ``size``."""
    if strength not in STRENGTHS:
        raise ValueError(f"unknown blur strength {strength!r} (choose {', '.join(STRENGTHS)})")
    return max(MIN_SIGMA[strength], settings.fraction(strength) * min(size))


def blur(image: Image.Image, strength: str = "default", settings: PreviewSettings = DEFAULTS) -> Image.Image:
    """``image`` (already at preview size) blurred for ``strength``."""
    return image.filter(ImageFilter.GaussianBlur(sigma_for(image.size, strength, settings)))


def blurred_preview(
    frame: Image.Image, original: tuple[int, int], strength: str = "default", settings: PreviewSettings = DEFAULTS
) -> Image.Image:
    """A preview with the original's aspect and ``long_edge`` blurred for
    ``strength``, from a ``frame`` of a quarter to a half of that size.

    The blur is done at that small size with the sigma scaled down, then the
    picture enlarged: a Gaussian of 8 px and more at preview size leaves
    nothing that a pixel pitch of 4 could not hold, so this is the picture a
    blur at full preview size would give (measured: 0.4 grey levels apart on
    average) for a sixteenth of the work.
    """
    width, height = original
    if (frame.size[0] >= frame.size[1]) != (width >= height):
        width, height = height, width  # the frame is upright; the original's size is the file's
    scale = min(1.0, settings.long_edge / max(width, height))
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    sigma = sigma_for(target, strength, settings) * frame.size[0] / target[0]
    return frame.filter(ImageFilter.GaussianBlur(sigma)).resize(target, Image.Resampling.BILINEAR)


def to_jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # A fresh RGB image has no info dict worth keeping: no EXIF, ICC or XMP
    # can ride along into the stored preview.
    image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY, optimize=False)
    return out.getvalue()


def open_scaled(
    path: Path | BinaryIO, long_edge: int, *, coarse: bool = False
) -> tuple[Image.Image, tuple[int, int], int]:
    """The first frame of ``path`` as sRGB RGB(A), upright, with its long
    edge at most ``long_edge``, decoded at reduced size wherever the format
    allows. Returns the image, the original's size and its frame count.

    ``coarse``: the picture is going to be blurred (and hashed, which PDQ
    does at 64x64), so a frame of a quarter to a half of ``long_edge`` is
    enough; see :func:`blurred_preview`.
    """
    try:
        image = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise PreviewError(f"refused as a decompression bomb: {err}") from None
    reach = max(1, long_edge // 4) if coarse else long_edge
    with image:
        width, height = image.size
        if width <= 0 or height <= 0:
            raise PreviewError("the image has no size")
        if width * height > MAX_PIXELS:  # checked on the header, before any pixel
            raise PreviewError(f"refused as a decompression bomb: {width}x{height} pixels")
        frames = getattr(image, "n_frames", 1)
        # JPEG: the decoder itself scales by 1/2..1/8, to no less than ``reach``
        # on the long side (asking for a square would let the short side decide).
        ratio = reach / max(width, height)
        image.draft("RGB", (max(1, round(width * ratio)), max(1, round(height * ratio))))
        cost = decode_cost(image)
        if cost > DECODE_BUDGET:
            raise OverBudget(
                f"refused: decoding its {image.size[0]}x{image.size[1]} pixels would take {cost >> 20} MB,"
                f" over the {DECODE_BUDGET >> 20} MB a picture may"
            )
        image.load()  # the first frame only: a preview shows no other
        # After loading: a PNG's EXIF may follow its pixels, and asking for it first would decode them.
        orientation = image.getexif().get(0x0112, 1)
        icc = image.info.get("icc_profile")
        # Shrunk before anything else is done to it: the decoded frame is the one full-size copy.
        frame = _shrunk(image, max(image.size) // reach)
    frame = _eight_bit(frame)
    if not coarse:
        # Bilinear is enough for a picture shown scaled to the screen anyway.
        frame.thumbnail((reach, reach), Image.Resampling.BILINEAR)
    frame = _to_srgb(frame, icc)  # after shrinking: a colour transform costs per pixel
    if orientation in _TRANSPOSE:
        frame = frame.transpose(_TRANSPOSE[orientation])
    return frame, (width, height), frames


def decode_cost(image: Image.Image) -> int:
    """Bytes that decoding ``image``'s first frame at its current (draft) size takes."""
    width, height = image.size
    mode = image.mode
    # Pillow keeps a pixel of three or four bands in four bytes.
    size = 1 if mode in ("1", "L", "P") else 2 if mode.startswith("I;16") else 4
    return width * height * size * _DECODER_COPIES.get(image.format or "", 1)


def _shrunk(image: Image.Image, factor: int) -> Image.Image:
    """A new, small image from the decoded ``image``, ``factor`` times smaller."""
    if factor < 2:
        return image.copy()
    if image.mode in _REDUCIBLE:
        return image.reduce(factor)  # a cheap box filter, to between reach and twice reach
    # Palette, bilevel and 16-bit grey cannot be box-filtered: nearest
    # neighbour first (the preview is blurred anyway), colour afterwards.
    size = (max(1, image.size[0] // factor), max(1, image.size[1] // factor))
    return image.resize(size, Image.Resampling.NEAREST)


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _eight_bit(image: Image.Image) -> Image.Image:
    """16-bit, 32-bit and float grey as 8-bit grey, scaled rather than clipped."""
    if image.mode.startswith("I;16"):
        return image.convert("I").point(lambda v: v / 257).convert("L")
    if image.mode == "I":
        high = cast("tuple[int, int]", image.getextrema())[1]
        return image.point(lambda v: v / 257).convert("L") if high > 255 else image.convert("L")
    if image.mode == "F":
        high_f = cast("tuple[float, float]", image.getextrema())[1]
        return image.point(lambda v: v * 255).convert("L") if high_f <= 1.0 else image.convert("L")
    return image


@lru_cache(maxsize=16)
def _transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """A colour transform to sRGB, built once per distinct profile."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in (ImageCms.getProfileDescription(source) or "").lower():
            return None  # already sRGB: nothing to do
        output = "RGBA" if mode == "RGBA" else "RGB"
        return ImageCms.buildTransform(source, _SRGB, mode, output)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None  # a broken profile: Pillow's plain conversion below


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """RGB or RGBA in sRGB: CMYK, LAB, palette and grey all end here."""
    if icc and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        transform = _transform(icc, image.mode)
        if transform is not None:
            try:
                return ImageCms.applyTransform(image, transform) or image
            except (ImageCms.PyCMSError, ValueError):
                pass
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        return image.convert("RGBA")
    return image.convert("RGB")


def flatten(image: Image.Image) -> Image.Image:
    """Transparent parts shown over mid grey, so nothing hides behind alpha."""
    if image.mode != "RGBA":
        return image.convert("RGB")
    ground = Image.new("RGB", image.size, (128, 128, 128))
    ground.paste(image, mask=image.getchannel("A"))
    return ground


def make_preview(path: Path, *, strength: str = "default", settings: PreviewSettings = DEFAULTS) -> Preview:
    """The blurred preview of the image at ``path``.

    Raises :class:`PreviewError` with a reason for anything it cannot show.
    """
    try:
        frame, size, frames = open_scaled(path, settings.long_edge, coarse=True)
        return Preview(to_jpeg(blurred_preview(flatten(frame), size, strength, settings)), size[0], size[1], frames)
    except PreviewError:
        raise
    except Exception as err:  # noqa: BLE001 - hostile files make decoders raise anything
        raise PreviewError(f"{type(err).__name__}: {err}") from None


def reveal(path: Path | BinaryIO, *, long_edge: int = REVEAL_EDGE, strength: str | None = None) -> Image.Image:
    """The unblurred (or, with ``strength="peek"``, lightly blurred) image
    at screen size, in memory only: nothing is written anywhere."""
    try:
        frame, _size, _frames = open_scaled(path, long_edge)
    except PreviewError:
        raise
    except Exception as err:  # noqa: BLE001 - as in make_preview
        raise PreviewError(f"{type(err).__name__}: {err}") from None
    frame = flatten(frame)
    return blur(frame, strength) if strength else frame
