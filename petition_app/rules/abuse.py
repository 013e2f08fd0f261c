"""Which signatures are suspect before anyone looks: from a blocked address, mail domain or network."""
import ipaddress
from collections.abc import Collection, Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip()]


def is_blocked(
    email: str,
    ip: str | None,
    blocked_emails: Collection[str] = (),
    blocked_domains: Iterable[str] = (),
    blocked_networks: Collection[Network] = (),
) -> bool:
    """True when the (normalised) address, its domain or a parent domain, or the IP is blocked."""
    domain = email.rpartition("@")[2]
    if email in blocked_emails:
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
