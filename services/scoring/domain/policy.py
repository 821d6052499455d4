"""The scoring policy: thresholds and weights, versioned, loaded from one YAML file."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"
DEFAULT_POLICY_VERSION = "2026.1"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class UnitThresholds(Frozen):
    pillar_below: float = Field(ge=0, le=100)
    total_below: float = Field(ge=0, le=100)


class Policy(Frozen):
    version: str
    unit: UnitThresholds
    alert_on_provisional: bool = True

    def unit_threshold(self, metric: str) -> float:
        return self.unit.total_below if metric == "total" else self.unit.pillar_below


def load_policy(path: Path) -> Policy:
    return Policy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def default_policy() -> Policy:
    return load_policy(POLICY_DIR / f"{DEFAULT_POLICY_VERSION}.yaml")
