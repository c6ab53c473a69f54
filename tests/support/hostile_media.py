"""Huge pictures written cheaply: headers that promise many pixels, little data.

Each is a valid file its decoder opens as what it claims to be, written in
well under a second without ever holding its pixels: a solid PNG is rows of
zeros through zlib, an animated WebP is a huge canvas with tiny frames, a
long GIF is one full frame encoded once and written many times.
"""

from __future__ import annotations

import io
import struct
import zlib
from functools import cache
from typing import TYPE_CHECKING

from PIL import Image

if TYPE_CHECKING:
    from pathlib import Path


def solid_png(path: Path, side: int, colour: tuple[int, int, int] = (90, 30, 30), label: str = "") -> None:
    """A ``side`` x ``side`` RGB PNG of one colour; ``label`` (a text chunk) makes two files differ."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    with path.open("wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)))
        out.write(chunk(b"tEXt", b"Comment\x00" + label.encode()))
        out.write(chunk(b"IDAT", _solid_rows(side, colour)))
        out.write(chunk(b"IEND", b""))


@cache
def _solid_rows(side: int, colour: tuple[int, int, int]) -> bytes:
    row = b"\x00" + bytes(colour) * side  # filter "none", then the pixels
    packer = zlib.compressobj(9)
    return b"".join(packer.compress(row) for _ in range(side)) + packer.flush()


def animated_webp(path: Path, side: int, frames: int = 3) -> None:
    """An animated WebP whose canvas is ``side`` x ``side`` and whose frames are 16 x 16."""
    tiny = io.BytesIO()
    Image.new("RGBA", (16, 16), (200, 40, 40, 255)).save(tiny, format="WEBP", lossless=True)
    riff = tiny.getvalue()
    bitstream = riff[12:]  # the VP8L chunk, header included

    def chunk(kind: bytes, data: bytes) -> bytes:
        return kind + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")

    def u24(value: int) -> bytes:
        return struct.pack("<I", value)[:3]

    body = chunk(b"VP8X", bytes([0x12, 0, 0, 0]) + u24(side - 1) + u24(side - 1))  # animation + alpha
    body += chunk(b"ANIM", b"\xff\xff\xff\xff" + struct.pack("<H", 0))
    for n in range(frames):
        offset = (n * 2) % 64  # stored halved
        header = u24(offset) + u24(offset) + u24(15) + u24(15) + u24(100) + b"\x00"
        body += chunk(b"ANMF", header + bitstream)
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body)


def long_gif(path: Path, side: int, frames: int) -> None:
    """A GIF of ``frames`` full ``side`` x ``side`` frames: one frame encoded once, repeated."""
    encoded = io.BytesIO()
    Image.new("P", (side, side), 1).save(encoded, format="GIF")
    data = encoded.getvalue()
    at = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)  # after the screen and its colours
    head = data[:at]
    while data[at] == 0x21:  # Pillow's own extensions: left out
        at = _after_blocks(data, at + 2)
    start = at
    at += 10 + (3 << ((data[at + 9] & 7) + 1) if data[at + 9] & 0x80 else 0)  # and its own colours
    frame = data[start : _after_blocks(data, at + 1)]  # descriptor, colours, LZW size, pixels
    with path.open("wb") as out:
        out.write(head + b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")  # loop for ever
        for _ in range(frames):
            out.write(b"\x21\xf9\x04\x00\x01\x00\x00\x00" + frame)  # 10 ms, no disposal
        out.write(b"\x3b")


def _after_blocks(data: bytes, at: int) -> int:
    """The position after the data sub-blocks starting at ``at``."""
    while data[at]:
        at += data[at] + 1
    return at + 1
