"""No log line holds an email address or an IP address."""
import logging

from helpers import read_outbox, sign
from petition_app.logging_privacy import redact


def test_redact_replaces_addresses_and_ips():
    text = "mail to Anna.de-Vries+x@mail.example.org from 203.0.113.7 and 2001:db8::1, job 12:30"
    assert redact(text) == "mail to [email] from [ip] and [ip], job 12:30"
    assert redact("Running on http://127.0.0.1:5000 and [::1]") == "Running on http://127.0.0.1:5000 and [::1]"


def test_log_records_and_tracebacks_are_redacted(app, caplog):
    log = logging.getLogger("petition_app.test")
    with caplog.at_level(logging.INFO):
        log.info("signer %s from %s", "anna@example.org", "198.51.100.4")
        try:
            raise ValueError("refused: bob@example.org")
        except ValueError:
            log.exception("sending failed")
    assert "anna@example.org" not in caplog.text and "198.51.100.4" not in caplog.text
    assert "bob@example.org" not in caplog.text
    assert "[email]" in caplog.text and "[ip]" in caplog.text


def test_a_failing_mail_job_logs_no_address(app, campaign, caplog):
    from helpers import free_port

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    with caplog.at_level(logging.INFO):
        sign(app.test_client(), campaign, email="private.person@example.org")
    assert "failed" in caplog.text
    assert "private.person@example.org" not in caplog.text
    assert read_outbox(app) == []
