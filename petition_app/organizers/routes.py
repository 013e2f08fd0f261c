"""The organizers' pages: drafts, recipients and demands, preview, review request, dashboard, export,
letters, updates, co-organizers and closing. Logged-in organizers of the campaign only (anyone else
gets a 404, as if the campaign did not exist)."""
from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..campaigns.models import Demand, Recipient
from ..campaigns.queries import campaign_by_slug
from ..extensions import db
from ..formfields import page_number
from ..letters.operations import compile_later, send_letters
from ..letters.queries import handovers_of, letter_of, recent_letters
from ..rules import PUBLIC_STATUSES, EmailInvalid
from ..signing.forms import SignForm
from ..signing.rendering import render_campaign
from ..tokens import TokenInvalid
from . import bp
from .forms import ButtonForm, CampaignForm, DemandForm, InviteForm, RecipientForm, UpdateForm
from .operations import (
    CampaignLocked,
    NotReady,
    UpdateTooSoon,
    accept_invitation,
    add_demand,
    add_recipient,
    close,
    create_campaign,
    hide_from_wall,
    invite,
    move_demand,
    move_recipient,
    remove_demand,
    remove_recipient,
    send_update,
    submit_for_review,
    update_campaign,
    update_demand,
    update_recipient,
)
from .queries import campaigns_of, dashboard_numbers, signers_csv, signers_page


@bp.before_request
@login_required
def require_login():
    """Every organizer page needs an account (Flask-Login sends visitors to the login page)."""


def own_campaign(slug):
    """The campaign, if the logged-in user organizes it; anyone else gets a 404, as if it did not exist."""
    campaign = campaign_by_slug(slug)
    if campaign is None or current_user not in campaign.organizers:
        abort(404)
    return campaign


def own_recipient(campaign, recipient_id):
    recipient = db.session.get(Recipient, recipient_id)
    if recipient is None or recipient.campaign_id != campaign.id:
        abort(404)
    return recipient


def own_demand(campaign, demand_id):
    demand = db.session.get(Demand, demand_id)
    if demand is None or demand.recipient.campaign_id != campaign.id:
        abort(404)
    return demand


def campaign_data(form):
    return {
        "title_nl": form.title_nl.data, "title_en": form.title_en.data,
        "summary_nl": form.summary_nl.data, "summary_en": form.summary_en.data,
        "body_nl": form.body_nl.data or "", "body_en": form.body_en.data or "",
        "organizer_name": form.organizer_name.data, "closes_on": form.closes_on.data, "goals": form.goals.goals,
    }


def locked():
    flash(_("This campaign is published: its text and demands can no longer be changed."))


@bp.route("/", endpoint="dashboard_home")
def dashboard_home():
    """The logged-in organizer's campaigns."""
    return render_template("organizers/home.html", campaigns=campaigns_of(current_user))


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Start a new draft; for logged-in organizers."""
    form = CampaignForm()
    if form.validate_on_submit():
        campaign = create_campaign(current_user, campaign_data(form))
        db.session.commit()
        flash(_("Your draft is saved. Now add the recipients and their demands."))
        return redirect(url_for("organizers.recipients", slug=campaign.slug))
    return render_template("organizers/edit.html", form=form, campaign=None), 422 if form.is_submitted() else 200


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit(slug):
    """Edit a campaign's text and goals while it is a draft or waits for review; its organizers only."""
    campaign = own_campaign(slug)
    form = CampaignForm(obj=campaign) if request.method == "GET" else CampaignForm()
    if request.method == "GET":
        form.goals.data = " ".join(str(g) for g in campaign.goals)
    if form.validate_on_submit():
        try:
            update_campaign(campaign, campaign_data(form))
            db.session.commit()
        except CampaignLocked:
            locked()
            return redirect(url_for("organizers.dashboard", slug=slug))
        flash(_("Saved."))
        return redirect(url_for("organizers.edit", slug=slug))
    return render_template("organizers/edit.html", form=form, campaign=campaign), 422 if form.is_submitted() else 200


