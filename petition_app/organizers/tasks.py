"""Jobs of organizers' actions: an update's fan-out to signers, an invitation, and the review request
to moderators. The mails are built in mailing.py, each in the language of the person who reads it."""
from flask_babel import gettext

from .. import mail
from ..accounts.models import User
from ..accounts.mailing import mail_users
from ..accounts.queries import confirmed_admins
from ..campaigns.models import Campaign
from ..extensions import db
from ..rules import DeliveryKind
from ..jobs import job
from ..links import external_url
from ..notifications.mailing import BulkMail
from ..notifications.fanout import run_batch
from ..notifications.operations import plan_fan_out
from ..notifications.queries import opted_in
from .mailing import invitation_message, update_subject
from .models import Invitation, Update


@job("milestones", retry="MAIL_RETRY_INTERVALS")
def announce_update(update_id: int) -> None:
    """The fan-out of an organizers' update: queues one announce_update_batch job per FANOUT_BATCH_SIZE
    signers who asked for updates, so that every worker shares the work."""
    update = db.session.get(Update, update_id)
    if update is None:
        return
    plan_fan_out(DeliveryKind.UPDATE, update.id, opted_in(update.campaign_id), announce_update_batch, update.id)


@job("milestones", retry="MAIL_RETRY_INTERVALS")
def announce_update_batch(update_id: int, first_id: int, last_id: int) -> None:
    """An update to the signers with ids from first_id to last_id, once each, in their language. A
    delivery record per signer makes it safe to interrupt and run again."""
    update = db.session.get(Update, update_id)
    if update is None:
        return
    campaign = update.campaign
    bulk = BulkMail(
        "update_to_signers", update_subject,
        lambda locale: {"update_text": update.text(locale), "organizer_name": campaign.organizer_name},
    )
    run_batch(DeliveryKind.UPDATE, update.id, opted_in(campaign.id), first_id, last_id, bulk)


@job("mail", retry="MAIL_RETRY_INTERVALS")
def send_invitation(invitation_id: int) -> None:
    """The invitation of a co-organizer, in the campaign's organizer language. Its link carries the
    invitation's id and secret, not the address; a withdrawn invitation is not sent."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.voided_at is not None or invitation.accepted_at is not None:
        return
    inviter = db.session.get(User, invitation.inviter_id) if invitation.inviter_id else None
    mail.send([invitation_message(invitation, inviter.name if inviter else invitation.campaign.organizer_name)])


@job("mail", retry="MAIL_RETRY_INTERVALS")
def request_review(campaign_id: int) -> None:
    """Tell every moderator, in their own language, that a campaign waits for review."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        return
    mail_users(
        confirmed_admins(), campaign, "review_requested", lambda title: gettext("To review: %(title)s", title=title),
        queue_url=external_url("admin.queue"),
    )
