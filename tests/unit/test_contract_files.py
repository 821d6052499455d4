"""The published JSON Schemas and AsyncAPI documents match the code: change a model without
running ``make schemas`` and this fails."""

from __future__ import annotations

import pytest

from tools.schemas import ROOT, expected_files


@pytest.mark.parametrize("path_text", sorted(expected_files().items()), ids=lambda p: p[0].name)
def test_generated_file_is_current(path_text) -> None:
    path, text = path_text
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run `make schemas`"
    assert path.read_text(encoding="utf-8") == text, (
        f"{path.relative_to(ROOT)} is stale: run `make schemas`"
    )


def test_every_event_has_a_schema() -> None:
    from contracts.events import EVENT_TYPES

    schemas = [p for p in expected_files() if p.parent.name == "schemas"]
    assert len(schemas) == len(EVENT_TYPES)
