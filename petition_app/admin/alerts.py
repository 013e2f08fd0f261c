"""Alerts about clusters of signatures (one address hash, one mail domain, a few minutes): each cluster
is claimed once. Kept apart from operations.py because the periodic job (tasks.alert_clusters) runs it,
while the moderation operations queue the tasks' mails: tasks -> alerts, operations -> tasks, no cycle.
Operations flush; the job around them commits."""
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..signing.queries import clusters
from ..timeutil import utcnow
from .models import ClusterAlert


def claim_cluster_alerts() -> dict[int, list[int]]:
    """Record every cluster that reached CLUSTER_THRESHOLD and was not announced before. Each cluster is
    claimed once (the unique constraint settles two workers at the same moment), so it is never mailed
    twice. Returns the new alerts' ids per campaign (the caller queues one mail per campaign)."""
    config = current_app.config
    found = clusters(utcnow() - config["CLUSTER_LOOKBACK"], config["CLUSTER_THRESHOLD"], config["CLUSTER_MINUTES"])
    if not found:
        return {}
    known = {
        (campaign_id, kind, key)
        for campaign_id, kind, key in db.session.execute(
            select(ClusterAlert.campaign_id, ClusterAlert.kind, ClusterAlert.key)
            .where(ClusterAlert.campaign_id.in_({c.campaign_id for c in found}))
        )
    }
    claimed: dict[int, list[int]] = {}
    for cluster in found:
        if (cluster.campaign_id, cluster.kind, cluster.key) in known:
            continue
        alert = ClusterAlert(campaign_id=cluster.campaign_id, kind=cluster.kind, key=cluster.key, size=cluster.size)
        try:
            with db.session.begin_nested():
                db.session.add(alert)
        except IntegrityError:  # another worker claimed it a moment ago
            continue
        claimed.setdefault(cluster.campaign_id, []).append(alert.id)
    return claimed