@bp.route("/<slug>/recipients", methods=["GET", "POST"])
def recipients(slug):
    """The recipients and their demands, with a form to add a recipient; the campaign's organizers only."""
    campaign = own_campaign(slug)
    form = RecipientForm()
    if form.validate_on_submit():
        try:
            add_recipient(campaign, form.name.data, form.email.data, form.language.data)
            db.session.commit()
        except CampaignLocked:
            locked()
        return redirect(url_for("organizers.recipients", slug=slug))
    return render_template(
        "organizers/recipients.html", campaign=campaign, form=form
    ), 422 if form.is_submitted() else 200


@bp.route("/<slug>/recipients/<int:recipient_id>", methods=["POST"])
def recipient_action(slug, recipient_id):
    """Edit, move or remove a recipient, or add a demand to it."""
    campaign = own_campaign(slug)
    recipient = own_recipient(campaign, recipient_id)
    action = request.args.get("action")
    try:
        if action == "edit":
            form = RecipientForm()
            if not form.validate_on_submit():
                flash(_("Please check the recipient's name and email address."))
            else:
                update_recipient(recipient, form.name.data, form.email.data, form.language.data)
        elif action == "add_demand":
            form = DemandForm()
            if not form.validate_on_submit():
                flash(_("A demand needs a Dutch and an English text."))
            else:
                add_demand(recipient, form.text_nl.data, form.text_en.data)
        elif action in ("up", "down") and ButtonForm().validate_on_submit():
            move_recipient(recipient, action)
        elif action == "remove" and ButtonForm().validate_on_submit():
            remove_recipient(recipient)
        else:
            abort(400)
        db.session.commit()
    except CampaignLocked:
        locked()
    return redirect(url_for("organizers.recipients", slug=slug, _anchor=f"r{recipient_id}"))


@bp.route("/<slug>/demands/<int:demand_id>", methods=["POST"])
def demand_action(slug, demand_id):
    """Edit, move or remove a demand; the campaign's organizers only."""
    campaign = own_campaign(slug)
    demand = own_demand(campaign, demand_id)
    action = request.args.get("action")
    anchor = f"r{demand.recipient_id}"
    try:
        if action == "edit":
            form = DemandForm()
            if not form.validate_on_submit():
                flash(_("A demand needs a Dutch and an English text."))
            else:
                update_demand(demand, form.text_nl.data, form.text_en.data)
        elif action in ("up", "down") and ButtonForm().validate_on_submit():
            move_demand(demand, action)
        elif action == "remove" and ButtonForm().validate_on_submit():
            remove_demand(demand)
        else:
            abort(400)
        db.session.commit()
    except CampaignLocked:
        locked()
    return redirect(url_for("organizers.recipients", slug=slug, _anchor=anchor))


@bp.route("/<slug>/preview")
def preview(slug):
    """The campaign exactly as the public will see it, in the language chosen with ?lang=."""
    campaign = own_campaign(slug)
    return render_campaign(campaign, SignForm(), notice=_("Preview: this is how the campaign will look. Signing is not possible yet."))


@bp.route("/<slug>/submit", methods=["POST"])
def submit(slug):
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
    except CampaignLocked:
        locked()
    return redirect(url_for("organizers.dashboard", slug=slug))


@bp.route("/<slug>")
def dashboard(slug):
    """Counts, chart, sources, signers, letters, updates and team of one campaign; its organizers only."""
    campaign = own_campaign(slug)
    page = page_number() or abort(404)
    signers = signers_page(campaign, page)
    letters = recent_letters(campaign.id)
    handovers = handovers_of(campaign.id)
    return render_template(
        "organizers/dashboard.html", campaign=campaign, numbers=dashboard_numbers(campaign), signers=signers[:100],
        page=page, more=len(signers) > 100, letters=letters, handovers=handovers, update_form=UpdateForm(),
        invite_form=InviteForm(),
    )


@bp.route("/<slug>/signers.csv")
def export(slug):
    """The signers as CSV (names and cities, cells neutralised); the campaign's organizers only."""
    campaign = own_campaign(slug)
    return Response(
        stream_with_context(signers_csv(campaign)), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{campaign.slug}-signers.csv"'},
    )


