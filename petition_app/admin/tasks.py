"""Jobs of moderation: the organizers' mail about a decision, and the periodic look for clusters of
signatures with its mail to the moderators. The mails themselves are built in mailing.py."""
from flask import current_app
from flask_babel import gettext

from ..accounts.mailing import mail_users
from ..accounts.queries import confirmed_admins
from ..campaigns.models import Campaign
from ..extensions import db
from ..jobs import enqueue_after_commit, job
from ..links import external_url
from ..timeutil import utcnow
from . import queries
from .alerts import claim_cluster_alerts
from .mailing import CLUSTERS_FOUND, decision_mail


@job("mail", retry="MAIL_RETRY_INTERVALS")
def tell_organizers(campaign_id: int, decision: str, reason: str, note: str) -> None:
    """Published, sent back (with the reason) or taken offline (with the note), or a correction
    published or sent back: the organizers hear it from us, not by surprise."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        return
    template, subject, context = decision_mail(campaign, decision, reason, note)
    mail_users(campaign.organizers, campaign, template, subject, **context)


@job("default")
def alert_clusters() -> int:
    """Periodic: find the clusters of signatures that reached CLUSTER_THRESHOLD and tell the
    moderators, once per cluster: one mail per campaign, a job of its own queued after this job's
    commit. Returns how many were new."""
    claimed = claim_cluster_alerts()
    for campaign_id, alert_ids in claimed.items():
        enqueue_after_commit(mail_cluster_alerts, campaign_id, alert_ids)
    return sum(len(alert_ids) for alert_ids in claimed.values())


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
