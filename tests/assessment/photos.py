"""Photos the evidence tests upload, made in memory with Pillow: a phone's photo with its GPS
position in EXIF, and the hostile files a server must refuse."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image

#: Where the phone says it was: 10°45'30"N 106°40'12"E (Ho Chi Minh City).
GPS = {1: "N", 2: (10.0, 45.0, 30.0), 3: "E", 4: (106.0, 40.0, 12.0)}
#: EXIF orientation 6: the camera was held upright; the pixels lie on their side.
ROTATED = 6


def phone_photo(kind: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    """A photo as a phone saves it: EXIF with GPS, make, model, owner and orientation 6."""
    image = Image.new("RGB", size, (180, 40, 40))
    image.paste((20, 160, 60), (0, 0, size[0] // 2, size[1] // 2))  # a corner to find again
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = GPS
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Model] = "Model 7"
    exif[ExifTags.Base.Artist] = "Nguyen Van A"
    exif[ExifTags.Base.Orientation] = ROTATED
    out = io.BytesIO()
    image.save(out, kind, exif=exif)
    return out.getvalue()


def gps_of(data: bytes) -> dict[int, object]:
    """The GPS tags of an image's EXIF (empty when it has none)."""
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))


def metadata_of(data: bytes) -> dict[str, object]:
    """Everything but pixels a decoder sees in an image: EXIF tags, and ``info`` keys that may
    carry a text, a profile or a position."""
    with Image.open(io.BytesIO(data)) as image:
        found: dict[str, object] = {f"exif:{tag}": v for tag, v in image.getexif().items()}
        for key in ("exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"):
            if key in image.info:
                found[key] = image.info[key]
        return found


def polyglot() -> bytes:
    """A real JPEG with a ZIP archive appended: opens as a photo, unzips as an archive."""
    return phone_photo() + b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"payload" * 20 + b"PK\x05\x06"


def garbage_as_jpeg() -> bytes:
    """A page that begins with the JPEG signature and is nothing of the sort."""
    return b"\xff\xd8\xff\xe0<html><script>alert(document.cookie)</script></html>"


def decompression_bomb(side: int = 10_000) -> bytes:
    """A few kilobytes of PNG that decode to ``side`` × ``side`` black pixels (100 million by
    default): a whole, valid file, written chunk by chunk (the PNG specification's layout) so
    that making it does not hold the decoded image in memory as Pillow would, 50 MB and most
    of a second for 20,000 × 20,000."""
    row = b"\x00" * (1 + (side + 7) // 8)  # filter type 0, then the row's bits: one per pixel
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    # Width, height, bit depth 1, colour type 0 (greyscale), deflate, adaptive filter, no interlace.
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    """A PNG chunk: its length, type, data and the CRC-32 of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
