"""The 5S+ criteria catalogue (bộ tiêu chí): its format and the default one shipped with ward5s.

A catalogue is versioned and immutable once used: an audit or self-assessment names the version it
was scored against, and the events carry each item's pillar and weight so that nothing downstream
has to look the catalogue up again.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field, StrictInt, model_validator

from contracts.common import PILLARS, Contract, Text
from contracts.yamlfile import read_yaml

SCORE_MIN = 0
SCORE_MAX = 4
CATALOG_DIR = Path(__file__).parent / "catalogs"
#: The version new audits and self-assessments are scored against unless they name another. Older
#: shipped versions stay stored (and valid) for the audits that were scored against them.
DEFAULT_CATALOG_VERSION = "2026.2"


class Anchors(Contract):
    """What each score means for one item, written so two auditors give the same score."""

    score_0: Text = Field(alias="0")
    score_1: Text = Field(alias="1")
    score_2: Text = Field(alias="2")
    score_3: Text = Field(alias="3")
    score_4: Text = Field(alias="4")


class CatalogItem(Contract):
    code: str = Field(pattern=r"^(S[1-5]|P)\.\d{1,2}$")
    text: Text
    weight: float = Field(default=1.0, gt=0, le=10, strict=True)
    anchors: Anchors


class Pillar(Contract):
    code: str
    name: Text
    description: Text
    weight: float = Field(default=1.0, gt=0, le=10, strict=True)
    items: tuple[CatalogItem, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _items_belong_here(self) -> Pillar:
        strangers = [item.code for item in self.items if not item.code.startswith(self.code + ".")]
        if strangers:
            raise ValueError(f"items {strangers} do not belong to pillar {self.code}")
        return self


class Catalog(Contract):
    """One version of the criteria: the S1–S5 checklist and the P ("+") items."""

    version: str = Field(pattern=r"^\d{4}\.\d+$")
    title: Text
    #: Weights and the scale decide scores: only JSON numbers are taken (never "1.5" or true).
    scale: tuple[StrictInt, StrictInt] = (SCORE_MIN, SCORE_MAX)
    pillars: tuple[Pillar, ...]

    @model_validator(mode="after")
    def _well_formed(self) -> Catalog:
        codes = [pillar.code for pillar in self.pillars]
        if sorted(codes) != sorted(PILLARS):
            raise ValueError(f"a catalogue has exactly the pillars {PILLARS}, got {codes}")
        items = [item.code for pillar in self.pillars for item in pillar.items]
        if len(items) != len(set(items)):
            raise ValueError("item codes must be unique")
        return self

    def pillar(self, code: str) -> Pillar:
        return next(p for p in self.pillars if p.code == code)

    def items_of(self, *pillars: str) -> dict[str, CatalogItem]:
        """The items of the given pillars by code, in catalogue order."""
        return {item.code: item for p in self.pillars if p.code in pillars for item in p.items}

    @property
    def audit_items(self) -> dict[str, CatalogItem]:
        """What an auditor scores: every S1–S5 item."""
        return self.items_of("S1", "S2", "S3", "S4", "S5")

    @property
    def plus_items(self) -> dict[str, CatalogItem]:
        """What a person self-assesses: the P items."""
        return self.items_of("P")

    def pillar_of(self, item_code: str) -> str:
        return item_code.split(".", 1)[0]


def load_catalog(path: Path) -> Catalog:
    return Catalog.model_validate(read_yaml(path))


def _version_key(version: str) -> tuple[int, int]:
    year, number = version.split(".")
    return int(year), int(number)


def shipped_versions() -> tuple[str, ...]:
    """The catalogue versions shipped with ward5s (``YYYY.N``), oldest first."""
    return tuple(sorted((p.stem for p in CATALOG_DIR.glob("*.yaml")), key=_version_key))


@cache
def shipped_catalog(version: str) -> Catalog:
    """One shipped catalogue version. Errors: FileNotFoundError for a version not shipped."""
    return load_catalog(CATALOG_DIR / f"{version}.yaml")


def default_catalog() -> Catalog:
    """The current catalogue shipped with ward5s for a ward office."""
    return shipped_catalog(DEFAULT_CATALOG_VERSION)
