"""Reads for the moderators' queue."""
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..campaigns.models import Campaign, CampaignRevision
from ..campaigns.revisions import snapshot
from ..extensions import db
from ..recipients.forms import compare_rows
from ..recipients.models import Organisation
from ..recipients.queries import entry_by_key
from ..rules import LANGUAGES, PUBLIC_STATUSES
from ..rules.abuse import ClusterKind, window_bounds
from ..rules.revisions import ChangeLine, RevisionStatus, TextComparison, correction_lines, text_comparisons
from ..signing.queries import Cluster, clusters
from ..timeutil import utcnow
from .models import ClusterAlert


def pending_revisions() -> list[CampaignRevision]:
    """Revisions waiting for review (new campaigns and corrections of live ones), the longest waiting
    first, each with its campaign."""
    return list(
        db.session.scalars(
            select(CampaignRevision)
            .where(CampaignRevision.status == RevisionStatus.PENDING)
            .options(joinedload(CampaignRevision.campaign))
            .order_by(CampaignRevision.submitted_at, CampaignRevision.id)
        )
    )


@dataclass(frozen=True)
class CorrectionReview:
    """What a moderator reads of a waiting correction: its changes in words (in the moderator's
    language) and every changed text old beside new, per language, with the words removed and added."""

    lines: list[ChangeLine]
    comparisons: list[TextComparison]

    @property
    def tells_signers(self) -> bool:
        """Approving it mails the signers who asked for updates: it changes what they signed."""
        return any(line.part in ("demand", "demands") for line in self.lines)


def correction_reviews(revisions: list[CampaignRevision], locale: str) -> dict[int, CorrectionReview]:
    """For each waiting correction (by revision id), the comparison with what is online now: the rows
    of the campaign, which the correction replaces when approved."""
    reviews = {}
    for revision in revisions:
        if revision.correction:
            online = snapshot(revision.campaign)
            reviews[revision.id] = CorrectionReview(
                correction_lines(online, revision.content, locale),
                text_comparisons(online, revision.content, locale, LANGUAGES),
            )
    return reviews


def live_campaigns() -> list[Campaign]:
    """Published campaigns, most recently published first."""
    return list(
        db.session.scalars(select(Campaign).where(Campaign.status.in_(PUBLIC_STATUSES)).order_by(Campaign.published_at.desc()))
    )


# ---------------------------------------------------------------- clusters of signatures


@dataclass(frozen=True)
class ClusterRow:
    """A cluster as the moderators see it: which campaign, what the signatures share (a shortened
    address hash, a mail domain or a window of minutes; never an address), how many, and the values
    of the bulk invalidation form that match it."""

    cluster: Cluster
    campaign: Campaign
    shown: str
    invalidation: dict[str, str]


def shown_key(kind: str, key: str, minutes: int) -> str:
    """What a moderator reads for a cluster's key: a hash shortened, a domain, or the window in UTC."""
    if kind == ClusterKind.ADDRESS:
        return key[:12] + "…"
    if kind == ClusterKind.MINUTES:
        since, until = window_bounds(int(key), minutes)
        return f"{since:%Y-%m-%d %H:%M}–{until:%H:%M} UTC"
    return key


def _form_values(filters: dict[str, Any]) -> dict[str, str]:
    return {
        name: value.strftime("%Y-%m-%dT%H:%M") if isinstance(value, datetime) else str(value)
        for name, value in filters.items()
    }


def recent_clusters() -> list[ClusterRow]:
    """Clusters of the last CLUSTER_LOOKBACK on published campaigns, the largest first."""
    config = current_app.config
    minutes = config["CLUSTER_MINUTES"]
    found = clusters(utcnow() - config["CLUSTER_LOOKBACK"], config["CLUSTER_THRESHOLD"], minutes)
    campaigns = {c.id: c for c in db.session.scalars(select(Campaign).where(Campaign.id.in_({c.campaign_id for c in found})))}
    return [
        ClusterRow(c, campaigns[c.campaign_id], shown_key(c.kind, c.key, minutes), _form_values(c.filters(minutes)))
        for c in found
    ]


def alerts_to_mail(alert_ids: list[int]) -> list[ClusterAlert]:
    """The alerts among these that were not mailed yet (a second run of the mail job finds none)."""
    return list(db.session.scalars(
        select(ClusterAlert).where(ClusterAlert.id.in_(alert_ids), ClusterAlert.mailed_at.is_(None)).order_by(ClusterAlert.id)
    ))


#: A recipient's fields as a moderator reviews them, in the order they are shown.
ADDRESS_FIELDS = ("name_nl", "name_en", "salutation_nl", "salutation_en", "email", "language")


def _address_fields(recipient: dict[str, Any]) -> dict[str, str]:
    """A recipient of a revision, flat: its names (the name as entered where one is empty), salutations,
    address and language."""
    names, salutation = recipient.get("names") or {}, recipient.get("salutation") or {}
    return {
        "name_nl": names.get("nl") or recipient.get("name", ""), "name_en": names.get("en") or recipient.get("name", ""),
        "salutation_nl": salutation.get("nl", ""), "salutation_en": salutation.get("en", ""),
        "email": recipient.get("email", ""), "language": recipient.get("language", ""),
    }


@dataclass
class AddressReview:
    """What a moderator approves for one recipient of a revision: its address, names and salutations
    (side by side with the published ones for a correction), and the registry entry it comes from."""

    name: str
    rows: list[tuple[str, str | None, str, bool, str]]
    compared: bool
    organisation: Organisation | None
    organisation_key: str | None


def address_reviews(campaign: Campaign, content: dict[str, Any], correction: bool) -> list[AddressReview]:
    """Each recipient of a revision (`content`) as a moderator reviews it. A correction is compared with
    what is published now (the campaign's rows); a recipient new to the campaign has nothing before it."""
    published = {recipient["key"]: recipient for recipient in snapshot(campaign)["recipients"]} if correction else {}
    reviews = []
    for recipient in content.get("recipients", []):
        before = published.get(recipient["key"])
        key = recipient.get("organisation")
        reviews.append(AddressReview(
            name=recipient.get("name", ""),
            rows=compare_rows(_address_fields(before) if before else None, _address_fields(recipient), ADDRESS_FIELDS),
            compared=before is not None, organisation=entry_by_key(key) if key else None, organisation_key=key,
        ))
    return reviews
