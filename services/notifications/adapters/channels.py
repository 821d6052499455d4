"""The channels a message goes out on: e-mail over SMTP here, the signed JSON webhook in
``webhooks``.

A channel that is down (connection refused, timeout, a 4xx SMTP reply, a 5xx HTTP reply) raises
:class:`Unavailable`: the delivery is retried later. An address the other side refuses for good
(a 5xx SMTP reply, a 4xx HTTP reply) raises :class:`Refused`: it is reported, not retried.
"""

from __future__ import annotations

import asyncio
import email.policy
from email.message import EmailMessage
from email.utils import formataddr, parseaddr

import aiosmtplib

from services.notifications.domain.mail import Mail

#: Python's header folding drops the space between two RFC 2047 encoded words where it breaks a
#: long Vietnamese subject ("tự đánh" arrives as "tựđánh"); lines up to RFC 5322's hard limit
#: keep a subject on one line.
_MAIL_POLICY = email.policy.SMTP.clone(max_line_length=998)


class Unavailable(Exception):
    """The channel is down for now: try again later."""


class Refused(Exception):
    """The address is refused for good: report it, do not retry."""


class Mailer:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        user: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout_s: float = 10.0,
        deadline_s: float = 60.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.starttls, self.timeout_s = (
            user,
            password,
            starttls,
            timeout_s,
        )
        #: One deadline for the whole exchange: ``timeout_s`` bounds each reply alone, so a
        #: server answering a byte at a time would otherwise hold the message for ever.
        self.deadline_s = deadline_s

    async def send(self, to_name: str, to_address: str, mail: Mail, key: str | None = None) -> None:
        """Send ``mail``; ``key``, when given, makes its Message-ID (``<key@sender's domain>``),
        the same on every attempt so that a copy sent again is known as one (RFC 5322 3.6.4).
        Raises ``Unavailable`` (retry) or ``Refused`` (for good)."""
        message = EmailMessage(policy=_MAIL_POLICY)
        if key is not None:
            domain = parseaddr(self.sender)[1].rpartition("@")[2] or "ward5s.invalid"
            message["Message-ID"] = f"<{key}@{domain}>"
        message["From"] = self.sender
        message["To"] = formataddr((to_name, to_address))
        message["Subject"] = mail.subject
        message["Content-Language"] = "vi"
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
        for file in mail.attachments:
            kind, _, subtype = file.media_type.partition("/")
            message.add_attachment(file.content, maintype=kind, subtype=subtype, filename=file.name)
        try:
            async with asyncio.timeout(self.deadline_s):
                await self._send(message, to_address)
        except TimeoutError:
            raise Unavailable(f"no answer within {self.deadline_s:g} s") from None

    async def _send(self, message: EmailMessage, to_address: str) -> None:
        try:
            await aiosmtplib.send(
                # Flattened here: given the message, aiosmtplib would fold it with its own policy.
                message.as_bytes(policy=_MAIL_POLICY),
                sender=parseaddr(self.sender)[1],
                recipients=[to_address],
                hostname=self.host,
                port=self.port,
                username=self.user,
                password=self.password,
                start_tls=self.starttls,
                timeout=self.timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refusal.code for refusal in error.recipients]
            raise (Refused if all(code >= 500 for code in codes) else Unavailable)(
                f"recipient refused ({', '.join(map(str, codes))})"
            ) from error
        except aiosmtplib.SMTPResponseException as error:
            kind = Refused if error.code >= 500 else Unavailable
            raise kind(f"SMTP {error.code}") from error
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise Unavailable(type(error).__name__) from error
