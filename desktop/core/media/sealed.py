"""Sealed media: a file or a blob encrypted with AES-256-GCM under a key of its own.

The format is chunked so that a large video can be read at any position
without decrypting it whole (FFmpeg seeks about a file while it probes)::

    header   b"VEILSEAL" | version (1 byte) | chunk size (4 bytes, big-endian)
    chunk i  AES-GCM(key, nonce_i, plaintext[i * size : (i + 1) * size], aad=header)
             = ciphertext (as long as its plaintext) + a 16-byte tag
    nonce_i  i as 11 bytes big-endian | 1 for the last chunk, else 0

Every chunk is authenticated with the header, so a changed chunk size or
version fails too. The index in the nonce makes a chunk moved to another
place fail, and the last-chunk flag makes a file cut at a chunk boundary
fail (its new last chunk was not sealed as the last). There is always at
least one chunk, so even an empty plaintext has a tag to check.

Nonces are deterministic, which is safe only because a nonce is never used
twice under one key: every key is random and made for one medium, and it
seals that medium's original once and its preview once, the preview with
its chunk indexes moved into a range of their own (:data:`PREVIEW_DOMAIN`).
Sealing anything again (a migration that was interrupted and runs anew)
takes a new key.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
from typing import IO, TYPE_CHECKING, BinaryIO

from desktop.domain.errors import IntegrityFailure

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from _typeshed import WriteableBuffer
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"VEILSEAL"
VERSION = 1
CHUNK = 64 * 1024
KEY_BYTES = 32
TAG = 16
_HEADER = struct.Struct(">8sBI")
HEADER_BYTES = _HEADER.size
# A medium's original and its preview are sealed under the same key. The
# preview's nonces carry this in the top bit of the chunk index, so the two
# sealings never share a nonce (no original has 2**87 chunks).
PREVIEW_DOMAIN = 1 << 87
_MAX_CHUNK = 16 << 20


def new_key() -> bytes:
    """A fresh random key for one medium."""
    return os.urandom(KEY_BYTES)


def is_sealed(blob: bytes) -> bool:
    """Whether ``blob`` (or the start of a file) is in the sealed format."""
    return blob[: len(MAGIC)] == MAGIC


def _header(chunk: int) -> bytes:
    return _HEADER.pack(MAGIC, VERSION, chunk)


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


def _parse_header(header: bytes, what: str) -> int:
    if len(header) < HEADER_BYTES or not is_sealed(header):
        raise IntegrityFailure(f"{what} is not sealed by Veil (or its header is damaged)")
    _magic, version, chunk = _HEADER.unpack(header[:HEADER_BYTES])
    if version != VERSION:
        raise IntegrityFailure(f"{what} is sealed in format version {version}, which this Veil does not read")
    if not 0 < chunk <= _MAX_CHUNK:
        raise IntegrityFailure(f"{what} has a damaged header (chunk size {chunk})")
    return int(chunk)


def _check_key(key: bytes) -> AESGCM:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(key) != KEY_BYTES:
        raise ValueError(f"a media key is {KEY_BYTES} bytes, not {len(key)}")
    return AESGCM(key)


def _pieces(source: IO[bytes], chunk: int) -> Iterator[tuple[bytes, bool]]:
    """``source`` read in pieces of ``chunk`` bytes, each with whether it is
    the last: one piece is read ahead to know. An empty source is one empty
    last piece."""
    current = source.read(chunk)
    while True:
        following = source.read(chunk) if len(current) == chunk else b""
        yield current, not following
        if not following:
            return
        current = following


def _seal_stream(source: IO[bytes], target: IO[bytes], key: bytes, *, domain: int, chunk: int = CHUNK) -> str:
    aead = _check_key(key)
    header = _header(chunk)
    target.write(header)
    digest = hashlib.sha256()
    for index, (piece, final) in enumerate(_pieces(source, chunk)):
        digest.update(piece)
        target.write(aead.encrypt(_nonce(domain + index, final), piece, header))
    return digest.hexdigest()


def seal_file(source_path: Path, target_path: Path, key: bytes, *, chunk: int = CHUNK) -> str:
    """Seal the file at ``source_path`` into ``target_path`` (made or
    replaced), streaming; returns the SHA-256 (hex) of the plaintext read,
    for the caller to check against the hash it expects."""
    with source_path.open("rb") as source, target_path.open("wb") as target:
        return _seal_stream(source, target, key, domain=0, chunk=chunk)


def seal_to_file(data: bytes, target_path: Path, key: bytes, *, chunk: int = CHUNK) -> str:
    """Seal ``data`` (a file's content, already read) into ``target_path`` as
    :func:`seal_file` seals a file; returns the SHA-256 (hex) of ``data``."""
    with target_path.open("wb") as target:
        return _seal_stream(io.BytesIO(data), target, key, domain=0, chunk=chunk)


def seal_bytes(data: bytes, key: bytes, *, chunk: int = CHUNK) -> bytes:
    """``data`` (a preview) sealed under ``key``, in the preview's nonce domain."""
    out = io.BytesIO()
    _seal_stream(io.BytesIO(data), out, key, domain=PREVIEW_DOMAIN, chunk=chunk)
    return out.getvalue()


def unseal_bytes(blob: bytes, key: bytes, *, what: str = "the sealed preview") -> bytes:
    """The plaintext of a :func:`seal_bytes` blob; :class:`IntegrityFailure`
    if it was changed, cut or reordered, or the key is not its own."""
    aead = _check_key(key)
    chunk = _parse_header(blob, what)
    header = blob[:HEADER_BYTES]
    body = memoryview(blob)[HEADER_BYTES:]
    count = _chunk_count(len(body), chunk, what)
    parts = []
    for index in range(count):
        sealed = body[index * (chunk + TAG) : (index + 1) * (chunk + TAG)]
        parts.append(_open_chunk(aead, PREVIEW_DOMAIN + index, index == count - 1, bytes(sealed), header, what))
    return b"".join(parts)


def _chunk_count(body: int, chunk: int, what: str) -> int:
    count = max(1, -(-body // (chunk + TAG)))
    last = body - (count - 1) * (chunk + TAG)
    if last < TAG:
        raise IntegrityFailure(f"{what} is cut short (damaged or tampered with)")
    return count


def _open_chunk(aead: AESGCM, nonce_index: int, final: bool, sealed: bytes, header: bytes, what: str) -> bytes:
    from cryptography.exceptions import InvalidTag

    try:
        return aead.decrypt(_nonce(nonce_index, final), sealed, header)
    except InvalidTag:
        raise IntegrityFailure(
            f"{what} does not check out (damaged, cut short, reordered or tampered with; or not its key)"
        ) from None


class _SealedReader(io.RawIOBase):
    """A sealed file read as its plaintext: seekable, read-only, one chunk decrypted at a time."""

    def __init__(self, path: Path, key: bytes, what: str) -> None:
        self._aead = _check_key(key)
        self._what = what
        self._file = path.open("rb")
        try:
            self._header = self._file.read(HEADER_BYTES)
            self.chunk_size = _parse_header(self._header, what)
            body = self._file.seek(0, io.SEEK_END) - HEADER_BYTES
            self._count = _chunk_count(body, self.chunk_size, what)
            self.size = body - self._count * TAG
            self._position = 0
            self._cached: tuple[int, bytes] | None = None
            # The last chunk now: a cut-off file says so on opening, not when
            # a decoder reaches its end.
            self._plain(self._count - 1)
        except BaseException:
            self._file.close()
            raise

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._position + offset
        elif whence == io.SEEK_END:
            position = self.size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if position < 0:
            raise OSError(f"cannot seek to {position}")
        self._position = position
        return position

    def readinto(self, buffer: WriteableBuffer) -> int:
        if self._position >= self.size:
            return 0
        index, skip = divmod(self._position, self.chunk_size)
        plain = self._plain(index)
        view = memoryview(buffer).cast("B")
        count = min(len(view), len(plain) - skip)
        view[:count] = plain[skip : skip + count]
        self._position += count
        return count

    def _plain(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        self._file.seek(HEADER_BYTES + index * (self.chunk_size + TAG))
        sealed = self._file.read(self.chunk_size + TAG)
        plain = _open_chunk(self._aead, index, index == self._count - 1, sealed, self._header, self._what)
        self._cached = (index, plain)
        return plain

    def close(self) -> None:
        if not self.closed:
            self._file.close()
            self._cached = None
        super().close()


def open_sealed(path: Path, key: bytes, *, what: str | None = None) -> BinaryIO:
    """The plaintext of the sealed file at ``path``, as a seekable read-only
    stream that decrypts chunk by chunk (Pillow and PyAV read it like a file).

    Raises :class:`IntegrityFailure` (naming ``what``, e.g. "media 12", when
    given) on opening a file that is not sealed or is cut short, and on
    reading a chunk that was changed or moved. The caller closes the stream.
    """
    raw = _SealedReader(path, key, what or f"the sealed file {path.name}")
    return io.BufferedReader(raw, buffer_size=raw.chunk_size)
