"""Suspicion before anyone looks: blocklists and the soft limits per client address. A suspect
signature is answered like any other, so a bot learns nothing from the answer."""
import hashlib
import hmac
import logging

from flask import current_app
from limits import parse_many

from ..extensions import limiter
from ..rules import SuspectReason, is_blocked, parse_networks

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
    except Exception:  # the limiter's storage is down: nobody is marked for it
        log.warning("soft rate limit unavailable", exc_info=True)
        return False
    return not all(hits)


def suspect_reason(campaign_id: int, email: str, ip: str | None) -> SuspectReason | None:
    """Why a new signature would be suspect, or None."""
    config = current_app.config
    networks = parse_networks(config["BLOCKED_NETWORKS"])
    if is_blocked(email, ip, config["BLOCKED_EMAILS"], config["BLOCKED_EMAIL_DOMAINS"], networks):
        return SuspectReason.BLOCKED
    if over_soft_limits(campaign_id, ip):
        return SuspectReason.RATE
    return None
