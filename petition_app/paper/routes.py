"""The paper log: organizers record the paper signatures they collected; moderators void an entry that
is wrong. The log and the scans are for the campaign's organizers and the moderators only (private:
never stored by a cache); anyone else gets a 404, as if the campaign did not exist."""
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask.typing import ResponseReturnValue

from ..campaigns.models import Campaign
from ..campaigns.queries import campaign_by_slug
from ..extensions import db
from ..notifications.mailing import milestone_previews
from ..rules import PUBLIC_STATUSES
from ..rules.paper import MAX_PAPER_BODY
from ..security import accepts_files
from . import bp
from .forms import PaperForm, SettingForm, VoidForm
from .operations import (
    BadScan, FutureDate, HeldScanGone, NotPublished, SettingLocked, hold_scan, record, scan_to_record, set_counts_toward_goals,
    void,
)
from .sheet import signature_sheet_pdf
from .queries import entries_of, entry_of, goals_reached_by, news_audience, scan_of


@bp.before_request
@login_required
def require_login() -> None:
    """Every paper page needs an account (Flask-Login sends visitors to the login page)."""


def campaign_or_404(slug: str, may_moderate: bool=False) -> Campaign:
    """The campaign of the path, if the logged-in user organizes it (or, where moderators may, is a
    moderator); anyone else gets a 404."""
    campaign = campaign_by_slug(slug)
    if campaign is None or not (current_user in campaign.organizers or (may_moderate and current_user.is_admin)):
        abort(404)
    return campaign


def page(campaign: Campaign, form: PaperForm | None=None, setting_form: SettingForm | None=None, void_form: VoidForm | None=None, status: int=200) -> tuple[str, int]:
    sent_form = next((f for f in (form, setting_form, void_form) if f is not None and f.errors), None)
    return render_template(
        "paper/log.html", campaign=campaign, entries=entries_of(campaign.id), form=form or PaperForm(), sent_form=sent_form,
        setting_form=setting_form or SettingForm(counts="yes" if campaign.paper_counts_toward_goals else "no"),
        void_form=void_form or VoidForm(), organizer=current_user in campaign.organizers,
        published=campaign.status in PUBLIC_STATUSES,
    ), status


@bp.route("/organize/<slug>/paper", methods=["GET", "POST"])
@accepts_files(MAX_PAPER_BODY, "scan")
def sheets(slug: str) -> ResponseReturnValue:
    """The paper log of a campaign and the form to record a batch of paper signatures (number, date,
    place, optional scan). Viewing: its organizers and the moderators; recording: its organizers. A batch
    that would reach a goal (whose mail goes to every signer who asked for news) shows a confirmation
    page first, with the mail in both languages; only that page's button (with `confirm`) records it."""
    campaign = campaign_or_404(slug, may_moderate=True)
    form = PaperForm()
    if not form.is_submitted():
        return page(campaign)
    if current_user not in campaign.organizers:
        abort(403)
    if form.validate():
        upload = form.scan.data
        scan = upload.read() if upload and getattr(upload, "filename", "") else None
        goals = goals_reached_by(campaign, form.signatures.data) if campaign.status in PUBLIC_STATUSES else []
        try:
            if goals and request.form.get("confirm") != "1":
                # A goal mails every signer who asked for news: like every mass mail, not on one click.
                # The scan waits on our side meanwhile: a browser does not send a chosen file twice.
                held = hold_scan(campaign, current_user, scan, upload.filename) if scan is not None else None
                db.session.commit()
                return render_template(
                    "paper/confirm.html", campaign=campaign, form=form, goals=goals, audience=news_audience(campaign),
                    previews=milestone_previews(campaign, goals[-1]), held=held, final=goals[-1] == campaign.goals[-1],
                )
            scan = scan_to_record(campaign, current_user, scan, request.form.get("held_scan", type=int))
            record(campaign, current_user, form.signatures.data, form.collected_on.data, form.place.data, scan)
        except NotPublished:
            abort(400)
        except FutureDate:
            form.collected_on.errors.append(_("The date cannot be in the future."))
        except BadScan:
            form.scan.errors.append(_("The scan must be a PDF, PNG or JPEG file of at most 8 MB."))
        except HeldScanGone:
            form.scan.errors.append(_("The scan was kept for an hour only and is gone now: choose it again."))
        else:
            db.session.commit()
            flash(ngettext("Recorded %(num)s paper signature.", "Recorded %(num)s paper signatures.", form.signatures.data))
            return redirect(url_for("paper.sheets", slug=slug), code=303)
    return page(campaign, form=form, status=422)


@bp.route("/organize/<slug>/paper/setting", methods=["POST"])
def setting(slug: str) -> ResponseReturnValue:
    """Choose whether paper signatures count toward the goals (before the first entry); its organizers."""
    campaign = campaign_or_404(slug)
    form = SettingForm()
    if not form.validate_on_submit():
        return page(campaign, setting_form=form, status=422)
    try:
        set_counts_toward_goals(campaign, form.counts.data == "yes")
    except SettingLocked:
        form.counts.errors.append(_("This can only be changed before the first paper signatures are recorded."))
        return page(campaign, setting_form=form, status=409)
    db.session.commit()
    flash(_("Saved."))
    return redirect(url_for("paper.sheets", slug=slug), code=303)


@bp.route("/organize/<slug>/paper/sheet.pdf")
def sheet(slug: str) -> ResponseReturnValue:
    """A printable signature sheet (A4 PDF) of a published campaign in `?language=` (nl or en, else the
    page's language): the title, the demands, a consent line and rows to sign in. Its organizers and
    the moderators."""
    campaign = campaign_or_404(slug, may_moderate=True)
    if campaign.status not in PUBLIC_STATUSES:
        abort(404)
    chosen = request.args.get("language")
    language = chosen if chosen is not None and chosen in current_app.config["LANGUAGES"] else str(get_locale())
    return Response(signature_sheet_pdf(campaign, language), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{campaign.slug}-signature-sheet-{language}.pdf"',
    })


@bp.route("/organize/<slug>/paper/<int(max=2147483647):entry_id>/scan")
def scan(slug: str, entry_id: int) -> ResponseReturnValue:
    """The scan of one paper entry, for the campaign's organizers and the moderators only; never
    stored by a browser or proxy (no-store), never public."""
    campaign = campaign_or_404(slug, may_moderate=True)
    found = scan_of(campaign.id, entry_id) or abort(404)
    data, media_type = found
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[media_type]
    return Response(data, mimetype=media_type, headers={
        "Content-Disposition": f'inline; filename="{campaign.slug}-paper-{entry_id}.{extension}"',
    })


@bp.route("/admin/<slug>/paper/<int(max=2147483647):entry_id>/void", methods=["POST"])
def void_entry(slug: str, entry_id: int) -> ResponseReturnValue:
    """Void a paper entry (it stays in the log, marked, with the reason); moderators only (403 for
    anyone else)."""
    if not current_user.is_admin:
        abort(403)
    campaign = campaign_by_slug(slug) or abort(404)
    entry = entry_of(campaign.id, entry_id) or abort(404)
    form = VoidForm()
    if not form.validate_on_submit():
        return page(campaign, void_form=form, status=422)
    if void(entry, current_user, form.reason.data):
        db.session.commit()
        flash(_("The entry is voided; its signatures no longer count."))
    else:
        flash(_("This entry was already voided."))
    return redirect(url_for("paper.sheets", slug=slug), code=303)
