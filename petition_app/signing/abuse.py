"""What happens to a sign request before anyone looks: a blocklisted address, mail domain or network
is refused in silence (answered like anyone, never mailed, never counted); a request beyond the soft
limits of its client address is flagged for the moderators but mailed and counted like any other, so
that a lecture hall behind one campus address loses nobody."""
import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from ..extensions import Outage, limiter
from ..rules import is_blocked, parse_networks
from ..rules.abuse import ReviewFlag

# While the limiter's storage (Redis) fails, the soft limits are counted in this process's memory, as
# Flask-Limiter counts the hard limits then (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED): a busy address is
# still flagged, by each process for what it saw.
_in_memory = FixedWindowRateLimiter(MemoryStorage())
_storage_outage = Outage("the soft limits' storage", "soft limits are counted in this process's memory meanwhile")


def hash_ip(ip: str | None) -> str | None:
    """A keyed hash: enough to see that many signatures come from one address, useless to find it."""
    if not ip:
        return None
    key = hashlib.sha256(b"ip-hash:" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()


def over_soft_limits(campaign_id: int, ip: str | None) -> bool:
    """True when this address signed this campaign more often than SIGN_SOFT_LIMITS allow. Counted with
    Flask-Limiter's own limiter (Redis when there is one), so every web process shares the windows; while
    Redis is down, in this process's memory (Flask-Limiter's fallback, or ours until it takes over)."""
    ip_key = hash_ip(ip)
    if ip_key is None or not limiter.enabled:
        return False
    items = parse_many(current_app.config["SIGN_SOFT_LIMITS"])
    args = ("sign-soft", str(campaign_id), ip_key)
    try:
        hits = [limiter.limiter.hit(item, *args) for item in items]
    except Exception as error:  # noqa: BLE001 - the storage is down: count here, never fail the signature
        _storage_outage.failed(error)
        hits = [_in_memory.hit(item, *args) for item in items]
    else:
        _storage_outage.answered()
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
