"""Evidence named in text is an ``https:`` link or a name in the ward's own store, never a link
a page could run or fetch elsewhere (issue 17, item 7): refused 422 ``bad_format`` on the
field, in audits' items and in the closing of a corrective action alike."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from contracts.intake import ActionCloseIn, AuditItemIn
from services.runtime.errors import from_validation_errors


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(document.cookie)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "http://intranet.binhdong.example.vn/ho-so",
        "//evil.example/x.png",
        "/etc/passwd",
        "https://user:pass@evil.example/",
        "https:evil.example",
        "file:///C:/ho-so.pdf",
    ],
)
def test_a_link_that_is_not_https_or_the_store_is_refused(link: str) -> None:
    with pytest.raises(ValidationError) as invalid:
        ActionCloseIn(note="Đã sắp xếp lại", evidence=["photo-1.jpg", link])
    status, code, field, _ = from_validation_errors(invalid.value.errors())
    assert (status, code, field) == (422, "bad_format", "evidence[1]")
    with pytest.raises(ValidationError) as invalid:
        AuditItemIn(code="S1.01", score=2, evidence=[link])
    assert from_validation_errors(invalid.value.errors())[1:3] == ("bad_format", "evidence[0]")


@pytest.mark.parametrize(
    "reference",
    [
        "photo-17.jpg",
        "Biên bản kiểm tra 03.pdf",
        "ho-so/2026/bien-ban-03",
        "https://drive.example.vn/f/1?id=2#p3",
    ],
)
def test_https_links_and_names_in_the_store_are_taken(reference: str) -> None:
    assert ActionCloseIn(note="Đã sắp xếp lại", evidence=[reference]).evidence == [reference]
