"""The moderators' pages: the review queue, previews, approving, sending back, taking offline, bulk
invalidation of signatures and the failed jobs. Moderators only (403 for anyone else)."""
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import get_locale, ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ..campaigns.models import Campaign
from ..campaigns.revisions import snapshot
from ..campaigns.queries import as_revision, campaign_by_slug, pending_revision, revision_of
from ..extensions import db
from ..formfields import ButtonForm
from ..jobs.failures import failed_jobs, retry
from ..rules import has_a_filter
from ..signing.forms import SignForm
from ..signing.upkeep import invalidate, preview_invalidation
from ..signing.rendering import render_campaign
from . import bp
from .forms import ApproveForm, HideForm, InvalidateForm, RejectForm
from .mailing import Decision, decision_of, decision_previews
from .operations import CampaignLocked, RecipientsNotApproved, RevisionOutdated, approve, hide, reject
from .queries import address_reviews, correction_reviews, live_campaigns, pending_revisions, recent_clusters


@bp.before_request
@login_required
def require_admin() -> None:
    """Moderators only; an organizer who guesses the address gets a 403."""
    if not current_user.is_admin:
        abort(403)


#: A moderator's decisions (the <action> of admin.moderate) and the form each one sends.
DECISION_FORMS: dict[str, Any] = {"approve": ApproveForm, "reject": RejectForm, "hide": HideForm}


def campaign_or_404(slug: str) -> Campaign:
    """The campaign of the address; a 404 when there is none."""
    return campaign_by_slug(slug) or abort(404)


@bp.route("/")
def queue() -> ResponseReturnValue:
    """The review queue (each revision with its number, and what a correction changes) and the live
    campaigns; moderators only."""
    return queue_page()


def queue_page(sent_prefix: str = "", sent_form: FlaskForm | None = None, status: int = 200) -> ResponseReturnValue:
    """The queue; a decision's form sent with a mistake (`sent_form`, its fields' ids starting with
    `sent_prefix`) comes back open, with the moderator's text and its errors (422)."""
    pending = pending_revisions()
    return render_template(
        "admin/queue.html", pending=pending, reviews=correction_reviews(pending, str(get_locale())), live=live_campaigns(),
        approve_form=ApproveForm(formdata=None),
        address_reviews={revision.id: address_reviews(revision.campaign, revision.content, revision.correction) for revision in pending},
        reject_form=RejectForm(formdata=None), hide_form=HideForm(formdata=None), sent_prefix=sent_prefix,
        sent_form=sent_form,
    ), status


@bp.route("/jobs")
def jobs() -> ResponseReturnValue:
    """Jobs that gave up (failed registries and the outbox); moderators only."""
    return render_template("admin/jobs.html", jobs=failed_jobs())


