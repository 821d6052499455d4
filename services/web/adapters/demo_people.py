"""The demo ward's people and devices with their tokens, as the demo loader wrote them
(``var/demo-tokens.json``: ``[{person_id, device_id, name, role, unit_id, token}]``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def demo_entry(path: Path, subject: str) -> dict[str, Any] | None:
    """The entry of the person or device ``subject``, or None (no such entry, no file)."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for entry in entries:
        if subject in (entry.get("person_id"), entry.get("device_id")):
            return dict(entry)
    return None
