"""Reading the scoring policy from its versioned YAML file (``policies/<version>.yaml``) into
the pure model (:class:`~services.scoring.domain.policy.Policy`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from contracts.yamlfile import read_yaml
from services.scoring.domain.policy import Policy

POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"
DEFAULT_POLICY_VERSION = "2026.2"


def load_policy(path: Path) -> Policy:
    """The policy in ``path``; pydantic's ``ValidationError`` if it breaks the model's rules."""
    return Policy.model_validate(read_yaml(path))


@cache
def default_policy() -> Policy:
    """The policy of :data:`DEFAULT_POLICY_VERSION`, read once."""
    return load_policy(POLICY_DIR / f"{DEFAULT_POLICY_VERSION}.yaml")
