"""No log line holds an email address or an IP address. The record factory rewrites every log record
as it is made, whichever logger or handler (ours, RQ's, gunicorn's, werkzeug's) it is meant for, so a
log shipped to a hosting provider or pasted into an issue cannot tell who signed."""
import ipaddress
import logging
import re

EMAIL = re.compile(r"[\w.+\-']+@[\w\-]+(?:\.[\w\-]+)+")
IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
IPV6_CANDIDATE = re.compile(r"(?<![\w:])[0-9A-Fa-f:]{2,39}(?![\w:])")


def _ip(match):
    """An address of a person becomes [ip]; this machine's own (loopback, unspecified) identifies no one
    and stays, so `Running on http://127.0.0.1:5000` still says where the demo is."""
    candidate = match.group(0)
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return candidate
    return candidate if address.is_loopback or address.is_unspecified else "[ip]"


def redact(text):
    return IPV6_CANDIDATE.sub(_ip, IPV4.sub(_ip, EMAIL.sub("[email]", text)))


def install():
    """Wrap the log record factory once per process."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts", False):
        return

    def redacting_factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return record
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    setattr(redacting_factory, "redacts", True)  # the mark a second install() looks for
    logging.setLogRecordFactory(redacting_factory)
