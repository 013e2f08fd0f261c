"""The organizers' pages: drafts, recipients and demands, preview, review request, corrections,
dashboard, export, letters, updates, co-organizers and closing. Logged-in organizers of the campaign
only (anyone else gets a 404, as if the campaign did not exist)."""
from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..campaigns.models import Demand, Recipient
from ..campaigns.queries import as_revision, campaign_by_slug, latest_revision, pending_revision
from ..extensions import db
from ..formfields import page_number
from ..letters.operations import compile_later, send_letters
from ..bounces.queries import letter_bounces
from ..letters.queries import handovers_of, letter_of, recent_letters
from ..paper.queries import entries_of
from ..rules import PUBLIC_STATUSES, CampaignStatus, EmailInvalid
from ..signing.forms import SignForm
from ..signing.rendering import render_campaign
from ..tokens import TokenInvalid
from . import bp
from .forms import (
    ButtonForm,
    CampaignForm,
    DemandForm,
    InviteForm,
    RecipientForm,
    SendLettersForm,
    UpdateForm,
    correction_content,
    correction_form,
)
from .operations import (
    CampaignLocked,
    NothingChanged,
    NotPublished,
    NotReady,
    TooManyInvitations,
    UpdateTooSoon,
    accept_invitation,
    add_demand,
    add_recipient,
    close,
    correction_base,
    create_campaign,
    hide_from_wall,
    invite,
    move_demand,
    move_recipient,
    next_update_at,
    open_invitations,
    propose_correction,
    remove_demand,
    remove_recipient,
    send_update,
    submit_for_review,
    update_campaign,
    update_demand,
    update_recipient,
    void_invitation,
)
from .queries import (
    campaigns_of,
    dashboard_numbers,
    last_mailings,
    letter_previews,
    letters_plan,
    recipients_seen,
    signers_csv,
    signers_page,
    update_audience,
)
from .tasks import update_previews


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


def locked(campaign):
    """A published campaign is corrected through review, not edited in place: say so, and go there."""
    if campaign.status in PUBLIC_STATUSES:
        flash(_("This campaign is published: changes are a correction, which a moderator reviews before it goes online."))
        return redirect(url_for("organizers.correct", slug=campaign.slug))
    flash(_("This campaign can no longer be changed."))
    return redirect(url_for("organizers.dashboard", slug=campaign.slug))


def back_to_draft(campaign, was):
    """An edit of a campaign waiting for review withdraws it from the moderators: tell the organizer."""
    if was == CampaignStatus.PENDING and campaign.status == CampaignStatus.DRAFT:
        flash(_("Your campaign is a draft again, so that moderators review what you changed. Submit it again when you are done."))


def confirmed():
    """Whether the POST comes from a confirmation page's final button (a first POST only shows that page)."""
    return request.form.get("confirm") == "1"


def not_published():
    flash(_("Invitations and updates can be sent once a moderator has published the campaign."))


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
    """Edit a campaign's text and goals while it is a draft or waits for review (an edit then makes it a
    draft again); its organizers only. A published campaign is corrected instead."""
    campaign = own_campaign(slug)
    form = CampaignForm(obj=campaign) if request.method == "GET" else CampaignForm()
    if request.method == "GET":
        form.goals.data = " ".join(str(g) for g in campaign.goals)
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.PENDING):
        return locked(campaign)
    if form.validate_on_submit():
        was = campaign.status
        try:
            update_campaign(campaign, campaign_data(form))
            db.session.commit()
        except CampaignLocked:
            return locked(campaign)
        flash(_("Saved."))
        back_to_draft(campaign, was)
        return redirect(url_for("organizers.edit", slug=slug))
    return render_template("organizers/edit.html", form=form, campaign=campaign), 422 if form.is_submitted() else 200


@bp.route("/<slug>/recipients", methods=["GET", "POST"])
def recipients(slug):
    """The recipients and their demands, with a form to add a recipient; the campaign's organizers only."""
    campaign = own_campaign(slug)
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.PENDING):
        return locked(campaign)
    form = RecipientForm()
    if form.validate_on_submit():
        was = campaign.status
        try:
            add_recipient(campaign, form.name.data, form.email.data, form.language.data, form.texts())
            db.session.commit()
        except CampaignLocked:
            return locked(campaign)
        back_to_draft(campaign, was)
        return redirect(url_for("organizers.recipients", slug=slug))
    return recipients_page(campaign, form, status=422 if form.is_submitted() else 200)


