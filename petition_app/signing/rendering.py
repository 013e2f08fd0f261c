"""The campaign page, which is the sign page: used by signing's own routes and by the previews of
organizers and moderators.

A page that is not served from an HTTP cache is still cheap (issue 12): for anonymous visitors the page
is rendered once per campaign, language, revision (and what else it shows: the count's step for the
share image, whether it takes signatures, the share link's tag) and kept in Flask-Caching (Redis in
production) as a string. Each request then reads the campaign's row, fills in the count (never cached)
and the form's per-request token, and answers. Any change to what the page shows (an approved revision,
an edit, an answer, an update, a story published or taken down, a status) made through the session
starts a new generation of every campaign page when it commits; PAGE_FRAGMENT_SECONDS bounds the rest.
The template stays as it is: the cached string is its output with two markers in it.

With Redis down the cache misses (extensions.TolerantCache): every page is rendered as for a logged-in
visitor, one warning is logged per outage, and once Redis answers again a new generation starts, since
the changes made meanwhile could not start one (issue 18).
"""
import secrets
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any

from flask import get_template_attribute, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..campaigns.models import Campaign, Recipient
from ..campaigns.queries import correction_changes
from ..extensions import cache
from ..rules.goals import count_step
from .queries import campaign_for_page_view, campaign_page_version

COUNT_MARK = "<!--petition:count-->"
TOKEN_MARK = "<!--petition:token:%s-->"
# Form fields whose value differs per request (the CSRF token): taken out of the cached page and put
# back for each visitor. Whatever token the form carries, name its field here.
PER_REQUEST_FIELDS = ("csrf_token",)
GENERATION_KEY = "campaign-pages:generation"
# What the campaign page shows, by table: a change to any of them starts a new generation of pages.
# Updates of `campaigns` made with a statement only ever change the count, which is never cached.
PAGE_TABLES = frozenset({
    "campaigns", "recipients", "demands", "answers", "updates", "campaign_revisions", "story_settings",
    "story_submissions",
})
_CHANGED = "petition_page_changed"


@dataclass(frozen=True)
class AnswerSummary:
    """One line at the top of the page: a recipient answered `answered` of its `total` demands, the
    latest on `last`."""

    recipient: Recipient
    answered: int
    total: int
    last: datetime


def answer_summaries(campaign: Campaign) -> list[AnswerSummary]:
    """For each recipient that answered at least one demand, how many of how many and when (from the
    demands the page loads anyway; a preview's demands have no answers)."""
    summaries = []
    for recipient in campaign.recipients:
        answers = [answer for answer in (demand.answer for demand in recipient.demands) if answer is not None]
        if answers:
            summaries.append(AnswerSummary(recipient, len(answers), len(recipient.demands), max(a.answered_at for a in answers)))
    return summaries


def render_campaign(campaign: Campaign, form: FlaskForm, status: int = 200, notice: str | None = None,
                    moderation: list[Any] | None = None) -> tuple[str, int]:
    """The campaign page with a sign form: fresh, or as the signer filled it in with its errors. A
    moderator's preview passes `moderation`: each recipient's address, names and salutations to review."""
    return render_template(
        "campaigns/show.html", campaign=campaign, form=form, notice=notice, answer_summaries=answer_summaries(campaign),
        correction_changes=correction_changes(campaign, str(get_locale())),
        moderation=moderation,
    ), status


def render_campaign_page(slug: str, form: FlaskForm) -> tuple[str, int] | None:
    """The public campaign page with a fresh sign form (None when there is no such public campaign):
    from the fragment cache for anonymous visitors, rendered for everyone else."""
    found = campaign_page_version(slug)
    if found is None:
        return None
    campaign, revision = found
    if not _same_for_everyone(form):
        return render_campaign(campaign_for_page_view(slug) or campaign, form)
    key = ":".join(str(part) for part in (
        "campaign-page", campaign.id, get_locale(), revision, cache.get(GENERATION_KEY) or "-",
        count_step(campaign.confirmed_count), int(campaign.accepts_signatures()), form.source.data or "",
    ))
    page = cache.get(key)
    if page is None:
        html, _ = render_campaign(campaign_for_page_view(slug) or campaign, form)
        page = _with_markers(html, campaign, form)
        if page is None:  # the page did not show the count or the token exactly once: never cached
            return html, 200
        cache.set(key, page)
    for name, value in _per_request_values(form).items():
        page = page.replace(TOKEN_MARK % name, value)
    return page.replace(COUNT_MARK, _progress(campaign)), 200


def _same_for_everyone(form: FlaskForm) -> bool:
    """A fresh page for an anonymous visitor, with no message waiting for them: the same for everyone."""
    return (
        request.method == "GET" and not current_user.is_authenticated and not session.get("_flashes")
        and not form.errors
    )


def _progress(campaign: Campaign) -> str:
    return str(get_template_attribute("campaigns/_page_parts.html", "progress_bar")(campaign))


def _per_request_values(form: FlaskForm) -> dict[str, str]:
    values = {}
    for name in PER_REQUEST_FIELDS:
        field = form._fields.get(name)
        if field is not None:
            value = getattr(field, "current_token", None) or field._value()
            if value:
                values[name] = str(value)
    return values


def _with_markers(html: str, campaign: Campaign, form: FlaskForm) -> str | None:
    """The page with the count and each per-request value replaced by a marker, or None when one of
    them does not appear exactly once (then the page is not cached)."""
    progress = _progress(campaign)
    if html.count(progress) != 1:
        return None
    html = html.replace(progress, COUNT_MARK)
    for name, value in _per_request_values(form).items():
        if html.count(value) != 1:
            return None
        html = html.replace(value, TOKEN_MARK % name)
    return html


def forget_campaign_pages() -> None:
    """Start a new generation of cached campaign pages (every campaign's). Skipped while the cache is
    down; the generation starts anew when it answers again (below)."""
    cache.set(GENERATION_KEY, secrets.token_hex(8), timeout=0)


cache.after_outage.append(forget_campaign_pages)


def _table_of(obj: Any) -> str | None:
    return getattr(obj, "__tablename__", None)


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, context: Any) -> None:
    if any(_table_of(obj) in PAGE_TABLES for obj in chain(session.new, session.dirty, session.deleted)):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement_changes(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(getattr(state.statement, "table", None), "name", None)
        if table in PAGE_TABLES and table != "campaigns":
            state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        forget_campaign_pages()


@event.listens_for(Session, "after_rollback")
def _forget_nothing(session: Session) -> None:
    session.info.pop(_CHANGED, None)
