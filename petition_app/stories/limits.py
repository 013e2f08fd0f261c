"""How often the anonymous paths of stories may make us send mail. Anyone can send the form and ask for
a code by mail, so without limits of their own they could flood an inbox through us ("mail me my code"
to a chosen address) or the team (an alert per submission). The per-client-address limits of the
routes do not stop that: addresses are cheap. So:

- a code is mailed at most STORIES_CODE_MAIL_LIMIT times per code and per address, counted under keyed
  hashes (`sealing.counting_digest`), never under the address itself;
- the team is alerted at most STORIES_ALERT_LIMIT times per campaign; one alert says how many
  submissions are new, and what comes in between is told in the next window.

Counted with Flask-Limiter's own limiter, in its storage (Redis in production), like the soft limits of
signing; nothing here is kept in the database. With RATELIMIT_ENABLED off (a load test) nothing is
limited, and when the storage is down nothing is refused: a mail too many beats a support request
nobody hears of."""
import logging

from flask import current_app
from limits import parse_many

from ..extensions import limiter
from ..rules import EmailInvalid, normalise_email, uniqueness_key
from . import sealing

log = logging.getLogger(__name__)


def _within(config_key: str, *identifiers: str) -> bool:
    """One hit on each limit of `config_key` for these identifiers; False once any limit is used up."""
    if not limiter.enabled:
        return True
    try:
        hits = [limiter.limiter.hit(item, *identifiers) for item in parse_many(current_app.config[config_key])]
    except Exception:  # the limiter's storage is down: nothing is refused for it
        log.warning("stories mail limit unavailable", exc_info=True)
        return True
    return all(hits)


def address_key(email: str) -> str:
    """What an address is counted under: one person's address, whatever case or `+tag` they type it with
    (x+1@, x+2@, ... all reach x@'s mailbox)."""
    try:
        return uniqueness_key(normalise_email(email))
    except EmailInvalid:  # the form checked it already; counted as typed all the same
        return email.strip().lower()


def may_mail_code(code: str, email: str) -> bool:
    """Whether the code may be mailed to this address now: both the code and the address are within
    STORIES_CODE_MAIL_LIMIT. Both are counted either way, so trying more addresses for one code (or more
    codes for one address) uses up the limit all the same."""
    code_ok = _within("STORIES_CODE_MAIL_LIMIT", "stories-code-mail", "code", sealing.code_digests(code)[0])
    address_ok = _within(
        "STORIES_CODE_MAIL_LIMIT", "stories-code-mail", "address", sealing.counting_digest(address_key(email), "code-mail-address"),
    )
    return code_ok and address_ok


def may_alert_team(campaign_id: int) -> bool:
    """Whether the team of this campaign may be alerted now (STORIES_ALERT_LIMIT per campaign)."""
    return _within("STORIES_ALERT_LIMIT", "stories-alert", str(campaign_id))
