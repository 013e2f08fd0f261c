"""The editor of a campaign: a new draft, its text and goals, the preview, the request for review and,
once published, corrections through review. The campaign's organizers only."""
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from ...campaigns.models import Campaign
from ...campaigns.queries import as_revision, pending_revision
from ...extensions import db
from ...signing.forms import SignForm
from ...signing.rendering import render_campaign
from .. import bp
from ..forms import ButtonForm, CampaignForm, correction_content, correction_form
from ..guards import CampaignLocked, NotYetPublished, ensure_correctable, ensure_editable
from ..operations import NothingChanged, NotReady, correction_base, create_campaign, propose_correction, submit_for_review, update_campaign
from .common import back_to_draft, own_campaign, refused


def campaign_data(form: CampaignForm) -> dict[str, Any]:
    """What the campaign form says, as create_campaign and update_campaign take it."""
    return {
        "title_nl": form.title_nl.data, "title_en": form.title_en.data,
        "summary_nl": form.summary_nl.data, "summary_en": form.summary_en.data,
        "body_nl": form.body_nl.data or "", "body_en": form.body_en.data or "",
        "organizer_name": form.organizer_name.data, "closes_on": form.closes_on.data, "goals": form.goals.goals,
    }


@bp.route("/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    """Start a new draft; for logged-in organizers."""
    form = CampaignForm()
    if form.validate_on_submit():
        campaign = create_campaign(current_user, campaign_data(form))
        db.session.commit()
        flash(_("Your draft is saved. Now add the recipients and their demands."))
        return redirect(url_for("organizers.recipients", slug=campaign.slug))
    return render_template("organizers/edit.html", form=form, campaign=None), 422 if form.is_submitted() else 200


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str) -> ResponseReturnValue:
    """Edit a campaign's text and goals while it is a draft or waits for review (an edit then makes it a
    draft again); its organizers only. A published campaign is corrected instead."""
    campaign = own_campaign(slug)
    form = CampaignForm(obj=campaign) if request.method == "GET" else CampaignForm()
    if request.method == "GET":
        form.goals.data = " ".join(str(g) for g in campaign.goals)
    try:
        ensure_editable(campaign)
        if form.validate_on_submit():
            withdrawn = update_campaign(campaign, campaign_data(form))
            db.session.commit()
            flash(_("Saved."))
            back_to_draft(withdrawn)
            return redirect(url_for("organizers.edit", slug=slug))
    except CampaignLocked as exc:
        return refused(campaign, exc)
    return render_template("organizers/edit.html", form=form, campaign=campaign), 422 if form.is_submitted() else 200


@bp.route("/<slug>/preview")
def preview(slug: str) -> ResponseReturnValue:
    """The campaign exactly as the public will see it; for a published campaign with a correction waiting
    for review, the correction. `?preview_lang=nl|en` shows it in that language for this one answer
    (the page as a visitor in that language sees it), without changing the organizer's own language:
    nothing is remembered in the session or a cookie. Its organizers only."""
    campaign = own_campaign(slug)
    language = request.args.get("preview_lang")
    if language not in current_app.config["LANGUAGES"]:
        return preview_page(campaign)
    with force_locale(language):
        return preview_page(campaign)


def preview_page(campaign: Campaign) -> tuple[str, int]:
    if not campaign.is_public:
        return render_campaign(campaign, SignForm(), notice=_("Preview: this is how the campaign will look. Signing is not possible yet."))
    revision = pending_revision(campaign)
    if revision is None:
        return render_campaign(campaign, SignForm(), notice=_("Preview: this is the campaign as it is online."))
    notice = _("Preview of your correction (revision %(number)s): it goes online once a moderator approves it.", number=revision.number)
    return render_campaign(as_revision(campaign, revision.content), SignForm(), notice=notice)


@bp.route("/<slug>/submit", methods=["POST"])
def submit(slug: str) -> ResponseReturnValue:
    """Send a draft to the moderators for review; the campaign's organizers only."""
    campaign = own_campaign(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        submit_for_review(campaign)
        db.session.commit()
        flash(_("Thank you. A moderator will review your campaign; you will get a mail when it is published."))
    except NotReady as exc:
        if "text" in exc.missing:
            flash(_("Fill in the title and summary in both languages first."))
        if "demands" in exc.missing:
            flash(_("Add at least one recipient, each with at least one demand, first."))
    except CampaignLocked as exc:
        return refused(campaign, exc)
    return redirect(url_for("organizers.dashboard", slug=slug))


@bp.route("/<slug>/correct", methods=["GET", "POST"])
def correct(slug: str) -> ResponseReturnValue:
    """Propose a correction of a published campaign (texts, goals, closing date, recipients' names,
    addresses, languages and demands): it waits for a moderator while the reviewed text stays online.
    A draft is edited instead. The campaign's organizers only."""
    campaign = own_campaign(slug)
    try:
        ensure_correctable(campaign)
    except NotYetPublished:
        return redirect(url_for("organizers.edit", slug=slug))
    except CampaignLocked as exc:
        return refused(campaign, exc)
    base = correction_base(campaign)
    reached = [milestone.goal for milestone in campaign.milestones]
    form = correction_form(base, campaign.confirmed_count, reached)
    if form.validate_on_submit():
        try:
            number = propose_correction(campaign, correction_content(form, base))
            db.session.commit()
        except NothingChanged:
            form.form_errors.append(_("Nothing is changed: change what needs correcting, then submit."))
        except CampaignLocked:
            flash(_("This campaign can no longer be changed."))
            return redirect(url_for("organizers.dashboard", slug=slug))
        else:
            if number:
                flash(_("Thank you. Revision %(number)s waits for a moderator; the campaign stays online as it was until then.", number=number))
            else:
                flash(_("Your correction is withdrawn; the campaign stays as it is online."))
            return redirect(url_for("organizers.dashboard", slug=slug, _anchor="corrections"))
    return render_template(
        "organizers/correct.html", campaign=campaign, form=form, waiting=pending_revision(campaign),
    ), 422 if form.is_submitted() else 200
