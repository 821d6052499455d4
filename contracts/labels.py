"""Labels more than one service shows: the bands of a person's classification, the levels of a
citizen's rating and the names of the 5S+ pillars, in Vietnamese (first) and English."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from contracts.catalog import default_catalog
from contracts.common import PILLARS, Text
from contracts.events import Band

#: A person's band for a period (Decree 335/2025/NĐ-CP, the four ratings of officials).
BAND_LABELS: Mapping[Band, Text] = MappingProxyType(
    {
        "xuat_sac": Text(vi="Hoàn thành xuất sắc nhiệm vụ", en="Completed duties with excellence"),
        "tot": Text(vi="Hoàn thành tốt nhiệm vụ", en="Completed duties well"),
        "hoan_thanh": Text(vi="Hoàn thành nhiệm vụ", en="Completed duties"),
        "khong_hoan_thanh": Text(vi="Không hoàn thành nhiệm vụ", en="Did not complete duties"),
    }
)

#: A citizen's rating of a unit, 5 (best) to 1 (the levels of the national SIPAS survey).
LEVEL_LABELS: Mapping[int, Text] = MappingProxyType(
    {
        5: Text(vi="Rất hài lòng", en="Very satisfied"),
        4: Text(vi="Hài lòng", en="Satisfied"),
        3: Text(vi="Bình thường", en="Neutral"),
        2: Text(vi="Không hài lòng", en="Dissatisfied"),
        1: Text(vi="Rất không hài lòng", en="Very dissatisfied"),
    }
)

#: The pillars' names, as the default catalogue gives them (S1 "Sàng lọc" .. P, the "+").
PILLAR_LABELS: Mapping[str, Text] = MappingProxyType(
    {code: default_catalog().pillar(code).name for code in PILLARS}
)
