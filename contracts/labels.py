"""The one table of labels every service and front-end shows (the web pages read it from
scoring's ``GET /v1/labels``; e-mails, exports and refusals import it): the bands of a person's
classification in the decree's words, the levels of a citizen's rating, the names of the 5S+
pillars, the states of audits, corrective actions, initiatives and classifications, and the way
an official writes a period ("tháng 01/2026", "quý I/2026", "năm 2026"), in Vietnamese (first) and
English. The terms are those of docs/GLOSSARY.md."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, TypeVar

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

K = TypeVar("K")


def _texts(table: Mapping[K, tuple[str, str]]) -> Mapping[K, Text]:
    """A read-only table of labels from its ``(Vietnamese, English)`` pairs."""
    return MappingProxyType({key: Text(vi=vi, en=en) for key, (vi, en) in table.items()})


#: A person's band for a period (Decree 335/2025/NĐ-CP, the four ratings of officials).
BAND_LABELS: Mapping[Band, Text] = _texts(
    {
        "xuat_sac": ("Hoàn thành xuất sắc nhiệm vụ", "Completed duties with excellence"),
        "tot": ("Hoàn thành tốt nhiệm vụ", "Completed duties well"),
        "hoan_thanh": ("Hoàn thành nhiệm vụ", "Completed duties"),
        "khong_hoan_thanh": ("Không hoàn thành nhiệm vụ", "Did not complete duties"),
    }
)

#: A citizen's rating of a unit, 5 (best) to 1 (the levels of the national SIPAS survey).
LEVEL_LABELS: Mapping[int, Text] = _texts(
    {
        5: ("Rất hài lòng", "Very satisfied"),
        4: ("Hài lòng", "Satisfied"),
        3: ("Bình thường", "Neutral"),
        2: ("Không hài lòng", "Dissatisfied"),
        1: ("Rất không hài lòng", "Very dissatisfied"),
    }
)

#: The pillars' names, as the default catalogue gives them (S1 "Sàng lọc" .. P, the "+").
PILLAR_LABELS: Mapping[str, Text] = MappingProxyType(
    {code: default_catalog().pillar(code).name for code in PILLARS}
)

#: Where a person stands for a period when no band is given yet.
STATUS_LABELS: Mapping[ClassificationStatus, Text] = _texts(
    {
        "classified": ("Đã xếp loại", "Classified"),
        "not_classified": ("Chưa đủ dữ liệu để xếp loại", "Not enough data to classify"),
        "pending_decision": ("Chờ Chủ tịch quyết định", "Awaiting the chairman's decision"),
    }
)

#: What keeps a person from being classified.
MISSING_LABELS: Mapping[MissingPart, Text] = _texts(
    {
        "task_points": ("kết quả thực hiện nhiệm vụ", "task results"),
        "plus_review": ('tự đánh giá "+" đã được duyệt', 'an approved "+" review'),
    }
)

#: công chức are counted in the 20 % cap on "xuất sắc"; người lao động are not.
EMPLOYMENT_LABELS: Mapping[EmploymentType, Text] = _texts(
    {
        "cong_chuc": ("Công chức", "Civil servant"),
        "nguoi_lao_dong": ("Người lao động", "Contract worker"),
    }
)

#: The groups of officials with similar duties the org chart gives by role when it names none
#: (within which the 20 % cap on "xuất sắc" applies); a group the ward defines has its name in
#: the org chart (``OrgChartPublishedData.duty_groups``).
GROUP_LABELS: Mapping[str, Text] = _texts(
    {
        LEADERS_GROUP: ("Lãnh đạo", "Leaders"),
        SPECIALISTS_GROUP: ("Chuyên môn", "Specialists"),
    }
)

#: An audit's state.
AUDIT_STATUS_LABELS: Mapping[str, Text] = _texts(
    {
        "live": ("Hiệu lực", "In force"),
        "withdrawn": ("Đã rút", "Withdrawn"),
    }
)

#: A corrective action's (biện pháp khắc phục) state.
ACTION_STATUS_LABELS: Mapping[str, Text] = _texts(
    {
        "open": ("Đang mở", "Open"),
        "closed": ("Đã đóng", "Closed"),
    }
)

#: An initiative's (sáng kiến) state in the register, as the chairman or the council decides it.
INITIATIVE_STATUS_LABELS: Mapping[str, Text] = _texts(
    {
        "proposed": ("Mới đề xuất", "Proposed"),
        "accepted": ("Được chấp nhận", "Accepted"),
        "piloting": ("Đang áp dụng thử", "Piloting"),
        "adopted": ("Được công nhận, áp dụng", "Adopted"),
        "rejected": ("Không chấp nhận", "Rejected"),
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
