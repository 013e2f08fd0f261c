"""Reads of signatures: what a link in a mail is for, a signer's own copy of their data, and the
clusters of signatures that arrived together (for the moderators, as hashes, domains and counts)."""
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Integer, and_, bindparam, cast, func, literal_column, select, text
from sqlalchemy.orm import contains_eager, selectinload, undefer

from ..campaigns.models import Campaign, CampaignRevision, Demand, Recipient
from ..campaigns.queries import SLUG_RE
from ..extensions import db
from ..rules import PUBLIC_STATUSES
from ..rules.abuse import ClusterKind, is_cluster, window_bounds
from ..rules.revisions import RevisionStatus
from ..timeutil import as_utc
from ..tokens import Purpose, SignatureLink, TokenInvalid, read_token
from .inputs import Details
from .models import Signature, SignRequest


def _page_version_statement() -> Any:
    revision = (
        select(func.coalesce(func.max(CampaignRevision.number), 0))
        .where(CampaignRevision.campaign_id == Campaign.id, CampaignRevision.status == RevisionStatus.APPROVED)
        .correlate(Campaign)
        .scalar_subquery()
    )
    return select(Campaign, revision).where(Campaign.slug == bindparam("slug"), Campaign.status.in_(PUBLIC_STATUSES))


_PAGE_VERSION: list[Any] = []  # the statement, built once: it runs on every view of a campaign page


def campaign_page_version(slug: str) -> tuple[Campaign, int] | None:
    """A public campaign's row and the number of its latest approved revision (0 when none): what a
    cached campaign page needs, in one statement."""
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        return None
    if not _PAGE_VERSION:
        _PAGE_VERSION.append(_page_version_statement())
    row = db.session.execute(_PAGE_VERSION[0], {"slug": slug}).first()
    return (row[0], int(row[1])) if row is not None else None


def campaign_for_page_view(slug: str) -> Campaign | None:
    """The public campaign with everything its page shows loaded up front, so that rendering it loads
    nothing lazily: recipients, demands and answers, corrections, and the organizers' updates (a
    relationship the organizers' domain adds to Campaign, hence looked up by name)."""
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        return None
    return db.session.scalar(
        select(Campaign)
        .where(Campaign.slug == slug, Campaign.status.in_(PUBLIC_STATUSES))
        .options(
            selectinload(Campaign.recipients).selectinload(Recipient.demands).selectinload(Demand.answer),
            selectinload(Campaign.corrections),
            selectinload(Campaign.updates),
            undefer(Campaign.body_html_nl),
            undefer(Campaign.body_html_en),
        )
    )


class SignatureGone(Exception):
    """The token is genuine but its signature no longer exists (withdrawn or purged)."""


@dataclass
class Pending:
    """What a confirmation link is for: its signature and the request whose mail carried the link
    (None once the signature is confirmed: confirming deletes the pending requests)."""

    signature: Signature
    request: SignRequest | None

    def details(self) -> Details:
        return Details.of(self.request if self.request is not None else self.signature)


def _signature_from_token(purpose: Purpose, token: str, max_age: int) -> tuple[Signature, dict[str, Any]]:
    """Every link in a mail is checked the same way: a genuine, fresh token whose secret is the one
    the signature holds now. A withdrawn signature is gone for all of them (its secret was replaced
    too), and a row that took the same id has another secret."""
    payload = read_token(purpose, token, max_age)
    if not isinstance(payload, dict) or not isinstance(payload.get(SignatureLink.SIGNATURE), int) or not isinstance(payload.get(SignatureLink.SECRET), str):
        raise TokenInvalid()
    signature = db.session.get(Signature, payload[SignatureLink.SIGNATURE])
    if signature is None:
        raise SignatureGone()
    _check_link(signature, payload)
    return signature, payload


def _check_link(signature: Signature, payload: dict[str, Any]) -> None:
    """A withdrawn signature is gone for every link; so is one whose secret changed."""
    if signature.withdrawn_at is not None or not hmac.compare_digest(signature.secret.encode(), payload[SignatureLink.SECRET].encode()):
        raise SignatureGone()


