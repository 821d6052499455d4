"""The e-mails' footer names the ward's People's Committee (issue 18, item 5), in alerts and in
sign-in links alike, in both languages."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.common import Text
from services.notifications.domain.mail import MailItem, compose, compose_sign_in

ITEM = MailItem(title=Text(vi="Tiêu đề", en="Title"), body=Text(vi="Nội dung", en="Body"))


def test_the_footer_names_the_ward() -> None:
    mail = compose("Nguyễn Văn An", [ITEM], "Phường Bình Đông")
    assert mail.text.splitlines()[-2:] == [
        "Hệ thống 5S+ của UBND Phường Bình Đông (thư tự động, vui lòng không trả lời).",
        "The 5S+ system of UBND Phường Bình Đông (an automatic e-mail; please do not reply).",
    ]
    assert "Hệ thống 5S+ của UBND Phường Bình Đông" in mail.html
    link = compose_sign_in(
        "Nguyễn Văn An", "https://5s.example.vn/x", "invitation", datetime(2026, 3, 1, tzinfo=UTC),
        "Phường Bình Đông",
    )  # fmt: skip
    assert link.text.splitlines()[-2] == (
        "Hệ thống 5S+ của UBND Phường Bình Đông (thư tự động, vui lòng không trả lời)."
    )
    assert "UBND Phường Bình Đông" in link.html


def test_a_ward_without_a_name_reads_as_the_ward() -> None:
    assert "Hệ thống 5S+ của UBND phường (thư tự động" in compose("An", [ITEM]).text
