"""A campaign's dashboard and what is done from it: the counts, the named signers and their export,
the letters (compiled, then sent after a confirmation page), updates to the signers (after a
confirmation page), names off the wall and closing. The campaign's organizers only."""
from datetime import datetime

from flask import Response, abort, flash, redirect, render_template, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ...bounces.queries import letter_bounces
from ...campaigns.models import Campaign
from ...campaigns.queries import correction_changes, latest_revision
from ...extensions import db
from ...formfields import page_number
from ...letters.operations import compile_later, send_letters
from ...letters.queries import handovers_of, letter_of, recent_letters, records_of
from ...paper.queries import entries_of
from .. import bp
from ..forms import ButtonForm, InviteForm, SendLettersForm, UpdateForm
from ..guards import CampaignLocked, NotPublished, ensure_open, ensure_published
from ..mailing import letter_previews, update_previews
from ..operations import UpdateTooSoon, close, hide_from_wall, next_update_at, open_invitations, send_update
from ..queries import (
    campaigns_of,
    dashboard_numbers,
    last_mailings,
    letters_plan,
    recipients_seen,
    signers_csv,
    signers_page,
    update_audience,
    waiting_correction_lines,
)
from .common import ID, confirmed, not_published, own_campaign


@bp.route("/", endpoint="dashboard_home")
def dashboard_home() -> ResponseReturnValue:
    """The logged-in organizer's campaigns."""
    return render_template("organizers/home.html", campaigns=campaigns_of(current_user))


@bp.route("/<slug>")
def dashboard(slug: str) -> ResponseReturnValue:
    """Counts (a chart per day, online and paper, language and source), the paper log, answers per
    recipient, the last mailings, the named signers, letters, updates, corrections and team of one
    campaign; no signer's email address. Its organizers only."""
    return dashboard_page(own_campaign(slug))


def dashboard_page(campaign: Campaign, update_form: UpdateForm | None = None, invite_form: InviteForm | None = None,
                   problem: str | None = None, status: int = 200) -> ResponseReturnValue:
    """The campaign's overview. A form of it that was sent with a problem (`update_form`, `invite_form`)
    comes back as it was sent: what the organizer typed stays, the error summary at the top says what is
    wrong (its fields' errors, or `problem`)."""
    page = page_number() or abort(404)
    signers = signers_page(campaign, page)
    sent_form = update_form if update_form is not None else invite_form
    revision = latest_revision(campaign)
    return render_template(
        "organizers/dashboard.html", campaign=campaign, numbers=dashboard_numbers(campaign), signers=signers[:100],
        page=page, more=len(signers) > 100, letters=recent_letters(campaign.id), handovers=handovers_of(campaign.id),
        records=records_of(campaign.id), bounces=letter_bounces(campaign.id),
        update_form=update_form if update_form is not None else UpdateForm(formdata=None),
        invite_form=invite_form if invite_form is not None else InviteForm(formdata=None),
        sent_form=sent_form, problem=problem,
        invitations=open_invitations(campaign), revision=revision,
        paper_entries=entries_of(campaign.id)[:5], mailings=last_mailings(campaign),
        correction_changes=correction_changes(campaign, str(get_locale())),
        waiting_lines=waiting_correction_lines(campaign, revision, str(get_locale())),
    ), status


@bp.route("/<slug>/signers.csv")
def export(slug: str) -> ResponseReturnValue:
    """The named signers as CSV, as the letters list them (names and cities, cells neutralised; no email
    address); the campaign's organizers only."""
    campaign = own_campaign(slug)
    return Response(
        stream_with_context(signers_csv(campaign)), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{campaign.slug}-signers.csv"'},
    )


@bp.route(f"/<slug>/letters/<{ID}:letter_id>.pdf")
def letter_pdf(slug: str, letter_id: int) -> ResponseReturnValue:
    """One compiled letter as PDF; the campaign's organizers only."""
    campaign = own_campaign(slug)
    letter = letter_of(campaign.id, letter_id) or abort(404)
    return Response(letter.pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{letter.recipient.key}.{letter.language}.pdf"'})


@bp.route("/<slug>/letters/compile", methods=["POST"])
def compile_letters(slug: str) -> ResponseReturnValue:
    """Compile the letters now, with the count of the moment the job runs; sending them goes through
    the confirmation page. A published campaign's organizers only."""
    campaign = own_campaign(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        ensure_published(campaign)
    except NotPublished:
        abort(400)
    compile_later(campaign.id)
    db.session.commit()
    flash(_("The letters are being compiled with today's count; reload this page in a moment."))
    return redirect(url_for("organizers.dashboard", slug=slug, _anchor="letters"))


@bp.route("/<slug>/letters/send", methods=["GET", "POST"])
def send_letters_page(slug: str) -> ResponseReturnValue:
    """What sending the letters would send to whom (each recipient's mail, as it will read), then the
    button that sends them: each recipient at most once in 24 hours. A published campaign's organizers
    only."""
    campaign = own_campaign(slug)
    try:
        ensure_published(campaign)
    except NotPublished:
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
    plan = letters_plan(campaign)
    return render_template(
        "organizers/send_letters.html", campaign=campaign, form=form, plan=plan, numbers=dashboard_numbers(campaign),
        previews=letter_previews(campaign, plan),
    )


@bp.route("/<slug>/updates", methods=["POST"])
def updates(slug: str) -> ResponseReturnValue:
    """Send an update to the signers who asked for news: the first POST shows what goes to how many
    signers, in Dutch and in English; only the POST of that page (with `confirm`) sends it. A published
    campaign's organizers only."""
    campaign = own_campaign(slug)
    form = UpdateForm()
    try:
        ensure_published(campaign)
    except NotPublished:
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


def too_soon(next_at: datetime) -> str:
    """Why an update cannot go yet (one every 48 hours), in the organizer's words."""
    return _("You can send the next update after %(moment)s.", moment=format_datetime(next_at, "short"))


@bp.route(f"/<slug>/signers/<{ID}:signature_id>/hide", methods=["POST"])
def hide_signer(slug: str, signature_id: int) -> ResponseReturnValue:
    """Take a name off the wall and the letters (the signature still counts); the campaign's organizers only."""
    campaign = own_campaign(slug)
    if not ButtonForm().validate_on_submit() or not hide_from_wall(campaign, signature_id):
        abort(404)
    db.session.commit()
    flash(_("The name no longer shows on the campaign's wall or in the letters; the signature still counts."))
    return redirect(url_for("organizers.dashboard", slug=slug, _anchor="signers-heading"))


@bp.route("/<slug>/close", methods=["POST"])
def close_campaign(slug: str) -> ResponseReturnValue:
    """Close the campaign for new signatures now: the first POST shows what closing means; only the POST
    of that page (with `confirm`) closes it. An open campaign's organizers only."""
    campaign = own_campaign(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        ensure_open(campaign)
        if not confirmed():
            return render_template("organizers/confirm_close.html", campaign=campaign, numbers=dashboard_numbers(campaign))
        close(campaign)
        db.session.commit()
    except CampaignLocked:
        abort(400)
    flash(_("The campaign is closed. Signers who signed just now can still confirm for 24 hours."))
    return redirect(url_for("organizers.dashboard", slug=slug))
