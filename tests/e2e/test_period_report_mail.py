"""The period report reaches the ward committee when a period is finalized, every part real:
assessment, scoring and notifications as processes on a nats-server, an SMTP server (aiosmtpd).
An administrator closes last month; once scoring gives its figures as final, assessment issues
the report and notifications mails it, with the PDF and the workbook attached, once to each of
the chairman and the vice-chairmen, and never again: not after both services restart, not
when the event is published once more. The files travel in the REPORTS bucket, not in the
event. Reopened, an audit amended and closed again, the corrected report ("Báo cáo điều
chỉnh") goes once to each; reopened and closed again with nothing changed, nothing goes."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from datetime import datetime, time
from pathlib import Path

import nats
import openpyxl
import pytest

from contracts.common import LOCAL_TZ
from contracts.figures import written
from contracts.periods import Month
from tests.conftest import WARD
from tests.notifications.harness import Mailbox
from tests.support.http import eventually
from tests.support.stack import SERVICE_NAMES, Stack
from tests.web.conftest import api
from tools.demo import audit_body

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

COMMITTEE = ("p001", "p002", "p003")  # the demo ward's chairman and vice-chairmen
UNITS = {"vp": "Văn phòng HĐND và UBND", "vhxh": "Phòng Văn hóa - Xã hội"}
#: A working morning (Tuesday 01/12/2026) on notifications' clock: the report is no alert and
#: waits for working hours, like any message that is not critical.
WORKING_MORNING = datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    yield box
    box.stop()


def last_month_audit(unit_id: str, score: int, month: Month) -> dict:
    """An audit of ``unit_id`` performed on the last day of ``month``, every item at ``score``."""
    last_day = month.shift(1).first_day().toordinal() - 1
    performed = datetime.combine(datetime.fromordinal(last_day).date(), time(10), LOCAL_TZ)
    return {
        **audit_body(unit_id, score),
        "period": month.key,
        "performed_at": performed.isoformat(),
    }


async def pdf_text(content: bytes, tmp_path: Path) -> str:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(content)
    done = await asyncio.create_subprocess_exec(
        "pdftotext", "-layout", str(pdf), "-", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await done.communicate()
    assert done.returncode == 0
    return out.decode()


async def test_a_finalized_month_mails_its_report_once_to_each_member_of_the_committee(
    nats_server, mailbox: Mailbox, tmp_path: Path
) -> None:
    databases = {name: f"sqlite+aiosqlite:///{tmp_path / name}.db" for name in SERVICE_NAMES}
    env = {
        "WARD5S_NOTIFICATIONS_SMTP_PORT": str(mailbox.port),
        "WARD5S_NOTIFICATIONS_CLOCK_START": WORKING_MORNING.isoformat(),
        "WARD5S_NOTIFICATIONS_TICK_S": "0.5",
        "WARD5S_ASSESSMENT_REPORT_INTERVAL_S": "0.5",
        "WARD5S_ASSESSMENT_REPORT_SETTLE_S": "3",
    }
    stack = Stack(nats_server.url, databases, tmp_path, extra_env=env)
    tokens = {t["person_id"] or t["device_id"]: t["token"] for t in stack.load_demo(tmp_path / "t")}
    stack.start()
    try:
        month = Month.of(datetime.now(LOCAL_TZ)).shift(-1)
        admin, auditor, chairman = tokens["p006"], tokens["p011"], tokens["p001"]
        assessment, scoring = stack.url("assessment"), stack.url("scoring")
        # Last month may be past its close day (closed by its date): reopen it for the audits.
        reopen = f"{assessment}/v1/periods/{month.key}/reopen"
        await api("POST", reopen, admin, json={"reason": "Bổ sung đánh giá"})
        audits = {}
        for unit, score in (("vp", 3), ("vhxh", 4)):
            sent = await api(
                "POST",
                f"{assessment}/v1/audits",
                auditor,
                json=last_month_audit(unit, score, month),
            )
            assert sent.status_code == 201, sent.text
            audits[unit] = sent.json()["audit_id"]

        async def scored() -> dict | None:
            got = await api(
                "GET", f"{scoring}/v1/units/vp/scores", chairman, params={"period": month.key}
            )
            return got.json() if got.status_code == 200 and got.json()["total_percent"] else None

        await eventually(scored, within=30, interval=0.5)
        closed = await api("POST", f"{assessment}/v1/periods/{month.key}/close", admin)
        assert closed.status_code == 200, closed.text

        def reports(subject: str = "[5S+] Báo cáo") -> list:
            return [m for m in mailbox.messages if m.subject.startswith(subject)]

        async def one_each(subject: str) -> list:
            """The mails whose subject begins so, once one has reached each member."""

            async def all_told() -> bool:
                return len(reports(subject)) >= len(COMMITTEE)

            await eventually(all_told, within=60, interval=0.5)
            mails = reports(subject)
            assert sorted(m.to for m in mails) == [f"{p}@binhdong.example.vn" for p in COMMITTEE]
            return mails

        mails = await one_each("[5S+] Báo cáo")
        for mail in mails:
            assert "Tệp đính kèm" in mail.text and "Attached" in mail.text
            assert "điều chỉnh" not in mail.subject
        first = await assert_figures_as_scoring_gives(mails, scoring, chairman, month, tmp_path)

        # Once only: the event published again, both services restarted, several passes later.
        client = await nats.connect(nats_server.url)
        try:
            js = client.jetstream()
            stored = await js.get_last_msg("ASSESSMENT", f"ward5s.{WARD}.assessment.report.issued")
            # Facts, not files: the event names the two objects with their size and digest.
            event = json.loads(stored.data)
            assert len(stored.data) < 4_000 and event["schema_version"] == 2
            for file in event["data"]["files"]:
                assert set(file) == {"name", "media_type", "object_name", "size", "sha256"}
                assert file["object_name"].startswith(f"{WARD}/{month.key}/{file['sha256']}")
            await js.publish(stored.subject, stored.data, headers={"Nats-Msg-Id": "again"})
        finally:
            await client.close()
        for name in ("assessment", "notifications"):
            stack.services[name].stop()
        stack.start("assessment", "notifications")
        await asyncio.sleep(5)
        assert len(reports()) == len(COMMITTEE)

        # Reopened, an audit changed, closed again: the corrected report, once to each.
        await api("POST", reopen, admin, json={"reason": "Sửa điểm Văn phòng"})
        amended = await api(
            "POST",
            f"{assessment}/v1/audits/{audits['vp']}/amend",
            auditor,
            json={"items": audit_body("vp", 4)["items"], "reason": "Chấm lại sau phúc tra"},
        )
        assert amended.status_code == 200, amended.text
        closed = await api("POST", f"{assessment}/v1/periods/{month.key}/close", admin)
        assert closed.status_code == 200, closed.text

        fixed = await one_each("[5S+] Báo cáo điều chỉnh")
        for mail in fixed:
            assert mail.text.splitlines()[0].startswith("Báo cáo điều chỉnh")
        figures = await assert_figures_as_scoring_gives(fixed, scoring, chairman, month, tmp_path)
        # The amended audit's (every item at 4 instead of 3), as vhxh's; the rest as mailed.
        assert figures["vp"]["total_percent"] == first["vhxh"]["total_percent"]
        assert figures["vp"]["total_percent"] > first["vp"]["total_percent"]
        assert figures["vhxh"]["total_percent"] == first["vhxh"]["total_percent"]

        # Reopened and closed again with nothing changed: no mail (the job weighs the close for
        # its settling time, 3 s here, then lets it be).
        await api("POST", reopen, admin, json={"reason": "Kiểm tra lại"})
        closed = await api("POST", f"{assessment}/v1/periods/{month.key}/close", admin)
        assert closed.status_code == 200, closed.text
        await asyncio.sleep(8)
        assert len(reports()) == 2 * len(COMMITTEE)
    finally:
        stack.stop()


async def assert_figures_as_scoring_gives(
    mails: list, scoring: str, chairman: str, month: Month, tmp_path: Path
) -> dict[str, dict]:
    """Each mail carries the PDF and the workbook; both show each unit's total as scoring's
    API gives it now, final. Answers scoring's figures by unit."""
    figures = {}
    for unit in UNITS:
        got = await api(
            "GET", f"{scoring}/v1/units/{unit}/scores", chairman, params={"period": month.key}
        )
        assert got.json()["provisional"] is False  # the figures mailed are final
        figures[unit] = got.json()
    pdf_name, xlsx_name = f"bao-cao-5s-{month.key}.pdf", f"bao-cao-5s-{month.key}.xlsx"
    for mail in mails:
        assert set(mail.attachments) == {pdf_name, xlsx_name}
    text = await pdf_text(mails[0].attachments[pdf_name], tmp_path)
    for unit, name in UNITS.items():
        # The chart's line of the unit: its name and its total as scoring gives it.
        total = written(figures[unit]["exact"]["total_percent"], "vi")  # once, from exact
        assert any(name in line and f"{total} %" in line for line in text.splitlines())
    sheet = openpyxl.load_workbook(io.BytesIO(mails[0].attachments[xlsx_name])).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    by_unit = {r[header.index("Đơn vị")]: r for r in rows}
    for unit, name in UNITS.items():
        row = by_unit[name]
        assert row[header.index("Tổng điểm 5S (%)")] == figures[unit]["total_percent"]
        assert row[header.index("Hạng")] is not None
    return figures
