"""Which files are video containers, from their first bytes.

Kept apart from :mod:`video` so that telling a video from a picture never
loads FFmpeg: ingest asks this of every file.
"""

from __future__ import annotations

HEAD_BYTES = 512  # enough for every signature below, MPEG-TS's third sync byte included


def is_video(head: bytes) -> bool:
    """Whether the first bytes of a file look like a container ``storyboard``
    reads. A sniff only: whether it holds a video stream is known once opened.
    Still-image formats that share a container (HEIC, AVIF) and audio-only MP4
    brands are not videos."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return head[8:12] not in _NOT_VIDEO_BRANDS
    if len(head) >= 8 and head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        return True  # QuickTime files from before the ftyp box
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: Matroska, WebM
        return True
    if len(head) >= 12 and head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return True
    if head.startswith((b"FLV\x01", b"\x00\x00\x01\xba", b"\x30\x26\xb2\x75\x8e\x66\xcf\x11")):  # FLV, MPEG-PS, ASF
        return True
    # MPEG-TS: a sync byte every 188 bytes, or every 192 after a 4-byte
    # timecode (M2TS, as camcorders write). Ogg is left out: it is mostly audio.
    if len(head) >= 377 and head[0] == head[188] == head[376] == 0x47:
        return True
    return len(head) >= 389 and head[4] == head[196] == head[388] == 0x47


_NOT_VIDEO_BRANDS = {
    # HEIF/HEIC and AVIF stills and image sequences: Pillow's business.
    *(b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"),
    # Audio-only MPEG-4.
    *(b"M4A ", b"M4B ", b"M4P "),
}