def recipients_page(campaign, form=None, failed=None, status=200):
    """The recipients page: the form to add a recipient (`form`), and a form to edit each recipient and
    each demand and to add a demand, keyed by the prefix of its fields' ids. `failed` is (prefix, form)
    when that form came back with errors: the page shows it open, with what was typed (422)."""
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.PENDING):
        return locked(campaign)
    edit_forms = {}
    for recipient in campaign.recipients:
        edit_forms[f"r{recipient.id}-"] = RecipientForm(formdata=None, obj=recipient)
        edit_forms[f"new-{recipient.id}-"] = DemandForm(formdata=None)
        edit_forms.update({f"d{demand.id}-": DemandForm(formdata=None, obj=demand) for demand in recipient.demands})
    sent_prefix, sent_form = failed or ("", None)
    if sent_form is not None:
        edit_forms[sent_prefix] = sent_form
    return render_template(
        "organizers/recipients.html", campaign=campaign, form=RecipientForm(formdata=None) if form is None else form,
        edit_forms=edit_forms, sent_prefix=sent_prefix, sent_form=sent_form,
    ), status


@bp.route("/<slug>/recipients/<int(max=2147483647):recipient_id>", methods=["POST"])
def recipient_action(slug, recipient_id):
    """Edit, move or remove a recipient, or add a demand to it."""
    campaign = own_campaign(slug)
    recipient = own_recipient(campaign, recipient_id)
    action = request.args.get("action")
    was = campaign.status
    try:
        if action == "edit":
            form = RecipientForm()
            if not form.validate_on_submit():
                return recipients_page(campaign, failed=(f"r{recipient.id}-", form), status=422)
            update_recipient(recipient, form.name.data, form.email.data, form.language.data, form.texts())
        elif action == "add_demand":
            form = DemandForm()
            if not form.validate_on_submit():
                return recipients_page(campaign, failed=(f"new-{recipient.id}-", form), status=422)
            add_demand(recipient, form.text_nl.data, form.text_en.data)
        elif action in ("up", "down") and ButtonForm().validate_on_submit():
            move_recipient(recipient, action)
        elif action == "remove" and ButtonForm().validate_on_submit():
            remove_recipient(recipient)
        else:
            abort(400)
        db.session.commit()
    except CampaignLocked:
        return locked(campaign)
    back_to_draft(campaign, was)
    return redirect(url_for("organizers.recipients", slug=slug, _anchor=f"r{recipient_id}"))


@bp.route("/<slug>/demands/<int(max=2147483647):demand_id>", methods=["POST"])
def demand_action(slug, demand_id):
    """Edit, move or remove a demand; the campaign's organizers only."""
    campaign = own_campaign(slug)
    demand = own_demand(campaign, demand_id)
    action = request.args.get("action")
    anchor = f"r{demand.recipient_id}"
    was = campaign.status
    try:
        if action == "edit":
            form = DemandForm()
            if not form.validate_on_submit():
                return recipients_page(campaign, failed=(f"d{demand.id}-", form), status=422)
            update_demand(demand, form.text_nl.data, form.text_en.data)
        elif action in ("up", "down") and ButtonForm().validate_on_submit():
            move_demand(demand, action)
        elif action == "remove" and ButtonForm().validate_on_submit():
            remove_demand(demand)
        else:
            abort(400)
        db.session.commit()
    except CampaignLocked:
        return locked(campaign)
    back_to_draft(campaign, was)
    return redirect(url_for("organizers.recipients", slug=slug, _anchor=anchor))


