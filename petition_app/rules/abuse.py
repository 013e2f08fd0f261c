"""Abuse rules, pure: which signatures are refused in silence (an explicit blocklist), which are
flagged for a moderator to look at, and how signatures that arrive together form clusters.

Nothing here drops an honest signer: only a blocklisted address, mail domain or network is refused
without a word. Everything else that looks unusual (many signatures from one client address, one
mail domain or a few minutes) still gets its confirmation mail and counts once confirmed; it is only
shown to the moderators, who can take a cluster out of the count."""
import ipaddress
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta, timezone
from enum import StrEnum

from .emails import uniqueness_key

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ReviewFlag(StrEnum):
    """Why a counted (or countable) signature is shown to the moderators. A flag never stops a mail
    and never takes a signature out of the count; `suspect_reason` does that."""

    RATE = "rate"  # signed beyond the soft limits of its client address (a lecture hall, or a bot)


class ClusterKind(StrEnum):
    """How signatures that arrived together are grouped for the moderators."""

    ADDRESS = "address"  # the same client address (its keyed hash)
    DOMAIN = "domain"  # the same mail domain
    MINUTES = "minutes"  # the same window of a few minutes


def parse_networks(values: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip()]


def is_blocked(
    email: str,
    ip: str | None,
    blocked_emails: Collection[str] = (),
    blocked_domains: Iterable[str] = (),
    blocked_networks: Collection[Network] = (),
) -> bool:
    """True when the (normalised) address or the person behind it (the address without its `+tag`,
    `emails.uniqueness_key`), its domain or a parent domain, or the IP is blocked."""
    domain = email.rpartition("@")[2]
    if email in blocked_emails:
        return True
    if uniqueness_key(email) in {uniqueness_key(blocked.strip().lower()) for blocked in blocked_emails}:
        return True
    if any(domain == blocked or domain.endswith("." + blocked) for blocked in blocked_domains):
        return True
    if ip and blocked_networks:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in network for network in blocked_networks)
    return False


def window_number(moment: datetime, minutes: int) -> int:
    """The number of the window of `minutes` minutes (counted from the Unix epoch, in UTC) that holds
    `moment`; the database computes the same number to group signatures."""
    return int(moment.timestamp() // (minutes * 60))


def window_bounds(number: int, minutes: int) -> tuple[datetime, datetime]:
    """The start (inclusive) and end (exclusive) of window `number`, as aware UTC moments."""
    start = datetime.fromtimestamp(number * minutes * 60, tz=timezone.utc)
    return start, start + timedelta(minutes=minutes)


def is_cluster(size: int, threshold: int) -> bool:
    """A group of signatures is a cluster once it holds at least `threshold` of them."""
    return threshold > 0 and size >= threshold
