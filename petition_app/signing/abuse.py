"""What happens to a sign request before anyone looks: a blocklisted address, mail domain or network
is refused in silence (answered like anyone, never mailed, never counted); a request beyond the soft
limits of its client address is flagged for the moderators but mailed and counted like any other, so
that a lecture hall behind one campus address loses nobody."""
import hashlib
import hmac
import logging
from dataclasses import dataclass

from flask import current_app
from limits import parse_many

from ..extensions import limiter
from ..rules import is_blocked, parse_networks
from ..rules.abuse import ReviewFlag

log = logging.getLogger(__name__)


def hash_ip(ip: str | None) -> str | None:
    """A keyed hash: enough to see that many signatures come from one address, useless to find it."""
    if not ip:
        return None
    key = hashlib.sha256(b"ip-hash:" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()


def over_soft_limits(campaign_id: int, ip: str | None) -> bool:
    """True when this address signed this campaign more often than SIGN_SOFT_LIMITS allow. Counted with
    Flask-Limiter's own limiter (Redis when there is one), so every web process shares the windows."""
    ip_key = hash_ip(ip)
    if ip_key is None or not limiter.enabled:
        return False
    try:
        hits = [
            limiter.limiter.hit(item, "sign-soft", str(campaign_id), ip_key)
            for item in parse_many(current_app.config["SIGN_SOFT_LIMITS"])
        ]
    except Exception:  # the limiter's storage is down: nobody is flagged for it
        log.warning("soft rate limit unavailable", exc_info=True)
        return False
    return not all(hits)


@dataclass(frozen=True)
class Assessment:
    blocked: bool  # refused in silence: no mail, never counted
    flag: ReviewFlag | None  # shown to the moderators; mailed and counted as usual


def assess(campaign_id: int, email: str, ip: str | None) -> Assessment:
    """How a sign request is treated before anyone looks at it."""
    config = current_app.config
    networks = parse_networks(config["BLOCKED_NETWORKS"])
    if is_blocked(email, ip, config["BLOCKED_EMAILS"], config["BLOCKED_EMAIL_DOMAINS"], networks):
        return Assessment(blocked=True, flag=None)
    return Assessment(blocked=False, flag=ReviewFlag.RATE if over_soft_limits(campaign_id, ip) else None)
