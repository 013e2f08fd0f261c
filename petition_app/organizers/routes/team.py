"""The team of a campaign: invitations of co-organizers (sent once a moderator has published the
campaign, withdrawn while unused) and the invitation link that makes its holder a co-organizer."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...rules import EmailInvalid
from ...tokens import TokenInvalid
from .. import bp
from ..forms import ButtonForm, InviteForm
from ..guards import NotPublished
from ..invitations import TooManyInvitations, accept_invitation, invitation_of_link, invite, inviter_name, void_invitation
from .common import ID, not_published, own_campaign
from .dashboard import dashboard_page


@bp.route("/<slug>/invite", methods=["POST"])
def invite_organizer(slug: str) -> ResponseReturnValue:
    """Invite a co-organizer by mail, once a moderator has published the campaign; the campaign's
    organizers only."""
    campaign = own_campaign(slug)
    form = InviteForm()
    if not form.validate_on_submit():
        return dashboard_page(campaign, invite_form=form, status=422)
    try:
        invite(campaign, current_user, form.email.data)
        db.session.commit()
        flash(_("The invitation is sent."))
    except EmailInvalid:
        db.session.rollback()
        return dashboard_page(campaign, invite_form=form, problem=_("Enter a valid email address, like name@example.org."), status=422)
    except NotPublished:
        not_published()
    except TooManyInvitations:
        flash(_("This campaign has sent enough invitations for today; try again tomorrow."))
    return redirect(url_for("organizers.dashboard", slug=slug, _anchor="team"))


@bp.route(f"/<slug>/invitations/<{ID}:invitation_id>/void", methods=["POST"])
def void(slug: str, invitation_id: int) -> ResponseReturnValue:
    """Withdraw an invitation that is not used yet: its link stops working. The campaign's organizers only."""
    campaign = own_campaign(slug)
    if not ButtonForm().validate_on_submit() or not void_invitation(campaign, invitation_id):
        abort(404)
    db.session.commit()
    flash(_("The invitation is withdrawn; its link no longer works."))
    return redirect(url_for("organizers.dashboard", slug=slug, _anchor="team"))


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str) -> ResponseReturnValue:
    """An invitation link: logged in with the invited address, one button makes you a co-organizer. The
    page names the campaign and who invited (their name, never an address). Someone without an account
    is sent to the login, which keeps this link through registering (`next`)."""
    form = ButtonForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            campaign = accept_invitation(current_user, token)
            db.session.commit()
        except TokenInvalid:
            flash(_("This invitation is for another address, was withdrawn or used, or has expired."))
            return redirect(url_for("organizers.dashboard_home"))
        flash(_("You are now an organizer of this campaign."))
        return redirect(url_for("organizers.dashboard", slug=campaign.slug))
    try:
        invitation = invitation_of_link(token)
    except TokenInvalid:
        invitation = None
    usable = invitation is not None and invitation.voided_at is None
    return render_template(
        "organizers/join.html", form=form, invitation=invitation if usable else None,
        inviter=inviter_name(invitation) if invitation is not None and usable else None,
    )