@bp.route("/<slug>/preview")
def preview(slug):
    """The campaign exactly as the public will see it, in the language chosen with ?lang=; for a published
    campaign with a correction waiting for review, the correction. Its organizers only."""
    campaign = own_campaign(slug)
    revision = pending_revision(campaign) if campaign.status in PUBLIC_STATUSES else None
    if revision is not None:
        notice = _("Preview of your correction (revision %(number)s): it goes online once a moderator approves it.", number=revision.number)
        return render_campaign(as_revision(campaign, revision.content), SignForm(), notice=notice)
    if campaign.status in PUBLIC_STATUSES:
        return render_campaign(campaign, SignForm(), notice=_("Preview: this is the campaign as it is online."))
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
        return locked(campaign)
    return redirect(url_for("organizers.dashboard", slug=slug))


@bp.route("/<slug>/correct", methods=["GET", "POST"])
def correct(slug):
    """Propose a correction of a published campaign (texts, goals, closing date, recipients' names,
    addresses, languages and demands): it waits for a moderator while the reviewed text stays online.
    The campaign's organizers only."""
    campaign = own_campaign(slug)
    if campaign.status not in PUBLIC_STATUSES:
        if campaign.status in (CampaignStatus.DRAFT, CampaignStatus.PENDING):
            return redirect(url_for("organizers.edit", slug=slug))
        return locked(campaign)
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


@bp.route("/<slug>")
def dashboard(slug):
    """Counts (a chart per day, online and paper, language and source), the paper log, answers per
    recipient, the last mailings, the named signers, letters, updates, corrections and team of one
    campaign; no signer's email address. Its organizers only."""
    return dashboard_page(own_campaign(slug))


def dashboard_page(campaign, update_form=None, invite_form=None, problem=None, status=200):
    """The campaign's overview. A form of it that was sent with a problem (`update_form`, `invite_form`)
    comes back as it was sent: what the organizer typed stays, the error summary at the top says what is
    wrong (its fields' errors, or `problem`)."""
    page = page_number() or abort(404)
    signers = signers_page(campaign, page)
    sent_form = update_form if update_form is not None else invite_form
    return render_template(
        "organizers/dashboard.html", campaign=campaign, numbers=dashboard_numbers(campaign), signers=signers[:100],
        page=page, more=len(signers) > 100, letters=recent_letters(campaign.id), handovers=handovers_of(campaign.id),
        bounces=letter_bounces(campaign.id),
        update_form=update_form if update_form is not None else UpdateForm(formdata=None),
        invite_form=invite_form if invite_form is not None else InviteForm(formdata=None),
        sent_form=sent_form, problem=problem,
        invitations=open_invitations(campaign), revision=latest_revision(campaign),
        paper_entries=entries_of(campaign.id)[:5], mailings=last_mailings(campaign),
    ), status


@bp.route("/<slug>/signers.csv")
def export(slug):
    """The named signers as CSV, as the letters list them (names and cities, cells neutralised; no email
    address); the campaign's organizers only."""
    campaign = own_campaign(slug)
    return Response(
        stream_with_context(signers_csv(campaign)), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{campaign.slug}-signers.csv"'},
    )


