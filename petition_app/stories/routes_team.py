"""The team's pages of stories and support: the queue, a submission (every opening logged), the view
log; and the organizers': the settings, the team and its confidentiality statement. Anyone outside the
team gets a 404 on every page about a submission, as if it did not exist."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice
from flask.typing import ResponseReturnValue

from ..campaigns.models import Campaign
from ..campaigns.queries import campaign_by_slug
from ..extensions import db
from ..rules.stories import SubmissionStatus, TeamAction
from . import bp, queries
from .figures import figures
from .forms import AcceptForm, AuthorActionForm, RedactionForm, SettingsForm, StatusForm, TeamForm
from .models import StorySubmission
from .operations import NothingToApprove, NotScreened, log_access, save_redaction, set_status, take_down
from .settings import NotOnTheTeam, accept_statement, save_settings, set_team


# ---------------------------------------------------------------- the team


def _campaign_for_team(slug: str) -> Campaign:
    """The campaign, if the logged-in user is on its story team (and accepted the statement) or a
    moderator; anyone else, logged in or not, gets a 404."""
    campaign = campaign_by_slug(slug)
    if campaign is None or not queries.is_team(campaign, current_user):
        abort(404)
    return campaign


def _submission_for_team(slug: str, submission_id: int) -> tuple[Campaign, StorySubmission]:
    campaign = _campaign_for_team(slug)
    submission = queries.submission_of(campaign.id, submission_id) or abort(404)
    return campaign, submission


@bp.route("/organize/<slug>/stories")
def home(slug: str) -> ResponseReturnValue:
    """Where "Stories and support" in the organizers' menu leads: the queue for the team, the statement
    for someone asked onto the team, the settings for organizers setting it up; else 404."""
    campaign = campaign_by_slug(slug) or abort(404)
    if queries.is_team(campaign, current_user):
        return redirect(url_for("stories.queue", slug=slug))
    if current_user.is_authenticated and queries.membership(campaign.id, current_user.id) is not None:
        return redirect(url_for("stories.join", slug=slug))
    if queries.may_configure(campaign, current_user):
        return redirect(url_for("stories.settings", slug=slug))
    abort(404)


@bp.route("/organize/<slug>/stories/queue")
def queue(slug: str) -> ResponseReturnValue:
    """The team's queue by status (new, urgent, filed, support requested with its deadline, contacted,
    closed), without any content; the story team and moderators only."""
    campaign = _campaign_for_team(slug)
    chosen = request.args.get("status")
    chosen = chosen if chosen in set(SubmissionStatus) else None
    return render_template(
        "stories/queue.html", campaign=campaign, submissions=queries.queue(campaign.id, chosen), chosen=chosen,
        counts=queries.queue_counts(campaign.id), today=queries.today(), figures=figures(campaign.id),
    )


@bp.route("/organize/<slug>/stories/<int:submission_id>")
def submission(slug: str, submission_id: int) -> ResponseReturnValue:
    """One submission with what the author wrote and how to reach them; each opening is logged (who,
    when). The story team and moderators only."""
    campaign, found = _submission_for_team(slug, submission_id)
    return _submission_page(campaign, found)


def _submission_page(campaign: Campaign, found: StorySubmission, redaction_form: RedactionForm | None = None, status: int = 200,
                     kept_form: RedactionForm | None = None) -> tuple[str, int]:
    """The one page that shows a submission's original text and contact details, on every path that
    leads to it (the opening itself, and a redaction form sent back with an error): each showing writes a
    line in the view log, committed before the page is rendered, so nobody reads it unlogged."""
    log_access(found, current_user, TeamAction.VIEWED)
    db.session.commit()
    redacted = queries.redacted_text(found)
    original = queries.original_text(found)
    if redaction_form is None:
        redaction_form = kept_form or RedactionForm(text=redacted if redacted is not None else original, notes=list(found.content_notes or []))
    return render_template(
        "stories/submission.html", campaign=campaign, submission=found, original=original, redacted=redacted,
        contact=queries.contact_details(found), status_form=StatusForm(status=found.status), redaction_form=redaction_form,
        log=queries.access_log(campaign.id, found.id), today=queries.today(),
    ), status


@bp.route("/organize/<slug>/stories/<int:submission_id>/status", methods=["POST"])
def submission_status(slug: str, submission_id: int) -> ResponseReturnValue:
    """Screen or move a submission (urgent, filed, contacted, closed, dismissed); the team only.
    Dismissing deletes the text: its first POST shows a confirmation page, only that page's button
    (with `confirm`) dismisses. The page's one form sends the anonymous version being typed along:
    when it differs from the saved one, the page comes back with it kept (not saved) instead of
    throwing it away."""
    campaign, found = _submission_for_team(slug, submission_id)
    form = StatusForm()
    if not form.validate_on_submit() or form.status.data not in set(SubmissionStatus):
        abort(400)
    status = SubmissionStatus(form.status.data)
    if status == SubmissionStatus.DISMISSED and found.status != status and request.form.get("confirm") != "1":
        return render_template("stories/confirm_dismiss.html", campaign=campaign, submission=found)
    typed = _typed_redaction(found)
    set_status(found, status, current_user)
    db.session.commit()
    flash(_("The status is saved."))
    if typed is not None and found.text_sealed is not None:
        flash(_("Your changes to the anonymous version are not saved yet: save them below."))
        return _submission_page(campaign, found, kept_form=typed)
    return redirect(url_for("stories.submission", slug=slug, submission_id=submission_id))


def _typed_redaction(found: StorySubmission) -> RedactionForm | None:
    """The anonymous version sent along with a status (the page's one form), if it differs from the one
    saved (or, with none saved, from the original the form starts from); else None."""
    if "text" not in request.form:
        return None
    typed = RedactionForm()
    saved = queries.redacted_text(found)
    saved = saved if saved is not None else queries.original_text(found)
    if (typed.text.data or "") == (saved or "").strip() and sorted(typed.notes.data or []) == sorted(found.content_notes or []):
        return None
    return typed


@bp.route("/organize/<slug>/stories/<int:submission_id>/redaction", methods=["POST"])
def redaction(slug: str, submission_id: int) -> ResponseReturnValue:
    """Save the redacted version and its content notes, and perhaps ask the author to approve it; the
    team only. The original stays as the author wrote it."""
    campaign, found = _submission_for_team(slug, submission_id)
    form = RedactionForm()
    if not form.validate_on_submit():
        return _submission_page(campaign, found, form, 422)
    try:
        save_redaction(found, form.text.data, form.notes.data, current_user, ask_author=bool(form.ask.data))
    except NotScreened:  # the page comes back with the redaction as it was written
        db.session.rollback()
        form.form_errors.append(_("Screen the submission first: file it (or mark it urgent, contacted or closed)."))
        return _submission_page(campaign, found, form, 409)
    except NothingToApprove:
        abort(400)
    db.session.commit()
    flash(_("The redacted version waits for the author's approval.") if form.ask.data else _("The redacted version is saved."))
    return redirect(url_for("stories.submission", slug=slug, submission_id=submission_id))


@bp.route("/organize/<slug>/stories/<int:submission_id>/take-down", methods=["POST"])
def take_down_story(slug: str, submission_id: int) -> ResponseReturnValue:
    """Take a published story off the page and out of the letters; the team only."""
    campaign, found = _submission_for_team(slug, submission_id)
    if not AuthorActionForm().validate_on_submit():
        abort(400)
    take_down(found, current_user)
    db.session.commit()
    flash(_("The story is no longer published."))
    return redirect(url_for("stories.submission", slug=slug, submission_id=submission_id))


@bp.route("/organize/<slug>/stories/log")
def log(slug: str) -> ResponseReturnValue:
    """The view log: who opened or changed which submission, and when; the team and moderators only."""
    campaign = _campaign_for_team(slug)
    return render_template("stories/log.html", campaign=campaign, log=queries.access_log(campaign.id))


# ---------------------------------------------------------------- settings and team


@bp.route("/organize/<slug>/stories/settings", methods=["GET", "POST"])
def settings(slug: str) -> ResponseReturnValue:
    """Switch stories on or off, write the texts of the form (both languages), choose the team; the
    campaign's organizers until a team exists, then the team, and moderators."""
    campaign = campaign_by_slug(slug) or abort(404)
    if not queries.may_configure(campaign, current_user):
        abort(404)
    current = queries.settings_of(campaign.id)
    form = SettingsForm(obj=current) if request.method == "GET" else SettingsForm()
    if form.validate_on_submit():
        save_settings(campaign, form.to_data())
        db.session.commit()
        flash(_("The settings are saved."))
        return redirect(url_for("stories.settings", slug=slug))
    return _settings_page(campaign, form, 422 if form.is_submitted() else 200)


def _settings_page(campaign: Campaign, form: SettingsForm, status: int = 200) -> tuple[str, int]:
    members = {member.user_id: member for member in queries.team_of(campaign.id)}
    team_form = TeamForm(members=[str(user_id) for user_id in members])
    team_form.members.choices = [SelectChoice(str(user.id), user.name) for user in campaign.organizers]
    return render_template(
        "stories/settings.html", campaign=campaign, form=form, team_form=team_form, members=members,
    ), status


@bp.route("/organize/<slug>/stories/team", methods=["POST"])
def team(slug: str) -> ResponseReturnValue:
    """Choose which organizers are on the story and support team; each must accept the statement first."""
    campaign = campaign_by_slug(slug) or abort(404)
    if not queries.may_configure(campaign, current_user):
        abort(404)
    form = TeamForm()
    form.members.choices = [SelectChoice(str(user.id), user.name) for user in campaign.organizers]
    if not form.validate_on_submit():
        abort(400)
    set_team(campaign, {int(value) for value in form.members.data})
    db.session.commit()
    flash(_("The team is saved. Each new member sees submissions once they accept the confidentiality statement."))
    return redirect(url_for("stories.settings", slug=slug, _anchor="team"))


@bp.route("/organize/<slug>/stories/join", methods=["GET", "POST"])
def join(slug: str) -> ResponseReturnValue:
    """The confidentiality statement, for an organizer asked onto the team; accepting it opens the queue."""
    campaign = campaign_by_slug(slug) or abort(404)
    if not current_user.is_authenticated or queries.membership(campaign.id, current_user.id) is None:
        abort(404)
    form = AcceptForm()
    if form.validate_on_submit():
        try:
            accept_statement(campaign, current_user)
        except NotOnTheTeam:
            abort(404)
        db.session.commit()
        flash(_("Welcome to the team. Everything you see here is confidential."))
        return redirect(url_for("stories.queue", slug=slug))
    return render_template(
        "stories/join.html", campaign=campaign, form=form, settings=queries.settings_of(campaign.id),
    ), 422 if form.is_submitted() else 200
