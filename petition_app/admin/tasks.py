"""Mail to organizers about a moderator's decision, each organizer in their own language."""
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext

from ..accounts.mailing import mail_users, shown, user_message
from ..accounts.queries import confirmed_admins
from ..campaigns.models import Campaign
from ..extensions import db
from ..jobs import job
from ..links import external_url
from ..timeutil import utcnow
from . import operations, queries

APPROVED = "campaign_approved"
REJECTED = "campaign_rejected"
HIDDEN = "campaign_hidden"
CORRECTION_APPROVED = "correction_approved"
CORRECTION_REJECTED = "correction_rejected"
CLUSTERS_FOUND = "clusters_found"


def decision_mail(campaign: Campaign, decision: str, reason: str, note: str) -> tuple[str, Callable[[str], str], dict[str, Any]]:
    """The template, subject and links of the mail that tells the organizers about a decision."""
    if decision == APPROVED:
        return APPROVED, lambda title: gettext("Your campaign is live: %(title)s", title=title), {
            "campaign_url": external_url("signing.campaign", slug=campaign.slug)}
    if decision == REJECTED:
        return REJECTED, lambda title: gettext("Your campaign needs changes: %(title)s", title=title), {
            "reason": reason, "note": note, "edit_url": external_url("organizers.edit", slug=campaign.slug)}
    if decision == CORRECTION_APPROVED:
        return CORRECTION_APPROVED, lambda title: gettext("Your correction is published: %(title)s", title=title), {
            "campaign_url": external_url("signing.campaign", slug=campaign.slug)}
    if decision == CORRECTION_REJECTED:
        return CORRECTION_REJECTED, lambda title: gettext("Your correction needs changes: %(title)s", title=title), {
            "reason": reason, "note": note, "edit_url": external_url("organizers.correct", slug=campaign.slug)}
    if decision == HIDDEN:
        return HIDDEN, lambda title: gettext("Your campaign was taken offline: %(title)s", title=title), {"note": note}
    raise ValueError(f"unknown decision {decision}")


@job("mail", retry="MAIL_RETRY_INTERVALS")
def tell_organizers(campaign_id: int, decision: str, reason: str, note: str) -> None:
    """Published, sent back (with the reason) or taken offline (with the note), or a correction
    published or sent back: the organizers hear it from us, not by surprise."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        return
    template, subject, context = decision_mail(campaign, decision, reason, note)
    mail_users(campaign.organizers, campaign, template, subject, **context)


def decision_previews(campaign: Campaign, decision: str, reason: str, note: str) -> dict[str, dict[str, str]]:
    """The organizers' mail about a decision as a Dutch and an English organizer would get it (subject
    and text), for the moderator's confirmation page."""
    template, subject, context = decision_mail(campaign, decision, reason, note)
    previews = {}
    for locale in ("nl", "en"):
        with force_locale(locale):
            name = gettext("(the organizer's name)")
        stand_in = SimpleNamespace(email="preview@invalid", locale=locale, name=name)
        previews[locale] = shown(user_message(stand_in, campaign, template, subject, **context))
    return previews


@job("default")
def alert_clusters() -> int:
    """Periodic: find the clusters of signatures that reached CLUSTER_THRESHOLD and tell the
    moderators, once per cluster (the mail itself is a job of its own). Returns how many were new."""
    return len(operations.claim_cluster_alerts())


@job("mail", retry="MAIL_RETRY_INTERVALS")
def mail_cluster_alerts(campaign_id: int, alert_ids: list[int]) -> bool:
    """One mail to every moderator about the new clusters of one campaign: how many signatures share
    an address hash, a mail domain or a few minutes, and where to look. No address is in it. A second
    run finds the alerts mailed and sends nothing."""
    campaign = db.session.get(Campaign, campaign_id)
    alerts = queries.alerts_to_mail(alert_ids)
    if campaign is None or not alerts:
        return False
    minutes = current_app.config["CLUSTER_MINUTES"]
    mail_users(
        confirmed_admins(), campaign, CLUSTERS_FOUND,
        lambda title: gettext("Signatures to look at: %(title)s", title=title),
        clusters=[{"kind": a.kind, "shown": queries.shown_key(a.kind, a.key, minutes), "size": a.size} for a in alerts],
        clusters_url=external_url("admin.clusters"),
        minutes=minutes,
    )
    now = utcnow()
    for alert in alerts:
        alert.mailed_at = now
    return True