@bp.route("/<slug>/letters/<int(max=2147483647):letter_id>.pdf")
def letter_pdf(slug, letter_id):
    """One compiled letter as PDF; the campaign's organizers only."""
    campaign = own_campaign(slug)
    letter = letter_of(campaign.id, letter_id) or abort(404)
    return Response(letter.pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{letter.recipient.key}.{letter.language}.pdf"'})


@bp.route("/<slug>/letters", methods=["POST"])
def letters(slug):
    """Compile the letters now; sending them goes through the confirmation page. The campaign's organizers
    only."""
    campaign = own_campaign(slug)
    if not ButtonForm().validate_on_submit() or campaign.status not in PUBLIC_STATUSES:
        abort(400)
    if request.args.get("action") == "send":
        return redirect(url_for("organizers.send_letters_page", slug=slug), code=303)
    compile_later(campaign.id)
    db.session.commit()
    flash(_("The letters are being compiled with today's count; reload this page in a moment."))
    return redirect(url_for("organizers.dashboard", slug=slug, _anchor="letters"))


@bp.route("/<slug>/letters/send", methods=["GET", "POST"])
def send_letters_page(slug):
    """What sending the letters would send to whom (each recipient's mail, as it will read), then the
    button that sends them: each recipient at most once in 24 hours. The campaign's organizers only."""
    campaign = own_campaign(slug)
    if campaign.status not in PUBLIC_STATUSES:
        abort(404)
    form = SendLettersForm()
    seen = recipients_seen(campaign)
    if form.validate_on_submit():
        if form.recipients_seen.data != seen:
            flash(_("The recipients changed since you opened this page: check them again before sending."))
        else:
            sent = send_letters(campaign.id)
            db.session.commit()
            if sent:
                flash(_("The letters are on their way to the recipients."))
            else:
                flash(_("Nothing was sent: every recipient got its letters less than 24 hours ago."))
            return redirect(url_for("organizers.dashboard", slug=slug, _anchor="letters"))
    form.recipients_seen.data = seen
    numbers = dashboard_numbers(campaign)
    plan = letters_plan(campaign)
    return render_template(
        "organizers/send_letters.html", campaign=campaign, form=form, plan=plan, numbers=numbers,
        previews=letter_previews(campaign, plan),
    )


@bp.route("/<slug>/updates", methods=["POST"])
def updates(slug):
    """Send an update to the signers who asked for news: the first POST shows what goes to how many
    signers, in Dutch and in English; only the POST of that page (with `confirm`) sends it. The
    campaign's organizers only."""
    campaign = own_campaign(slug)
    form = UpdateForm()
    if campaign.status not in PUBLIC_STATUSES:
        if form.validate_on_submit():
            not_published()
        return redirect(url_for("organizers.dashboard", slug=slug))
    if not form.validate_on_submit():
        return dashboard_page(campaign, update_form=form, status=422)
    if not confirmed() and (next_at := next_update_at(campaign)) is not None:
        return dashboard_page(campaign, update_form=form, problem=too_soon(next_at), status=409)
    if not confirmed():
        return render_template(
            "organizers/confirm_update.html", campaign=campaign, form=form, audience=update_audience(campaign),
            previews=update_previews(campaign, form.body_nl.data, form.body_en.data),
        )
    try:
        send_update(campaign, form.body_nl.data, form.body_en.data)
        db.session.commit()
    except UpdateTooSoon as exc:
        db.session.rollback()
        return dashboard_page(campaign, update_form=form, problem=too_soon(exc.next_at), status=409)
    flash(_("Your update is being sent to the signers who asked for updates."))
    return redirect(url_for("organizers.dashboard", slug=slug, _anchor="updates"))


def too_soon(next_at):
    """Why an update cannot go yet (one every 48 hours), in the organizer's words."""
    return _("You can send the next update after %(moment)s.", moment=format_datetime(next_at, "short"))


@bp.route("/<slug>/invite", methods=["POST"])
def invite_organizer(slug):
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


@bp.route("/<slug>/invitations/<int(max=2147483647):invitation_id>/void", methods=["POST"])
def void(slug, invitation_id):
    """Withdraw an invitation that is not used yet: its link stops working. The campaign's organizers only."""
    campaign = own_campaign(slug)
    if not ButtonForm().validate_on_submit() or not void_invitation(campaign, invitation_id):
        abort(404)
    db.session.commit()
    flash(_("The invitation is withdrawn; its link no longer works."))
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
            flash(_("This invitation is for another address, was withdrawn or used, or has expired."))
            return redirect(url_for("organizers.dashboard_home"))
        flash(_("You are now an organizer of this campaign."))
        return redirect(url_for("organizers.dashboard", slug=campaign.slug))
    return render_template("organizers/join.html", form=form)


@bp.route("/<slug>/signers/<int(max=2147483647):signature_id>/hide", methods=["POST"])
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
    """Close the campaign for new signatures now: the first POST shows what closing means; only the POST
    of that page (with `confirm`) closes it. The campaign's organizers only."""
    campaign = own_campaign(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if campaign.status != CampaignStatus.OPEN:
        abort(400)
    if not confirmed():
        return render_template("organizers/confirm_close.html", campaign=campaign, numbers=dashboard_numbers(campaign))
    try:
        close(campaign)
        db.session.commit()
        flash(_("The campaign is closed. Signers who signed just now can still confirm for 24 hours."))
    except CampaignLocked:
        abort(400)
    return redirect(url_for("organizers.dashboard", slug=slug))
