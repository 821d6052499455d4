"""The one table of labels every service and front-end shows (the web pages read it from
scoring's ``GET /v1/labels``; e-mails, exports and refusals import it): the bands of a person's
classification in the decree's words, the levels of a citizen's rating, the names of the 5S+
pillars, the states of audits, corrective actions, initiatives and classifications, and the way
an official writes a period ("tháng 01/2026", "quý I/2026", "năm 2026"), in Vietnamese (first) and
English. The terms are those of docs/GLOSSARY.md."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from contracts.catalog import default_catalog
from contracts.common import PILLARS, Text
from contracts.events import (
    LEADERS_GROUP,
    SPECIALISTS_GROUP,
    Band,
    ClassificationStatus,
    EmploymentType,
    MissingPart,
)
from contracts.periods import Period

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

#: Where a person stands for a period when no band is given yet.
STATUS_LABELS: Mapping[ClassificationStatus, Text] = MappingProxyType(
    {
        "classified": Text(vi="Đã xếp loại", en="Classified"),
        "not_classified": Text(vi="Chưa đủ dữ liệu để xếp loại", en="Not enough data to classify"),
        "pending_decision": Text(
            vi="Chờ Chủ tịch quyết định", en="Awaiting the chairman's decision"
        ),
    }
)

#: What keeps a person from being classified.
MISSING_LABELS: Mapping[MissingPart, Text] = MappingProxyType(
    {
        "task_points": Text(vi="kết quả thực hiện nhiệm vụ", en="task results"),
        "plus_review": Text(vi='tự đánh giá "+" đã được duyệt', en='an approved "+" review'),
    }
)

#: công chức are counted in the 20 % cap on "xuất sắc"; người lao động are not.
EMPLOYMENT_LABELS: Mapping[EmploymentType, Text] = MappingProxyType(
    {
        "cong_chuc": Text(vi="Công chức", en="Civil servant"),
        "nguoi_lao_dong": Text(vi="Người lao động", en="Contract worker"),
    }
)

#: The groups of officials with similar duties the org chart gives by role when it names none
#: (within which the 20 % cap on "xuất sắc" applies); a group the ward names shows as its id.
GROUP_LABELS: Mapping[str, Text] = MappingProxyType(
    {
        LEADERS_GROUP: Text(vi="Lãnh đạo", en="Leaders"),
        SPECIALISTS_GROUP: Text(vi="Chuyên môn", en="Specialists"),
    }
)

#: An audit's state.
AUDIT_STATUS_LABELS: Mapping[str, Text] = MappingProxyType(
    {
        "live": Text(vi="Hiệu lực", en="In force"),
        "withdrawn": Text(vi="Đã rút", en="Withdrawn"),
    }
)

#: A corrective action's (biện pháp khắc phục) state.
ACTION_STATUS_LABELS: Mapping[str, Text] = MappingProxyType(
    {
        "open": Text(vi="Đang mở", en="Open"),
        "closed": Text(vi="Đã đóng", en="Closed"),
    }
)

#: An initiative's (sáng kiến) state in the register, as the chairman or the council decides it.
INITIATIVE_STATUS_LABELS: Mapping[str, Text] = MappingProxyType(
    {
        "proposed": Text(vi="Mới đề xuất", en="Proposed"),
        "accepted": Text(vi="Được chấp nhận", en="Accepted"),
        "piloting": Text(vi="Đang áp dụng thử", en="Piloting"),
        "adopted": Text(vi="Được công nhận, áp dụng", en="Adopted"),
        "rejected": Text(vi="Không chấp nhận", en="Rejected"),
    }
)

_ROMAN = ("I", "II", "III", "IV")
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def period_label(key: str) -> Text:
    """A period as an official writes it: ``2026-01`` "tháng 01/2026" (January 2026),
    ``2026-Q1`` "quý I/2026" (Q1 2026), ``2026`` "năm 2026" (2026). Errors: ``ValueError``
    for a key that is not a period."""
    period = Period.parse(key)
    if period.kind == "month":
        return Text(
            vi=f"tháng {period.index:02d}/{period.year}",
            en=f"{_MONTHS_EN[period.index - 1]} {period.year}",
        )
    if period.kind == "quarter":
        return Text(
            vi=f"quý {_ROMAN[period.index - 1]}/{period.year}", en=f"Q{period.index} {period.year}"
        )
    return Text(vi=f"năm {period.year}", en=str(period.year))


def labels(lang: str | None = None) -> dict[str, dict[str, object]]:
    """Every table above by name, its keys as strings: each label ``{"vi", "en"}``, or the one
    text in ``lang`` when given (what ``GET /v1/labels`` answers)."""

    def shown(text: Text) -> object:
        return text.pick(lang) if lang else text.model_dump()

    tables: dict[str, Mapping[Any, Text]] = {
        "bands": BAND_LABELS,
        "levels": LEVEL_LABELS,
        "pillars": PILLAR_LABELS,
        "classification_statuses": STATUS_LABELS,
        "missing_parts": MISSING_LABELS,
        "employment_types": EMPLOYMENT_LABELS,
        "duty_groups": GROUP_LABELS,
        "audit_statuses": AUDIT_STATUS_LABELS,
        "action_statuses": ACTION_STATUS_LABELS,
        "initiative_statuses": INITIATIVE_STATUS_LABELS,
    }
    return {
        name: {str(key): shown(text) for key, text in table.items()}
        for name, table in tables.items()
    }
