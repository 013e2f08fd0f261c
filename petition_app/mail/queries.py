"""What the bounces say about addresses, read by bulk mail before it sends."""
from collections.abc import Iterable

from sqlalchemy import select

from ..extensions import db
from .models import BounceType, MailBounce


def hard_bounced(hashes: Iterable[str]) -> set[str]:
    """Those of the address hashes (mail.address_hash) that bounced for good: no bulk mail goes to them."""
    wanted = sorted(set(hashes))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found.update(db.session.scalars(
            select(MailBounce.address_hash).where(
                MailBounce.address_hash.in_(wanted[start:start + 500]), MailBounce.type == BounceType.HARD
            ).distinct()
        ))
    return found
