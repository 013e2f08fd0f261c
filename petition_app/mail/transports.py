"""Where mails go: an SMTP server when MAIL_SERVER is set, else `.eml` files in the instance outbox,
so that a newcomer's demo needs no mail server and the confirmation link can be opened from a file."""
import itertools
import smtplib
import uuid
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app


class SMTPTransport:
    def __init__(self, config):
        self.config = config
        self.connection: smtplib.SMTP | None = None  # open between __enter__ and __exit__

    def __enter__(self):
        cfg = self.config
        self.connection = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"])
        if cfg["MAIL_USE_TLS"]:
            self.connection.starttls()
        if cfg["MAIL_USERNAME"]:
            self.connection.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        return self

    def send(self, message):
        if self.connection is None:
            raise RuntimeError("SMTPTransport sends only inside its with block")
        self.connection.send_message(message)

    def send_raw(self, sender, recipients, data):
        """Send a message already turned into bytes (bulk mail assembles them itself, notifications/mailing.py)."""
        if self.connection is None:
            raise RuntimeError("SMTPTransport sends only inside its with block")
        self.connection.sendmail(sender, recipients, data)

    def __exit__(self, *exc):
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
    def __init__(self, folder):
        self.folder = Path(folder)

    def __enter__(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def send(self, message):
        self.send_raw(None, None, bytes(message))

    def send_raw(self, sender, recipients, data):
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        path = self.folder / f"{stamp}-{next(_SEQUENCE):09d}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(data)

    def __exit__(self, *exc):
        return None


def outbox_folder(app=None):
    app = app or current_app
    return Path(app.instance_path) / "outbox"


def get_transport():
    config = current_app.config
    if config.get("MAIL_SERVER"):
        return SMTPTransport(config)
    return OutboxTransport(outbox_folder())
