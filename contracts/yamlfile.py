"""Reading the project's YAML data files (catalogues, policies, message tables, calendars).

With libyaml's safe loader when PyYAML was built with it (about ten times faster than the
pure-Python one, and every service reads its catalogues, policy and texts at start), the
pure-Python safe loader otherwise; both build the same plain values (no tags, no objects)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """The plain value (mappings, lists, strings, numbers, dates) a UTF-8 YAML file holds; None
    for an empty file. Errors: ``OSError`` reading it, ``yaml.YAMLError`` for bad YAML."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
