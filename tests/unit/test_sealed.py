"""The sealed format: a round trip, random reads across chunks, and every way to damage a file refused."""

from __future__ import annotations

import hashlib
import io
import os
import random
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from desktop.core.media.sealed import (
    HEADER_BYTES,
    TAG,
    is_sealed,
    new_key,
    open_sealed,
    seal_bytes,
    seal_file,
    seal_to_file,
    unseal_bytes,
)
from desktop.domain.errors import IntegrityFailure

if TYPE_CHECKING:
    from pathlib import Path

SMALL = 1024  # small chunks, so a few kilobytes cross many boundaries


def sealed_copy(tmp_path: Path, data: bytes, key: bytes, chunk: int = SMALL) -> Path:
    plain, target = tmp_path / "plain.bin", tmp_path / "sealed.veil"
    plain.write_bytes(data)
    seal_file(plain, target, key, chunk=chunk)
    return target


@pytest.mark.parametrize("size", [0, 1, SMALL - 1, SMALL, SMALL + 1, 10 * SMALL, 10 * SMALL + 17])
def test_a_file_comes_back_as_it_went_in(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    key = new_key()
    target = sealed_copy(tmp_path, data, key)
    assert is_sealed(target.read_bytes())
    assert data not in target.read_bytes() or size == 0
    with open_sealed(target, key) as stream:
        assert stream.read() == data
    assert unseal_bytes(seal_bytes(data, key, chunk=SMALL), key) == data


def test_sealing_returns_the_plaintexts_hash(tmp_path: Path) -> None:
    import hashlib

    data = os.urandom(5000)
    (tmp_path / "plain.bin").write_bytes(data)
    assert seal_file(tmp_path / "plain.bin", tmp_path / "s.veil", new_key()) == hashlib.sha256(data).hexdigest()


def test_random_reads_across_chunk_boundaries_give_the_plaintexts_slices(tmp_path: Path) -> None:
    data = os.urandom(20 * SMALL + 300)
    key = new_key()
    draw = random.Random(7)
    with open_sealed(sealed_copy(tmp_path, data, key), key) as stream:
        assert stream.seek(0, io.SEEK_END) == len(data)
        for _ in range(300):
            start = draw.randrange(len(data) + 10)
            length = draw.randrange(3 * SMALL)
            stream.seek(start)
            assert stream.read(length) == data[start : start + length], (start, length)
        stream.seek(-5, io.SEEK_END)
        assert stream.read() == data[-5:]
        stream.seek(SMALL - 2)
        stream.seek(4, io.SEEK_CUR)
        assert stream.tell() == SMALL + 2 and stream.read(3) == data[SMALL + 2 : SMALL + 5]


def test_pillow_opens_a_sealed_picture(tmp_path: Path) -> None:
    picture = tmp_path / "p.png"
    Image.new("RGB", (120, 90), (200, 30, 60)).save(picture)
    key = new_key()
    seal_file(picture, tmp_path / "p.veil", key)
    with open_sealed(tmp_path / "p.veil", key) as stream, Image.open(stream) as image:
        assert image.size == (120, 90) and image.convert("RGB").getpixel((5, 5)) == (200, 30, 60)


def test_a_flipped_byte_is_refused_naming_the_medium(tmp_path: Path) -> None:
    data = os.urandom(8 * SMALL)
    key = new_key()
    target = sealed_copy(tmp_path, data, key)
    damaged = bytearray(target.read_bytes())
    damaged[HEADER_BYTES + 3 * (SMALL + TAG) + 10] ^= 0x01  # inside the fourth chunk
    target.write_bytes(bytes(damaged))
    with open_sealed(target, key, what="media 12") as stream:
        assert stream.read(SMALL) == data[:SMALL]  # the chunks before it still read
        stream.seek(3 * SMALL + 5)
        with pytest.raises(IntegrityFailure, match="media 12 does not check out"):
            stream.read(10)


def test_a_changed_header_is_refused(tmp_path: Path) -> None:
    key = new_key()
    target = sealed_copy(tmp_path, os.urandom(3 * SMALL), key)
    blob = bytearray(target.read_bytes())
    blob[HEADER_BYTES - 1] ^= 0x01  # the chunk size
    target.write_bytes(bytes(blob))
    with pytest.raises(IntegrityFailure):
        open_sealed(target, key).read()


@pytest.mark.parametrize("cut", ["at a chunk boundary", "inside a chunk", "to the header"])
def test_a_truncated_file_is_refused_on_opening(tmp_path: Path, cut: str) -> None:
    key = new_key()
    target = sealed_copy(tmp_path, os.urandom(5 * SMALL + 100), key)
    blob = target.read_bytes()
    keep = {
        "at a chunk boundary": HEADER_BYTES + 3 * (SMALL + TAG),
        "inside a chunk": HEADER_BYTES + 3 * (SMALL + TAG) + 50,
        "to the header": HEADER_BYTES,
    }[cut]
    target.write_bytes(blob[:keep])
    with pytest.raises(IntegrityFailure, match="media 3"):
        open_sealed(target, key, what="media 3")
    with pytest.raises(IntegrityFailure):
        unseal_bytes(blob[:keep], key)


def test_swapped_chunks_are_refused(tmp_path: Path) -> None:
    key = new_key()
    target = sealed_copy(tmp_path, os.urandom(4 * SMALL), key)
    blob = target.read_bytes()
    size = SMALL + TAG
    first, second = (blob[HEADER_BYTES + n * size : HEADER_BYTES + (n + 1) * size] for n in (0, 1))
    target.write_bytes(blob[:HEADER_BYTES] + second + first + blob[HEADER_BYTES + 2 * size :])
    with open_sealed(target, key) as stream, pytest.raises(IntegrityFailure):
        stream.read()


def test_another_media_key_does_not_open_it(tmp_path: Path) -> None:
    target = sealed_copy(tmp_path, b"evidence", new_key())
    with pytest.raises(IntegrityFailure):
        open_sealed(target, new_key())
    with pytest.raises(IntegrityFailure):
        unseal_bytes(seal_bytes(b"preview", new_key()), new_key())


def test_a_preview_and_its_original_never_share_a_nonce(tmp_path: Path) -> None:
    """The same key seals both: the same plaintext gives different ciphertexts."""
    key = new_key()
    data = os.urandom(2 * SMALL)
    assert (
        seal_bytes(data, key, chunk=SMALL)[HEADER_BYTES:]
        != sealed_copy(tmp_path, data, key).read_bytes()[HEADER_BYTES:]
    )


def test_plain_bytes_are_not_sealed() -> None:
    assert not is_sealed(b"\xff\xd8\xff\xe0 a JPEG")
    with pytest.raises(IntegrityFailure, match="not sealed"):
        unseal_bytes(b"\xff\xd8\xff\xe0 a JPEG", new_key())


def test_sealing_bytes_already_read_writes_what_sealing_the_file_does(tmp_path: Path) -> None:
    data = os.urandom(10 * SMALL + 17)
    key = new_key()
    from_file = sealed_copy(tmp_path, data, key)
    from_bytes = tmp_path / "from-bytes.veil"
    digest = seal_to_file(data, from_bytes, key, chunk=SMALL)
    assert digest == hashlib.sha256(data).hexdigest()
    assert from_bytes.read_bytes() == from_file.read_bytes()
