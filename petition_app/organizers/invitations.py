"""Co-organizers: an organizer invites an address by mail; whoever holds the account of that address
joins with the link. Only from a published campaign, and at most INVITATIONS_PER_DAY a day. Operations
flush; the request commits once, and the mail leaves through a job after that commit."""
import hmac
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from ..accounts.models import User
from ..campaigns.models import Campaign
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..rules import normalise_email
from ..timeutil import utcnow
from ..tokens import InvitationLink, Purpose, TokenInvalid, read_token
from . import tasks
from .guards import ensure_published
from .models import Invitation

#: Invitations one campaign may send in a day.
INVITATIONS_PER_DAY = 10


class TooManyInvitations(Exception):
    """At most INVITATIONS_PER_DAY invitations per campaign in 24 hours."""


def invite(campaign: Campaign, inviter: User, email: str) -> Invitation:
    """Mail (after the commit) a link that adds whoever holds the account of `email` as a co-organizer.
    Only from a published campaign, and at most INVITATIONS_PER_DAY a day."""
    ensure_published(campaign)
    since = utcnow() - timedelta(days=1)
    sent_today = db.session.execute(
        select(func.count()).select_from(Invitation).where(Invitation.campaign_id == campaign.id, Invitation.created_at > since)
    ).scalar_one()
    if sent_today >= INVITATIONS_PER_DAY:
        raise TooManyInvitations()
    invitation = Invitation(campaign_id=campaign.id, inviter_id=inviter.id, email=normalise_email(email))
    db.session.add(invitation)
    db.session.flush()
    enqueue_after_commit(tasks.send_invitation, invitation.id)
    return invitation


def open_invitations(campaign: Campaign) -> list[Invitation]:
    """Invitations neither used nor withdrawn, newest first."""
    return list(db.session.scalars(
        select(Invitation)
        .where(Invitation.campaign_id == campaign.id, Invitation.accepted_at.is_(None), Invitation.voided_at.is_(None))
        .order_by(Invitation.id.desc())
    ))


def void_invitation(campaign: Campaign, invitation_id: int) -> bool:
    """Withdraw an invitation: its link stops working. Returns whether there was one to withdraw."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.campaign_id != campaign.id or invitation.accepted_at or invitation.voided_at:
        return False
    invitation.voided_at = utcnow()
    return True


def invitation_of_link(token: str) -> Invitation:
    """The invitation an invitation link names (its id and secret, within INVITE_MAX_AGE), withdrawn or
    not; TokenInvalid for anything else."""
    payload = read_token(Purpose.INVITE, token, current_app.config["INVITE_MAX_AGE"])
    invitation_id = payload.get(InvitationLink.INVITATION) if isinstance(payload, dict) else None
    invitation = db.session.get(Invitation, invitation_id) if isinstance(invitation_id, int) else None
    secret = payload.get(InvitationLink.SECRET) if isinstance(payload, dict) else None
    if invitation is None or not isinstance(secret, str) or not hmac.compare_digest(secret, invitation.secret):
        raise TokenInvalid()
    return invitation


def inviter_name(invitation: Invitation) -> str | None:
    """The display name of who sent the invitation (never their address); None once that account is gone."""
    inviter = db.session.get(User, invitation.inviter_id) if invitation.inviter_id is not None else None
    return inviter.name if inviter is not None else None


def accept_invitation(user: User, token: str) -> Campaign:
    """Add `user` to the campaign of the invitation, if the invitation was for the user's own address and
    is neither used nor withdrawn. A second click of the user it added lands on the campaign again."""
    invitation = invitation_of_link(token)
    if invitation.voided_at is not None or invitation.email != user.email:
        raise TokenInvalid()
    campaign = invitation.campaign
    if user in campaign.organizers:
        return campaign
    if invitation.accepted_at is not None:
        raise TokenInvalid()
    invitation.accepted_at = utcnow()
    campaign.organizers.append(user)
    return campaign
