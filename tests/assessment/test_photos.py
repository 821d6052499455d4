"""What a photo of evidence must be, and the clean copy kept (``domain/photos.py``): pure, no
server. The HTTP and object store side is ``test_evidence.py``."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from services.assessment.domain.photos import JPEG, PNG, WEBP, clean_photo, sniff
from services.assessment.domain.policy import Policy
from services.runtime.refusals import Refusal
from tests.assessment.photos import (
    decompression_bomb,
    garbage_as_jpeg,
    gps_of,
    metadata_of,
    phone_photo,
    polyglot,
)

POLICY = Policy()


def refusal(data: bytes, policy: Policy = POLICY) -> tuple[int, str, str | None]:
    with pytest.raises(Refusal) as refused:
        clean_photo(data, policy)
    return refused.value.status, refused.value.code, refused.value.field


@pytest.mark.parametrize(("kind", "content_type"), [("JPEG", JPEG), ("PNG", PNG), ("WEBP", WEBP)])
def test_a_phone_photo_is_kept_upright_without_its_gps_or_any_metadata(
    kind: str, content_type: str
) -> None:
    original = phone_photo(kind)
    assert gps_of(original)[2] == (10.0, 45.0, 30.0)  # the test photo does carry a position
    clean = clean_photo(original, POLICY)
    assert clean.content_type == content_type
    assert sniff(clean.data[:12]) == content_type
    assert gps_of(clean.data) == {}
    assert metadata_of(clean.data) == {}
    # Orientation 6 applied to the pixels before the EXIF went: 64 × 48 lying becomes 48 × 64.
    assert (clean.width, clean.height) == (48, 64)
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.size == (48, 64)
        red, green, _ = image.convert("RGB").getpixel((44, 4))  # the green corner, turned
        assert green > 120 and red < 80


def test_the_type_is_read_from_the_bytes() -> None:
    assert sniff(phone_photo("JPEG")) == JPEG
    assert sniff(phone_photo("PNG")) == PNG
    assert sniff(phone_photo("WEBP")) == WEBP
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, "GIF")
    assert refusal(gif.getvalue()) == (415, "unsupported_image", "photo")
    assert refusal(b"%PDF-1.7\n...") == (415, "unsupported_image", "photo")
    assert refusal(b"") == (415, "unsupported_image", "photo")


def test_hostile_and_broken_files_are_refused() -> None:
    assert refusal(polyglot()) == (422, "image_not_only_image", "photo")
    assert refusal(phone_photo("PNG") + b"<script>") == (422, "image_not_only_image", "photo")
    assert refusal(phone_photo("WEBP") + b"\x00" * 16) == (422, "image_not_only_image", "photo")
    assert refusal(garbage_as_jpeg()) == (422, "image_unreadable", "photo")
    whole = phone_photo("PNG")
    assert refusal(whole[: len(whole) - 30]) == (422, "image_unreadable", "photo")


@pytest.mark.parametrize("side", [5_000, 20_000])
def test_a_decompression_bomb_is_refused_before_it_is_decoded(side: int) -> None:
    bomb = decompression_bomb(side)
    assert len(bomb) < 100_000  # tiny on the wire...
    assert side * side > POLICY.evidence_max_pixels  # ...huge once decoded
    assert refusal(bomb) == (422, "image_too_many_pixels", "photo")


def test_a_file_over_the_limit_is_refused() -> None:
    photo = phone_photo()
    small = Policy(evidence_max_bytes=len(photo) - 1)
    assert refusal(photo, small) == (413, "too_large", "photo")
    assert clean_photo(photo, Policy(evidence_max_bytes=len(photo))).width == 48
