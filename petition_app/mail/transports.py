"""Where mails go: an SMTP server when MAIL_SERVER is set, else `.eml` files in the instance outbox,
so that a newcomer's demo needs no mail server and the confirmation link can be opened from a file.

Both sign every mail with DKIM when a key is configured (mail/authentication.py), the ones built as
messages and the bulk copies handed over as bytes alike, and both use the envelope sender the mail was
given (a VERP address when MAIL_BOUNCE_ADDRESS is set, mail.envelope_sender)."""
import itertools
import smtplib
import uuid
from datetime import datetime, timezone
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import getaddresses
from pathlib import Path
from typing import Any, Mapping, Self

from flask import Flask, current_app

from .addresses import envelope_sender
from .authentication import sign


def flatten(message: EmailMessage) -> tuple[str, list[str], bytes, bool]:
    """(envelope sender, envelope recipients, bytes with CRLF line ends, whether it needs SMTPUTF8)."""
    recipients = [address for _, address in getaddresses([str(v) for v in message.get_all("To", [])])]
    envelope = envelope_sender(getattr(message, "about", None))
    international = any(not address.isascii() for address in (*recipients, envelope))
    return envelope, recipients, message.as_bytes(policy=SMTPUTF8 if international else SMTP), international


class SMTPTransport:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self.connection: smtplib.SMTP | None = None  # open between __enter__ and __exit__

    def __enter__(self) -> Self:
        cfg = self.config
        self.connection = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"])
        if cfg["MAIL_USE_TLS"]:
            self.connection.starttls()
        if cfg["MAIL_USERNAME"]:
            self.connection.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        return self

    def send(self, message: EmailMessage) -> None:
        envelope, recipients, data, international = flatten(message)
        self.send_raw(envelope, recipients, data, international)

    def send_raw(self, sender: str, recipients: list[str], data: bytes, international: bool = False) -> None:
        """Send a message already turned into bytes (bulk mail assembles them itself, notifications/mailing.py),
        signed on the way out."""
        if self.connection is None:
            raise RuntimeError("SMTPTransport sends only inside its with block")
        options: tuple[str, ...] = ()
        if international:
            self.connection.ehlo_or_helo_if_needed()
            if not self.connection.has_extn("smtputf8"):
                raise smtplib.SMTPNotSupportedError("the mail server does not take non-ASCII addresses (SMTPUTF8)")
            options = ("SMTPUTF8", "BODY=8BITMIME")
        self.connection.sendmail(sender, recipients, sign(data), options)

    def __exit__(self, *exc: object) -> None:
        if self.connection is None:
            return
        try:
            self.connection.quit()
        except smtplib.SMTPException:
            self.connection.close()


# Mails written within the same microsecond (or under a frozen clock in tests) still sort in the
# order they were sent.
_SEQUENCE = itertools.count()


class OutboxTransport:
    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def __enter__(self) -> Self:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def send(self, message: EmailMessage) -> None:
        envelope, recipients, data, international = flatten(message)
        self.send_raw(envelope, recipients, data, international)

    def send_raw(self, sender: str, recipients: list[str], data: bytes, international: bool = False) -> None:
        """Write the signed mail, with the Return-Path an MTA would add, to a file of its own."""
        data = f"Return-Path: <{sender}>\r\n".encode() + sign(data)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        path = self.folder / f"{stamp}-{next(_SEQUENCE):09d}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(data)

    def __exit__(self, *exc: object) -> None:
        return None


def outbox_folder(app: Flask | None = None) -> Path:
    app = app or current_app
    return Path(app.instance_path) / "outbox"


def get_transport() -> "SMTPTransport | OutboxTransport":
    config = current_app.config
    if config.get("MAIL_SERVER"):
        return SMTPTransport(config)
    return OutboxTransport(outbox_folder())
