"""One e-mail per leader per send: every alert due for them grouped in one message, Vietnamese
first and English below, as plain text and HTML (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from contracts.common import LOCAL_TZ, Text


@dataclass(frozen=True)
class MailItem:
    title: Text
    body: Text
    resolved: bool = False  # a notice that the cause has cleared
    ack_url: str | None = None
    snooze_url: str | None = None


@dataclass(frozen=True)
class Attachment:
    """A file the mail carries (the period report's PDF and workbook)."""

    name: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()


def _subject(items: Sequence[MailItem]) -> str:
    if len(items) == 1:
        prefix = "Đã khắc phục: " if items[0].resolved else ""
        return f"[5S+] {prefix}{items[0].title.vi}"
    open_count = sum(not i.resolved for i in items)
    resolved_count = len(items) - open_count
    parts = [f"{open_count} cảnh báo"] if open_count else []
    if resolved_count:
        parts.append(f"{resolved_count} thông báo đã khắc phục")
    return "[5S+] " + ", ".join(parts)


def _heading(item: MailItem, lang: str) -> str:
    if not item.resolved:
        return item.title.pick(lang)
    return ("Đã khắc phục: " if lang == "vi" else "Resolved: ") + item.title.pick(lang)


def _links(item: MailItem, lang: str) -> list[tuple[str, str]]:
    if item.resolved or not item.ack_url or not item.snooze_url:
        return []
    ack, snooze = (
        ("Xác nhận đã nhận", "Nhắc lại sau") if lang == "vi" else ("Acknowledge", "Snooze")
    )
    return [(ack, item.ack_url), (snooze, item.snooze_url)]


def footer(ward_name: str | None) -> Text:
    """The e-mails' last line, naming the ward's People's Committee ("UBND Phường Bình Đông";
    "UBND phường" for a ward whose chart gave no name)."""
    committee = f"UBND {ward_name}" if ward_name else "UBND phường"
    return Text(
        vi=f"Hệ thống 5S+ của {committee} (thư tự động, vui lòng không trả lời).",
        en=f"The 5S+ system of {committee} (an automatic e-mail; please do not reply).",
    )


def _footers(ward_name: str | None) -> tuple[list[str], str]:
    """The footer as text lines and as HTML, Vietnamese then English."""
    said = footer(ward_name)
    html = f'<p><small>{escape(said.vi)}<br><span lang="en">{escape(said.en)}</span></small></p>'
    return [said.vi, said.en], html


def compose(recipient_name: str, items: Sequence[MailItem], ward_name: str | None = None) -> Mail:
    text_parts = [f"Kính gửi {recipient_name},", ""]
    html_parts = [f"<p>Kính gửi {escape(recipient_name)},</p>"]
    for lang in ("vi", "en"):
        if lang == "en":
            text_parts += ["-- English --", ""]
            html_parts.append('<hr><p lang="en"><em>English</em></p>')
        for number, item in enumerate(items, 1):
            text_parts += [f"{number}. {_heading(item, lang)}", item.body.pick(lang)]
            links = _links(item, lang)
            text_parts += [f"{label}: {url}" for label, url in links]
            text_parts.append("")
            html_parts.append(f"<h3>{number}. {escape(_heading(item, lang))}</h3>")
            html_parts.append(
                "<p>" + "<br>".join(escape(line) for line in item.body.pick(lang).split("\n"))
            )
            if links:
                anchors = [
                    f'<a href="{escape(url, quote=True)}">{escape(label)}</a>'
                    for label, url in links
                ]
                html_parts.append("<p>" + " · ".join(anchors) + "</p>")
    text_footer, html_footer = _footers(ward_name)
    text_parts += text_footer
    html_parts.append(html_footer)
    html = '<html lang="vi"><body>' + "\n".join(html_parts) + "</body></html>"
    return Mail(subject=_subject(items), text="\n".join(text_parts), html=html)


def compose_sign_in(
    full_name: str, link: str, purpose: str, expires_at: datetime, ward_name: str | None = None
) -> Mail:
    """The e-mail of a one-time link to set one's password: an invitation (``purpose``
    "invitation") or a reset, Vietnamese first and English below, with its expiry in Vietnam
    time (dd/mm/yyyy HH:MM)."""
    until = expires_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")
    text_footer, html_footer = _footers(ward_name)
    if purpose == "invitation":
        subject = "[5S+] Mời đặt mật khẩu đăng nhập"
        vi = "Anh/chị được mời sử dụng hệ thống 5S+ của phường. Hãy đặt mật khẩu tại liên kết:"
        en = "You are invited to the ward's 5S+ system. Set your password at this link:"
    else:
        subject = "[5S+] Đặt lại mật khẩu"
        vi = "Có yêu cầu đặt lại mật khẩu của anh/chị. Hãy đặt mật khẩu mới tại liên kết:"
        en = "A password reset was asked for your account. Set a new password at this link:"
    vi_after = (
        f"Liên kết chỉ dùng được một lần, đến {until} (giờ Việt Nam). Nếu anh/chị không yêu cầu, "
        "hãy bỏ qua thư này."
    )
    en_after = (
        f"The link works once, until {until} (Vietnam time). If you did not ask for it, ignore "
        "this e-mail."
    )
    text = "\n".join(
        [
            f"Kính gửi {full_name},",
            "",
            vi,
            link,
            vi_after,
            "",
            "-- English --",
            "",
            f"Dear {full_name},",
            en,
            link,
            en_after,
            "",
            *text_footer,
        ]
    )
    anchor = f'<a href="{escape(link, quote=True)}">{escape(link)}</a>'
    html = (
        f'<html lang="vi"><body><p>Kính gửi {escape(full_name)},</p>'
        f"<p>{escape(vi)}<br>{anchor}</p><p>{escape(vi_after)}</p>"
        f'<hr><div lang="en"><p>Dear {escape(full_name)},</p>'
        f"<p>{escape(en)}<br>{anchor}</p><p>{escape(en_after)}</p></div>"
        f"{html_footer}</body></html>"
    )
    return Mail(subject=subject, text=text, html=html)


#: How a corrected period report is named, and why it comes.
CORRECTED = Text(vi="Báo cáo điều chỉnh", en="Corrected report")
CORRECTED_WHY = Text(
    vi="kỳ đã được mở lại và khóa sổ lại, số liệu chính thức đã thay đổi; báo cáo này thay "
    "thế báo cáo đã gửi trước đây.",
    en="the period was reopened and closed again and its final figures changed; this report "
    "replaces the one sent before.",
)


def compose_report(
    full_name: str,
    title: Text,
    attachments: Sequence[Attachment],
    ward_name: str | None = None,
    corrected: bool = False,
) -> Mail:
    """The period report's e-mail to a member of the ward committee: its title, the files
    attached (the printable PDF, the workbook), Vietnamese first and English below. A
    ``corrected`` report (its period closed again with other figures) says so in its subject
    and its first line: "Báo cáo điều chỉnh", replacing the one sent before."""
    text_footer, html_footer = _footers(ward_name)
    names = ", ".join(a.name for a in attachments)
    vi = f"Kính gửi {full_name}, xin gửi {title.vi} (kỳ đã khóa sổ, số liệu chính thức)."
    en = f"Dear {full_name}, please find the {title.en} (period closed, final figures)."
    vi_files = f"Tệp đính kèm: {names} (bản in A4 và bảng tính)."
    en_files = f"Attached: {names} (printable A4 and workbook)."
    vi_lines, en_lines = [vi, vi_files], [en, en_files]
    if corrected:
        vi_lines.insert(0, f"{CORRECTED.vi}: {CORRECTED_WHY.vi}")
        en_lines.insert(0, f"{CORRECTED.en}: {CORRECTED_WHY.en}")
    text = "\n".join([*vi_lines, "", "-- English --", "", *en_lines, "", *text_footer])
    html = (
        '<html lang="vi"><body>'
        + "".join(f"<p>{escape(line)}</p>" for line in vi_lines)
        + '<hr><div lang="en">'
        + "".join(f"<p>{escape(line)}</p>" for line in en_lines)
        + f"</div>{html_footer}</body></html>"
    )
    subject = f"[5S+] {CORRECTED.vi}: {title.vi}" if corrected else f"[5S+] {title.vi}"
    return Mail(subject, text, html, tuple(attachments))
