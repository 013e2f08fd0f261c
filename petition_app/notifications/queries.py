"""Who bulk mail goes to, who of them a fan-out has not reached yet, and which announcements never
finished."""
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import exists, select

from ..rules import DeliveryKind
from ..campaigns.models import Milestone
from ..extensions import db
from ..signing.models import Signature
from ..timeutil import utcnow
from .models import Delivery


def opted_in(campaign_id: int) -> tuple[Any, ...]:
    """Who bulk mail about a campaign goes to: counted signers who asked for updates."""
    return (Signature.campaign_id == campaign_id, Signature.wants_updates.is_(True), Signature.counted())


def unfinished_milestones(older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    """Milestones whose announcement never finished (a worker died, Redis was down), for the sweep."""
    cutoff = utcnow() - older_than
    return list(
        db.session.scalars(select(Milestone.id).where(Milestone.announced_at.is_(None), Milestone.reached_at <= cutoff))
    )


def _not_reached(kind: DeliveryKind, ref_id: int) -> Any:
    return ~exists().where(Delivery.kind == kind, Delivery.ref_id == ref_id, Delivery.signature_id == Signature.id)


def pending_ranges(kind: DeliveryKind, ref_id: int, criteria: Sequence[Any], size: int) -> list[tuple[int, int]]:
    """The signers matching `criteria` with no delivery for (kind, ref_id), as id ranges of `size` signers
    each (first and last id, both included). Read a slice of ids at a time, so memory stays flat."""
    ranges: list[tuple[int, int]] = []
    after_id = 0
    while True:
        ids = list(db.session.scalars(
            select(Signature.id).where(*criteria, Signature.id > after_id, _not_reached(kind, ref_id))
            .order_by(Signature.id).limit(size * 50)
        ))
        ranges += [(chunk[0], chunk[-1]) for chunk in (ids[i:i + size] for i in range(0, len(ids), size))]
        if len(ids) < size * 50:
            return ranges
        after_id = ids[-1]


def fan_out_done(kind: DeliveryKind, ref_id: int, criteria: Sequence[Any]) -> bool:
    """True when every signer matching `criteria` has a delivery record (sent or refused for good)."""
    return db.session.scalar(select(Signature.id).where(*criteria, _not_reached(kind, ref_id)).limit(1)) is None


def unreached_in_range(kind: DeliveryKind, ref_id: int, criteria: Sequence[Any], first_id: int, last_id: int) -> list[Signature]:
    """The signers of one batch (ids from `first_id` to `last_id`, both included) matching `criteria`
    whom (kind, ref_id) has not reached yet, in id order."""
    return list(db.session.scalars(
        select(Signature)
        .where(*criteria, Signature.id >= first_id, Signature.id <= last_id, _not_reached(kind, ref_id))
        .order_by(Signature.id)
    ))
