"""One spelling of "khóa" (khóa sổ: a closed month) across every text people read: the
tables of labels, messages and page texts, and the catalogues. The project writes the tone
mark on the "o" ("khóa"), as official documents now usually do; "khoá" must not come back."""

from __future__ import annotations

import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Every table of texts in Vietnamese: the services' messages and page texts, the shared
#: labels and refusals, and the catalogues' criteria.
TABLES = sorted(
    [
        *ROOT.glob("services/*/domain/*.yaml"),
        ROOT / "services/runtime/refusals.yaml",
        ROOT / "services/runtime/headings.yaml",
        ROOT / "contracts/labels.yaml",
        *ROOT.glob("contracts/catalogs/*.yaml"),
    ]
)


def composed(path: Path) -> str:
    return unicodedata.normalize("NFC", path.read_text(encoding="utf-8")).casefold()


def test_the_text_tables_write_khoa_one_way() -> None:
    found = {path.relative_to(ROOT).as_posix() for path in TABLES}
    # The tables read are the ones people see: a moved file must not leave the check empty.
    assert {
        "services/web/domain/texts.yaml",
        "services/web/domain/leader_texts.yaml",
        "services/notifications/domain/texts.yaml",
        "services/assessment/domain/messages.yaml",
        "services/runtime/refusals.yaml",
        "services/runtime/headings.yaml",
        "contracts/labels.yaml",
    } <= found
    other = unicodedata.normalize("NFC", "khoá")
    assert other != unicodedata.normalize("NFC", "khóa")
    written = {path.relative_to(ROOT).as_posix(): composed(path) for path in TABLES}
    assert [name for name, text in written.items() if other in text] == []
    # The form kept is the one in use (a closed month is "đã khóa sổ" on the checklist).
    assert "đã khóa sổ" in written["services/web/domain/texts.yaml"]
