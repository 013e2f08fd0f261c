from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from datetime import timezone

from wtforms import DateTimeLocalField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..campaigns.models import Campaign
from ..campaigns.rendering import render_campaign
from ..extensions import db
from ..jobs.failures import failed_jobs, retry
from ..organizers.forms import ButtonForm
from ..organizers.services import CampaignLocked, approve, hide, reject
from ..signing.forms import SignForm
from ..signing.moderation import invalidate, preview_invalidation
from . import bp


def reason_choices():
    return [
        SelectChoice("incomplete", _l("Incomplete or unclear")),
        SelectChoice("accusation", _l("Names or accuses a person")),
        SelectChoice("personal_data", _l("Contains personal data")),
        SelectChoice("not_a_campaign", _l("Not a campaign for this platform")),
        SelectChoice("other", _l("Other (explained below)")),
    ]


class RejectForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=reason_choices())
    note = TextAreaField(_l("Explanation for the organizers"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Send back to the organizers"))


class HideForm(FlaskForm):
    note = TextAreaField(_l("Reason, for the organizers"), validators=[DataRequired(_l("Please fill this in.")), Length(max=2000)])
    submit = SubmitField(_l("Take offline"))


class InvalidateForm(FlaskForm):
    since = DateTimeLocalField(_l("Signed from (UTC)"), validators=[Optional()])
    until = DateTimeLocalField(_l("Signed before (UTC)"), validators=[Optional()])
    ip_hash = StringField(_l("Address hash"), filters=[lambda v: v.strip() if v else v], validators=[Optional(), Length(max=64)])
    domain = StringField(_l("Mail domain"), filters=[lambda v: v.strip().lower() if v else v], validators=[Optional(), Length(max=253)])
    preview = SubmitField(_l("Count the matching signatures"))
    confirm = SubmitField(_l("Invalidate them"))

    def filters(self):
        utc = timezone.utc
        return {
            "since": self.since.data.replace(tzinfo=utc) if self.since.data else None,
            "until": self.until.data.replace(tzinfo=utc) if self.until.data else None,
            "ip_hash": self.ip_hash.data or None,
            "domain": self.domain.data or None,
        }


@bp.before_request
@login_required
def require_admin():
    """Moderators only; an organizer who guesses the address gets a 403."""
    if not current_user.is_admin:
        abort(403)


def campaign_or_404(slug):
    return db.session.scalar(select(Campaign).where(Campaign.slug == slug)) or abort(404)


@bp.route("/")
def queue():
    pending = db.session.scalars(select(Campaign).where(Campaign.status == "pending").order_by(Campaign.submitted_at)).all()
    live = db.session.scalars(select(Campaign).where(Campaign.status.in_(("open", "closed"))).order_by(Campaign.published_at.desc())).all()
    return render_template("admin/queue.html", pending=pending, live=live, button=ButtonForm(), reject_form=RejectForm(), hide_form=HideForm())


@bp.route("/jobs")
def jobs():
    return render_template("admin/jobs.html", jobs=failed_jobs())


@bp.route("/jobs/retry", methods=["POST"])
def retry_job():
    if not ButtonForm().validate_on_submit():
        abort(400)
    if retry(request.form.get("job", "")):
        flash(_("The job is back in line."))
    else:
        flash(_("That job is no longer waiting."))
    return redirect(url_for("admin.jobs"))


@bp.route("/<slug>/invalidate", methods=["GET", "POST"])
def invalidate_signatures(slug):
    """Take signatures that abuse put in out of the count: first the number, then, on a second press,
    the deed. The count is recomputed; milestones stay reached."""
    campaign = campaign_or_404(slug)
    form = InvalidateForm()
    matching = None
    if form.validate_on_submit():
        filters = form.filters()
        if not any(filters.values()):
            flash(_("Give at least one of the filters."))
        elif form.confirm.data:
            taken = invalidate(campaign.id, **filters)
            flash(_("%(num)s signature(s) invalidated; the count is recomputed.", num=taken))
            return redirect(url_for("admin.invalidate_signatures", slug=slug))
        else:
            matching = preview_invalidation(campaign.id, **filters)
    return render_template("admin/invalidate.html", campaign=campaign, form=form, matching=matching)


@bp.route("/<slug>/preview")
def preview(slug):
    return render_campaign(campaign_or_404(slug), SignForm(), notice=_("Preview for moderation."))


@bp.route("/<slug>/<action>", methods=["POST"])
def moderate(slug, action):
    campaign = campaign_or_404(slug)
    try:
        if action == "approve" and ButtonForm().validate_on_submit():
            approve(campaign)
            flash(_("Published; the organizers are told."))
        elif action == "reject" and (form := RejectForm()).validate_on_submit():
            reject(campaign, form.reason.data, form.note.data.strip())
            flash(_("Sent back; the organizers are told why."))
        elif action == "hide" and (form := HideForm()).validate_on_submit():
            hide(campaign, form.note.data.strip())
            flash(_("Taken offline; the organizers are told why."))
        else:
            flash(_("Please give a reason."))
    except CampaignLocked:
        flash(_("That is not possible in the campaign's current state."))
    return redirect(url_for("admin.queue"))