@bp.route("/<slug>/letters/<int:letter_id>.pdf")
def letter_pdf(slug, letter_id):
    """One compiled letter as PDF; the campaign's organizers only."""
    campaign = own_campaign(slug)
    letter = letter_of(campaign.id, letter_id) or abort(404)
    return Response(letter.pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{letter.recipient.key}.{letter.language}.pdf"'})


@bp.route("/<slug>/letters", methods=["POST"])
def letters(slug):
    """Compile the letters now, or send them to the recipients; the campaign's organizers only."""
    campaign = own_campaign(slug)
    if not ButtonForm().validate_on_submit() or campaign.status not in PUBLIC_STATUSES:
        abort(400)
    if request.args.get("action") == "send":
        send_letters(campaign.id)
        db.session.commit()
        flash(_("The letters are on their way to the recipients."))
    else:
        compile_later(campaign.id)
        db.session.commit()
        flash(_("The letters are being compiled with today's count; reload this page in a moment."))
    return redirect(url_for("organizers.dashboard", slug=slug, _anchor="letters"))


@bp.route("/<slug>/updates", methods=["POST"])
def updates(slug):
    """Send an update to the signers who asked for news; the campaign's organizers only."""
    campaign = own_campaign(slug)
    form = UpdateForm()
    if campaign.status not in PUBLIC_STATUSES:
        abort(400)
    if not form.validate_on_submit():
        flash(_("An update needs a Dutch and an English text."))
    else:
        try:
            send_update(campaign, form.body_nl.data, form.body_en.data)
            db.session.commit()
            flash(_("Your update is being sent to the signers who asked for updates."))
        except UpdateTooSoon as exc:
            flash(_("You can send the next update after %(moment)s.", moment=format_datetime(exc.next_at, "short")))
    return redirect(url_for("organizers.dashboard", slug=slug, _anchor="updates"))


@bp.route("/<slug>/invite", methods=["POST"])
def invite_organizer(slug):
    """Invite a co-organizer by mail; the campaign's organizers only."""
    campaign = own_campaign(slug)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invite(campaign, current_user, form.email.data)
            db.session.commit()
            flash(_("The invitation is sent."))
        except EmailInvalid:
            flash(_("Enter a valid email address, like name@example.org."))
    else:
        flash(_("Enter a valid email address, like name@example.org."))
    return redirect(url_for("organizers.dashboard", slug=slug, _anchor="team"))


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token):
    """An invitation link: logged in with the invited address, one button makes you a co-organizer."""
    form = ButtonForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            campaign = accept_invitation(current_user, token)
            db.session.commit()
        except TokenInvalid:
            flash(_("This invitation is for another address, or it has expired."))
            return redirect(url_for("organizers.dashboard_home"))
        flash(_("You are now an organizer of this campaign."))
        return redirect(url_for("organizers.dashboard", slug=campaign.slug))
    return render_template("organizers/join.html", form=form)


@bp.route("/<slug>/signers/<int:signature_id>/hide", methods=["POST"])
def hide_signer(slug, signature_id):
    """Take a name off the wall and the letters (the signature still counts); the campaign's organizers only."""
    campaign = own_campaign(slug)
    if not ButtonForm().validate_on_submit() or not hide_from_wall(campaign, signature_id):
        abort(404)
    db.session.commit()
    flash(_("The name no longer shows on the campaign's wall or in the letters; the signature still counts."))
    return redirect(url_for("organizers.dashboard", slug=slug, _anchor="signers-heading"))


@bp.route("/<slug>/close", methods=["POST"])
def close_campaign(slug):
    """Close the campaign for new signatures now; the campaign's organizers only."""
    campaign = own_campaign(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        close(campaign)
        db.session.commit()
        flash(_("The campaign is closed. Signers who signed just now can still confirm for 24 hours."))
    except CampaignLocked:
        abort(400)
    return redirect(url_for("organizers.dashboard", slug=slug))
