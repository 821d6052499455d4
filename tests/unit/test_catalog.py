"""The default criteria catalogue is complete and well formed."""

from __future__ import annotations

import unicodedata

from contracts.catalog import default_catalog
from contracts.common import PILLARS


def test_pillars_and_items() -> None:
    catalog = default_catalog()
    assert [p.code for p in catalog.pillars] == list(PILLARS)
    for pillar in catalog.pillars[:5]:
        assert 4 <= len(pillar.items) <= 6, pillar.code
    plus = catalog.pillar("P")
    assert len(plus.items) >= 4  # at least one item for each of the four "+" values
    assert len(catalog.audit_items) == sum(len(p.items) for p in catalog.pillars[:5])


def test_every_item_has_five_written_anchors_in_both_languages() -> None:
    for pillar in default_catalog().pillars:
        for item in pillar.items:
            anchors = [
                item.anchors.score_0,
                item.anchors.score_1,
                item.anchors.score_2,
                item.anchors.score_3,
                item.anchors.score_4,
            ]
            assert len({a.vi for a in anchors}) == 5, item.code
            assert len({a.en for a in anchors}) == 5, item.code


def test_vietnamese_text_is_composed_unicode() -> None:
    for pillar in default_catalog().pillars:
        for item in pillar.items:
            assert unicodedata.is_normalized("NFC", item.text.vi), item.code
    assert default_catalog().pillar("S1").name.vi == "Sàng lọc"