@bp.route("/jobs/retry", methods=["POST"])
def retry_job() -> ResponseReturnValue:
    """Put one failed job back in line; moderators only."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    if retry(request.form.get("job", "")):
        flash(_("The job is back in line."))
    else:
        flash(_("That job is no longer waiting."))
    return redirect(url_for("admin.jobs"))


@bp.route("/<slug>/invalidate", methods=["GET", "POST"])
def invalidate_signatures(slug: str) -> ResponseReturnValue:
    """Take signatures that abuse put in out of the count: first the number, then, on a second press,
    the deed. The count is recomputed; milestones stay reached."""
    campaign = campaign_or_404(slug)
    form = InvalidateForm()
    matching = None
    if form.validate_on_submit():
        filters = form.filters()
        if not has_a_filter(filters):
            flash(_("Give at least one of the filters."))
        elif form.confirm.data:
            taken = invalidate(campaign.id, **filters)
            db.session.commit()
            flash(ngettext(
                "%(num)s signature invalidated; the count is recomputed.",
                "%(num)s signatures invalidated; the count is recomputed.", taken,
            ))
            return redirect(url_for("admin.invalidate_signatures", slug=slug))
        else:
            matching = preview_invalidation(campaign.id, **filters)
    return render_template("admin/invalidate.html", campaign=campaign, form=form, matching=matching)


@bp.route("/<slug>/preview")
def preview(slug: str) -> ResponseReturnValue:
    """A revision of a campaign as the public would see it: `?revision=N`, else the one waiting for
    review, else the campaign as it is; moderators only."""
    campaign = campaign_or_404(slug)
    number = request.args.get("revision", type=int)
    if number is not None and not 0 < number < 2**31:
        abort(404)
    revision = revision_of(campaign, number) if number else pending_revision(campaign)
    if number and revision is None:
        abort(404)
    if revision is None:
        return render_campaign(campaign, SignForm(), notice=_("Preview for moderation."),
                               moderation=address_reviews(campaign, snapshot(campaign), False))
    notice = _("Preview of revision %(number)s for moderation.", number=revision.number)
    return render_campaign(as_revision(campaign, revision.content), SignForm(), notice=notice,
                           moderation=address_reviews(campaign, revision.content, revision.correction))


def confirmation(campaign: Campaign, action: str) -> ResponseReturnValue | None:
    """The page before a decision: what it does, to whom, and the organizers' mail in both languages;
    None when the form is not filled in right (the decision below then says what is missing)."""
    if not (form := DECISION_FORMS[action]()).validate_on_submit():
        return None
    waiting = pending_revision(campaign)
    if action in ("approve", "reject") and (waiting is None or waiting.number != form.revision.data):
        return None  # not the revision waiting: the decision below refuses it and says which one waits
    decision = decision_of(action, bool(waiting is not None and waiting.correction))
    reason = form.reason.data if action == "reject" else ""
    note = form.note.data.strip() if action != "approve" else ""
    return render_template(
        "admin/confirm.html", campaign=campaign, action=action, form=form, decision=decision, waiting=waiting,
        Decision=Decision,
        previews=decision_previews(campaign, decision, reason, note), signers=campaign.confirmed_count,
        reviews=address_reviews(campaign, waiting.content, waiting.correction) if waiting is not None and action != "hide" else [],
    )


@bp.route("/<slug>/<action>", methods=["POST"])
def moderate(slug: str, action: str) -> ResponseReturnValue:
    """Approve or send back (with a reason) the revision the moderator read, or take a campaign offline:
    the first POST shows what will happen and the organizers' mail in Dutch and in English; only the POST
    of that page (with `confirm`) decides. Moderators only."""
    if action not in DECISION_FORMS:
        abort(404)
    campaign = campaign_or_404(slug)
    form = DECISION_FORMS[action]()
    if action != "approve" and not form.validate_on_submit():
        return queue_page(f"{action}-{campaign.id}-", form, 422)  # what the moderator wrote stays
    if not request.form.get("confirm") == "1":
        page = confirmation(campaign, action)
        if page is not None:
            return page
    try:
        if action == "approve" and not form.validate_on_submit():
            flash(_("Say which revision you read: approve it from the queue."))
        elif action == "approve":
            if approve(campaign, form.revision.data):
                flash(_("The correction is published; the organizers are told."))
            else:
                flash(_("Published; the organizers are told."))
        elif action == "reject":
            reject(campaign, form.revision.data, form.reason.data, form.note.data.strip())
            flash(_("Sent back; the organizers are told why."))
        else:
            hide(campaign, form.note.data.strip())
            flash(_("Taken offline; the organizers are told why."))
        db.session.commit()
    except RevisionOutdated as exc:
        if exc.waiting is None:
            flash(_("Nothing of this campaign waits for review any more: it was changed after you read it."))
        else:
            flash(_("The campaign was changed after you read it: read revision %(number)s first.", number=exc.waiting))
    except RecipientsNotApproved as exc:
        flash(_("Not published: first read and approve the address of every new recipient (%(keys)s) in the registry of recipients.",
                keys=", ".join(exc.keys)))
    except CampaignLocked:
        flash(_("That is not possible in the campaign's current state."))
    return redirect(url_for("admin.queue"))


@bp.route("/clusters")
def clusters() -> ResponseReturnValue:
    """Signatures that arrived together (one address hash, one mail domain, a few minutes), each group
    with a way into the bulk invalidation; moderators only. Hashes, domains and counts, no address."""
    config = current_app.config
    return render_template(
        "admin/clusters.html", rows=recent_clusters(), threshold=config["CLUSTER_THRESHOLD"],
        minutes=config["CLUSTER_MINUTES"], hours=int(config["CLUSTER_LOOKBACK"].total_seconds() // 3600),
    )
