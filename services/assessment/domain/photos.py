"""Photo evidence (ảnh minh chứng) an auditor attaches to an audit item: what an upload must be,
and the clean copy that is kept. No I/O: bytes in, bytes out (Pillow decodes in memory).

An upload is trusted for nothing. Its type is read from its first bytes, never from the
``Content-Type`` it came with: a JPEG, a PNG or a WebP, and nothing else. It must be only that
image: bytes after the image's end (a ZIP or a script appended, the usual polyglot) refuse it.
Its size in pixels is read from its header and refused above the policy's limit before it is
decoded, so a small file that would decode to gigabytes (a decompression bomb) costs nothing.
Then it is decoded in full (a broken or truncated file is refused) and a new image is encoded
from its pixels alone, turned upright by its EXIF orientation first: the copy kept carries no
EXIF (GPS position, camera, owner), XMP, comments or colour profile of the original.
"""

from __future__ import annotations

import hashlib
import io
import struct
from dataclasses import dataclass

from PIL import Image, ImageOps

from services.assessment.domain.policy import Policy
from services.runtime.refusals import Kind, Refusal

JPEG, PNG, WEBP = "image/jpeg", "image/png", "image/webp"
#: Pillow's name of each format accepted.
PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}
#: How the clean copy is encoded: quality 85 keeps a finding legible at a fraction of the size.
JPEG_QUALITY = WEBP_QUALITY = 85
#: The first bytes that tell the type (the longest signature: a WebP's 12).
SNIFF_BYTES = 12


@dataclass(frozen=True)
class CleanPhoto:
    """The re-encoded photo kept as evidence: its bytes, type and size in pixels."""

    data: bytes
    content_type: str
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff(head: bytes) -> str | None:
    """The type of an upload from its first bytes (at least ``SNIFF_BYTES``): ``JPEG``,
    ``PNG``, ``WEBP``, or None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def clean_photo(data: bytes, policy: Policy) -> CleanPhoto:
    """The clean copy of an uploaded photo (see the module's docstring).

    Errors (``Refusal``, field ``photo``): 413 ``too_large`` (param ``limit``, bytes) over
    ``policy.evidence_max_bytes``; 415 ``unsupported_image`` when it is not a JPEG, PNG or WebP;
    422 ``image_not_only_image`` with bytes after the image's end, ``image_too_many_pixels``
    (param ``limit``) over ``policy.evidence_max_pixels``,
    ``image_unreadable`` when it does not decode."""
    if len(data) > policy.evidence_max_bytes:
        raise Refusal(Kind.TOO_LARGE, "too_large", "photo", limit=policy.evidence_max_bytes)
    kind = sniff(data[:SNIFF_BYTES])
    if kind is None:
        raise Refusal(Kind.UNSUPPORTED, "unsupported_image", "photo")
    try:
        end = _image_end(kind, data)
    except (IndexError, ValueError, struct.error):
        raise Refusal(Kind.INVALID, "image_unreadable", "photo") from None
    if end != len(data):
        raise Refusal(Kind.INVALID, "image_not_only_image", "photo")
    return _reencode(kind, data, policy.evidence_max_pixels)


def _reencode(kind: str, data: bytes, max_pixels: int) -> CleanPhoto:
    try:
        with Image.open(io.BytesIO(data), formats=[PIL_FORMATS[kind]]) as original:
            width, height = original.size
            if width * height > max_pixels:
                raise Image.DecompressionBombError(f"{width}x{height}")
            original.load()
            upright = ImageOps.exif_transpose(original)
            pixels = _pixels_only(upright, kind)
    except Image.DecompressionBombError:  # ours, or Pillow's own (far larger) limit's
        raise Refusal(Kind.INVALID, "image_too_many_pixels", "photo", limit=max_pixels) from None
    except Exception:  # whatever a hostile or broken file makes the decoder raise
        raise Refusal(Kind.INVALID, "image_unreadable", "photo") from None
    out = io.BytesIO()
    if kind == JPEG:
        pixels.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif kind == PNG:
        pixels.save(out, "PNG")
    else:
        pixels.save(out, "WEBP", quality=WEBP_QUALITY)
    return CleanPhoto(out.getvalue(), kind, pixels.width, pixels.height)


def _pixels_only(image: Image.Image, kind: str) -> Image.Image:
    """A new image with ``image``'s pixels and nothing else (no ``info``: no EXIF, XMP,
    comments, ICC profile), in a mode the format can save."""
    mode = image.mode
    if kind == JPEG and mode not in ("L", "RGB", "CMYK"):
        mode = "RGB"
    elif kind == WEBP and mode not in ("RGB", "RGBA"):
        mode = "RGBA" if "A" in mode or "transparency" in image.info else "RGB"
    elif kind == PNG and mode == "P":
        mode = "RGBA"  # a palette's transparency lives in ``info``, which is not kept
    source = image if image.mode == mode else image.convert(mode)
    return Image.frombytes(mode, source.size, source.tobytes())


def _image_end(kind: str, data: bytes) -> int:
    """Where the image ends in ``data`` by its own structure (the length of the file when
    nothing follows it). Raises IndexError, ValueError or struct.error on a structure cut
    short."""
    if kind == PNG:
        return _png_end(data)
    if kind == WEBP:
        return 8 + struct.unpack_from("<I", data, 4)[0]
    return _jpeg_end(data)


def _png_end(data: bytes) -> int:
    """After the IEND chunk: chunks are length (4), type (4), data, CRC (4)."""
    position = 8
    while True:
        length, chunk = struct.unpack_from(">I4s", data, position)
        position += 12 + length
        if position > len(data):
            raise IndexError("chunk past the end")
        if chunk == b"IEND":
            return position


def _jpeg_end(data: bytes) -> int:
    """After the EOI marker: segments with a length, and after each start of scan the
    entropy-coded data up to the next marker (0xFF not followed by 0x00 or a restart)."""
    position = 2  # after SOI
    while True:
        if data[position] != 0xFF:
            raise IndexError("not a marker")
        while data[position] == 0xFF:  # fill bytes
            position += 1
        marker = data[position]
        position += 1
        if marker == 0xD9:  # EOI
            return position
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # no length
            continue
        (length,) = struct.unpack_from(">H", data, position)
        position += length
        if marker == 0xDA:  # start of scan: skip the entropy-coded data
            position = data.index(b"\xff", position)
            while data[position + 1] in _IN_SCAN:
                position = data.index(b"\xff", position + 2)


#: Bytes that may follow 0xFF inside a scan's data: a stuffed zero and the restart markers.
_IN_SCAN = frozenset({0x00, *range(0xD0, 0xD8)})
