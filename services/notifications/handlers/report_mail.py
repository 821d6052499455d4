"""E-mailing the period report to the ward committee once a period is finalized
(``assessment.report.issued``, made by assessment once scoring gives the period's figures as
final). The report's title and the names of its files are kept once per ward, period and
revision, and one mail per member of the committee (``rules.committee``: the policy's
``report_recipients``, else the chairman and the vice-chairmen) is queued in ``report_mails``,
keyed by ward, period, revision and recipient: a redelivered or replayed event, a restart mail
nobody twice. The scheduler's pass
sends them (``mail_queue``) in working hours, with the PDF and the workbook attached: fetched
from the REPORTS bucket (which notifications may only read) and checked against the SHA-256
the event gave. A corrected report (revision 2 on) is mailed as "Báo cáo điều chỉnh"."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from contracts.common import Text
from contracts.events import InlineReportFile, PeriodReportIssued, ReportFile
from services.notifications.adapters import org, reports
from services.notifications.adapters.channels import Refused, Unavailable
from services.notifications.adapters.tables import report_mails
from services.notifications.domain.mail import Attachment, compose_report
from services.notifications.domain.rules import committee
from services.notifications.handlers.calendar import ward_calendar
from services.notifications.handlers.context import Context
from services.notifications.handlers.deliveries import QUEUED
from services.notifications.handlers.mail_queue import MailQueue, send_queued, try_sending
from services.notifications.handlers.sending import Sender
from services.runtime.objects import Bucket, DigestMismatch, StoreUnavailable
from services.runtime.uow import UnitOfWork

log = logging.getLogger(__name__)


async def queue_report(ctx: Context, event: PeriodReportIssued) -> None:
    """Keep the report's title and the names of its files, and queue its mail to each member
    of the committee with an e-mail address (once per ward, period, revision and member)."""
    ward, data = event.ward, event.data
    await reports.keep(ctx.session, ward, data, ctx.now)
    members = committee(await org.load_people(ctx.session, ward), ctx.policy.report_recipients)
    reachable = [p.person_id for p in members if p.email]
    if len(reachable) < len(members):
        log.warning("%d of the committee have no e-mail address", len(members) - len(reachable))
    # Not an alert: it waits for working hours like any message that is not critical.
    window = ctx.policy.window(await ward_calendar(ctx, ward))
    send_after = window.send_at(ctx.now, critical=False, digest_at=None)
    if await reports.queue_mails(ctx.session, ward, data, reachable, send_after):
        ctx.uow.after_commit(QUEUED.ring)  # sent at once, not at the next tick


async def fetch_files(
    bucket: Bucket | None, files: Sequence[ReportFile | InlineReportFile]
) -> list[Attachment]:
    """The report's files as attachments: each fetched from the REPORTS bucket and checked
    against the digest the event gave (a version 1 event's carried its bytes). Errors:
    ``Unavailable`` while the bucket cannot be read (retried); ``DigestMismatch`` when a file
    is gone or not the one issued (the mail fails for good: nothing unverified is sent)."""
    attached = []
    for f in files:
        if isinstance(f, InlineReportFile):
            attached.append(Attachment(f.name, f.media_type, f.content))
            continue
        if bucket is None:
            raise Unavailable("no report bucket")
        try:
            content = await bucket.get_checked(f.object_name, f.sha256)
        except StoreUnavailable as error:
            raise Unavailable(f"report bucket: {error}") from None
        attached.append(Attachment(f.name, f.media_type, content))
    return attached


async def _send(sender: Sender, row: Any, now: datetime) -> dict[str, Any]:
    """The row's new values after one try (the files fetched only for it)."""

    async def send() -> None:
        if not row.email:
            raise Refused("no e-mail address")  # no longer on the chart, or without one
        # The PDF first, then the workbook, as the event lists them.
        attachments = await fetch_files(sender.reports, row.files)
        title = Text(vi=row.title_vi, en=row.title_en)
        mail = compose_report(row.full_name, title, attachments, row.ward_name, row.revision > 1)
        await sender.mailer.send(row.full_name, row.email, mail)

    values = await try_sending(sender, row.attempts + 1, now, send, refused=(DigestMismatch,))
    if values["status"] == "failed":
        log.warning(
            "report %s#%d for %s not sent: %s",
            row.period,
            row.revision,
            row.recipient_id,
            values["last_error"],
        )
    return values


#: The committee's report mails, sent by the scheduler's pass.
REPORT_MAILS = MailQueue(
    report_mails, ("ward", "period", "revision", "recipient_id"), reports.mail_to_send, _send
)


async def send_report_mails(units: Callable[[], UnitOfWork], sender: Sender) -> int:
    """Send the report mails due; answers how many went out."""
    return await send_queued(units, sender, REPORT_MAILS)