def pending_for_token(token: str) -> Pending:
    """The signature, its campaign and the request a confirmation link is for, in one statement,
    without changing anything (a GET shows, never confirms). A request of another signature is no
    request of this one."""
    payload = read_token(Purpose.VERIFY, token, current_app.config["VERIFY_TOKEN_MAX_AGE"])
    if not isinstance(payload, dict) or not isinstance(payload.get(SignatureLink.SIGNATURE), int) or not isinstance(payload.get(SignatureLink.SECRET), str):
        raise TokenInvalid()
    request_id = payload.get(SignatureLink.REQUEST)
    request_id = request_id if isinstance(request_id, int) and not isinstance(request_id, bool) else None
    found = db.session.execute(
        select(Signature, SignRequest)
        .join(Signature.campaign)
        .outerjoin(SignRequest, and_(SignRequest.id == request_id, SignRequest.signature_id == Signature.id))
        .options(contains_eager(Signature.campaign))
        .where(Signature.id == payload[SignatureLink.SIGNATURE])
        .execution_options(populate_existing=True)  # another press of the link may have confirmed it
    ).first()
    if found is None:
        raise SignatureGone()
    signature, sign_request = found
    _check_link(signature, payload)
    if sign_request is None and signature.confirmed_at is None:
        raise SignatureGone()  # the request expired and was purged, or was never this signature's
    return Pending(signature, sign_request)


def signature_from_link(purpose: Purpose, token: str) -> Signature:
    """The signature a link in one of its mails is for. Links in mails stay valid for a long time
    (LINK_TOKEN_MAX_AGE): a signer may want to withdraw months later."""
    return _signature_from_token(purpose, token, current_app.config["LINK_TOKEN_MAX_AGE"])[0]


def signature_for_unsubscribe(token: str) -> Signature:
    """The signature a one-click unsubscribe link is for."""
    return signature_from_link(Purpose.UNSUBSCRIBE, token)


def confirmed_signature_for_change(token: str) -> Signature:
    """The confirmed signature whose holder may change its details (the "my data" link of its mails)."""
    signature = signature_from_link(Purpose.MY_DATA, token)
    if signature.confirmed_at is None:
        raise SignatureGone()
    return signature


def personal_data(token: str) -> dict[str, Any]:
    """Everything we hold about one signature, for the signer's own copy (GDPR article 15)."""
    return personal_data_of(signature_from_link(Purpose.MY_DATA, token))


def personal_data_of(signature: Signature) -> dict[str, Any]:
    """Everything we hold about this signature (its leaf secret, which only keys the letter records'
    commitments and is never shown anywhere, aside)."""
    campaign = signature.campaign
    stamp = lambda moment: moment.isoformat() if moment else None  # noqa: E731
    requests = db.session.scalars(
        select(SignRequest).where(SignRequest.signature_id == signature.id).order_by(SignRequest.id)
    ).all()
    return {
        "campaign": {"slug": campaign.slug, "title": {"nl": campaign.title_nl, "en": campaign.title_en}},
        "name": signature.name,
        "email": signature.email,
        "city": signature.city,
        "language": signature.locale,
        "wants_updates": signature.wants_updates,
        "named_publicly_and_in_letters": signature.is_public,
        "signed_at": stamp(signature.created_at),
        "confirmed_at": stamp(signature.confirmed_at),
        "ip_address": "not stored; only a keyed hash, used to detect mass abuse" if signature.ip_hash else None,
        "mails_sent": signature.mails_sent,
        # Sign requests not yet confirmed: what was typed with this address, kept until a confirmation.
        "unconfirmed_requests": [
            {
                "name": r.name, "city": r.city, "language": r.locale, "wants_updates": r.wants_updates,
                "named_publicly_and_in_letters": r.is_public, "requested_at": stamp(r.created_at),
            }
            for r in requests
        ],
    }


# ---------------------------------------------------------------- clusters, for the moderators


