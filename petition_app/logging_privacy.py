"""No log line holds an email address, an IP address or a secret from a link. The record factory
rewrites every log record as it is made, whichever logger or handler (ours, RQ's, gunicorn's access
and error logs, werkzeug's) it is meant for, so a log shipped to a hosting provider or pasted into an
issue cannot tell who signed, and holds no link that would act for them.

- Email addresses go whole, whatever their local part holds: every character RFC 5322 allows there
  (`we!rd%name@`, `o'brien+tag@`), a quoted local part, and an `@` written as `%40` in a URL. A
  narrower pattern left the start of such an address in the line (`we!rd%[email]`).
- Tokens: the segment after every path of a route that takes a `<token>` (`/verify/...`,
  `/my-data/...`, `/account/reset/...`; `watch_token_paths` learns them from the app's routes), the
  value of query parameters that carry secrets or addresses (`?token=`, `?email=`), and anything shaped
  like an itsdangerous token (three dotted base64url parts) wherever it stands: access lines hold paths
  and referrers, which is where links from mails end up.
"""
import ipaddress
import logging
import re
from collections.abc import Iterable
from typing import Any

_ATEXT = r"[\w.!#$%&'*+/=?^`{|}~\-]"  # what an unquoted local part may hold (RFC 5322 atext and dots)
_DOMAIN = r"[\w\-]+(?:\.[\w\-]+)+"
EMAIL = re.compile(rf"(?:{_ATEXT}+|\"[^\"\r\n]{{1,64}}\")(?:@|%40){_DOMAIN}", re.IGNORECASE)
IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
IPV6_CANDIDATE = re.compile(r"(?<![\w:])[0-9A-Fa-f:]{2,39}(?![\w:])")
#: An itsdangerous timed token (payload.timestamp.signature, base64url: a 6-character time and an HMAC
#: of 27 characters or more), wherever it stands; dotted names such as job paths do not look like one.
SIGNED_TOKEN = re.compile(r"\.?[A-Za-z0-9_\-]{2,}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,}")
#: Query parameters whose values are secrets or addresses.
SECRET_PARAMETER = re.compile(r"([?&;](?:token|code|email|e-?mail|key|secret|password)=)[^&;\s\"'#]+", re.IGNORECASE)
#: The paths of routes that take a token, as the routes of this version have them; the app's own routes
#: are added at start-up (`watch_token_paths`), so a new one is covered without a change here.
_token_paths: set[str] = {
    "/verify/", "/my-data/", "/unsubscribe/", "/withdraw/", "/respond/", "/account/confirm/", "/account/reset/",
    "/organize/join/",
}
_token_path_pattern: re.Pattern[str] | None = None


def _token_path() -> re.Pattern[str]:
    global _token_path_pattern
    if _token_path_pattern is None:
        prefixes = "|".join(re.escape(path) for path in sorted(_token_paths, key=len, reverse=True))
        _token_path_pattern = re.compile(rf"({prefixes})[^/\s?#\"']+")
    return _token_path_pattern


def watch_token_paths(rules: Iterable[Any]) -> None:
    """Learn the paths of every route that takes a `<token>` (werkzeug rules of the app's url_map):
    the static part before the token is what `redact` looks for."""
    global _token_path_pattern
    for rule in rules:
        if "token" in rule.arguments and "<token>" in rule.rule:
            prefix = rule.rule.split("<token>", 1)[0]
            if "<" not in prefix and prefix not in _token_paths:
                _token_paths.add(prefix)
                _token_path_pattern = None


def _ip(match: re.Match[str]) -> str:
    """An address of a person becomes [ip]; this machine's own (loopback, unspecified) identifies no one
    and stays, so `Running on http://127.0.0.1:5000` still says where the demo is."""
    candidate = match.group(0)
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return candidate
    return candidate if address.is_loopback or address.is_unspecified else "[ip]"


def redact(text: str) -> str:
    text = _token_path().sub(r"\1[token]", text)
    text = SECRET_PARAMETER.sub(r"\1[redacted]", text)
    text = SIGNED_TOKEN.sub("[token]", text)
    text = EMAIL.sub("[email]", text)
    return IPV6_CANDIDATE.sub(_ip, IPV4.sub(_ip, text))


def install() -> None:
    """Wrap the log record factory once per process."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts", False):
        return

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
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
