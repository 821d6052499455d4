"""The default criteria catalogue is complete and well formed."""

from __future__ import annotations

import unicodedata

from contracts.catalog import default_catalog, shipped_catalog, shipped_versions
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


def test_older_shipped_versions_stay_loadable_and_the_newest_is_the_default() -> None:
    assert shipped_versions()[:2] == ("2026.1", "2026.2")
    assert default_catalog().version == shipped_versions()[-1]
    assert len(shipped_catalog("2026.1").audit_items) == 25
    added = set(default_catalog().audit_items) - set(shipped_catalog("2026.1").audit_items)
    assert added == {"S2.6", "S3.6", "S4.6"}


def test_the_monthly_plus_anchors_speak_of_the_month_only() -> None:
    """The "+" items are self-assessed each month: an anchor naming a longer period cannot be
    judged from one month's behaviour (2026.1's P.4 said "trong quý")."""
    for item in default_catalog().plus_items.values():
        a = item.anchors
        for text in (a.score_0, a.score_1, a.score_2, a.score_3, a.score_4):
            assert "quý" not in text.vi.lower() and "quarter" not in text.en.lower(), item.code
    assert "trong tháng" in default_catalog().plus_items["P.4"].anchors.score_3.vi
    assert "trong quý" in shipped_catalog("2026.1").plus_items["P.4"].anchors.score_3.vi