@dataclass(frozen=True)
class Cluster:
    """Signatures of one campaign that arrived together: from one client address (its keyed hash),
    one mail domain, or one window of CLUSTER_MINUTES minutes. Only hashes, domains and counts."""

    campaign_id: int
    kind: ClusterKind
    key: str  # the address hash, the domain, or the window's number
    size: int  # signatures not blocked, invalidated or withdrawn, confirmed or not
    confirmed: int
    flagged: int
    first_at: datetime
    last_at: datetime

    def filters(self, minutes: int) -> dict[str, Any]:
        """The filters of the bulk invalidation that take exactly this cluster's kind of match."""
        if self.kind == ClusterKind.ADDRESS:
            return {"ip_hash": self.key}
        if self.kind == ClusterKind.DOMAIN:
            return {"domain": self.key}
        since, until = window_bounds(int(self.key), minutes)
        return {"since": since, "until": until}


def _domain() -> ColumnElement[str]:
    if db.session.get_bind().dialect.name == "postgresql":
        return func.split_part(Signature.email, literal_column("'@'"), literal_column("2"))
    return func.substr(Signature.email, func.instr(Signature.email, literal_column("'@'")) + literal_column("1"))


def _window(minutes: int) -> ColumnElement[int]:
    """The number of the window of `minutes` minutes (since the Unix epoch, UTC), as rules.abuse.window_number.
    The width is written into the SQL, not bound, so that the grouping and the selection are one expression."""
    width = literal_column(str(int(minutes) * 60), Integer)
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", Signature.created_at) / width), Integer)
    # SQLite keeps the UTC moment as text; strftime('%s') reads it as UTC
    return cast(func.strftime("%s", Signature.created_at), Integer) // width


def clusters(since: datetime, threshold: int, minutes: int, campaign_id: int | None = None) -> list[Cluster]:
    """Every cluster of at least `threshold` signatures made since `since` on a published campaign
    (or on one campaign), the largest first. Blocked, invalidated and withdrawn signatures are left
    out: they do not count anyway."""
    criteria = [
        Signature.created_at >= since,
        Signature.suspect_reason.is_(None),
        Signature.withdrawn_at.is_(None),
        Signature.campaign_id.in_(select(Campaign.id).where(Campaign.status.in_(PUBLIC_STATUSES))),
    ]
    if campaign_id is not None:
        criteria.append(Signature.campaign_id == campaign_id)
    found: list[Cluster] = []
    groupings: list[tuple[ClusterKind, Any]] = [
        (ClusterKind.ADDRESS, Signature.ip_hash), (ClusterKind.DOMAIN, _domain()), (ClusterKind.MINUTES, _window(minutes)),
    ]
    for kind, key in groupings:
        size = func.count()
        rows = db.session.execute(
            select(
                Signature.campaign_id, key.label("cluster_key"), size,
                func.count(Signature.confirmed_at),
                func.count(Signature.review_flag),
                func.min(Signature.created_at), func.max(Signature.created_at),
            )
            .where(*criteria, key.is_not(None))
            .group_by(Signature.campaign_id, text("cluster_key"))
            .having(size >= max(threshold, 1))
        ).all()
        for campaign, value, total, confirmed, flagged, first, last in rows:
            if is_cluster(total, threshold):
                found.append(Cluster(campaign, kind, str(value), total, confirmed, flagged, as_utc(first), as_utc(last)))
    found.sort(key=lambda c: (-c.size, c.campaign_id, c.kind, c.key))
    return found


def signature_exists(campaign_id: int, email_key: str) -> bool:
    """Whether the campaign has a signature of this person (by uniqueness key), in any state."""
    return db.session.scalar(
        select(Signature.id).where(Signature.campaign_id == campaign_id, Signature.email_key == email_key)
    ) is not None


def campaigns_with_signers() -> list[Campaign]:
    """The campaigns whose signature rows are still kept (not purged after closing): the ones whose
    count the scheduled check compares with their rows, and whose signers a purge may delete."""
    return list(db.session.scalars(select(Campaign).where(Campaign.personal_data_purged_at.is_(None))))
