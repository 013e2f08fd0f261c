"""The public pages of the registry: the list of recipients, each recipient's page that keeps the score
(campaigns addressed to it, its demands, when letters went, answers and how long they took, what is
overdue) and its Atom feed. Public, for anyone, in both languages, cacheable (security.CACHEABLE_ENDPOINTS):
they hold no address and nothing personal."""
from dataclasses import dataclass
from datetime import datetime

from flask import abort, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from ..links import external_url
from ..timeutil import as_utc
from . import bp
from .models import Organisation
from .queries import CampaignScore, DemandScore, Score, approved_entries, approved_entry, score


@bp.route("/")
def index() -> ResponseReturnValue:
    """Every approved recipient, with a link to its page; public, for anyone."""
    entries = approved_entries()
    locale = str(get_locale())
    entries.sort(key=lambda entry: entry.name(locale).lower())
    return render_template("recipients/index.html", entries=entries)


def entry_or_404(key: str) -> Organisation:
    return approved_entry(key) or abort(404)


@bp.route("/<key>")
def show(key: str) -> ResponseReturnValue:
    """A recipient's page: the figures, then every public campaign addressed to it with its count, its
    letters and each demand's standing; public, for anyone. No address."""
    return render_template("recipients/show.html", score=score(entry_or_404(key)))


@dataclass
class FeedEntry:
    """One entry of a recipient's feed: a campaign published, letters sent or an answer given."""

    kind: str  # "campaign", "letters" or "answer"
    at: datetime
    id: str
    item: CampaignScore
    demand: DemandScore | None = None


def feed_entries(found: Score) -> list[FeedEntry]:
    """What the feed tells, newest first."""
    entries: list[FeedEntry] = []
    for item in found.campaigns:
        campaign = item.campaign
        if campaign.published_at is not None:
            entries.append(FeedEntry("campaign", as_utc(campaign.published_at), f"campaign-{campaign.id}", item))
        for number, sent_at in enumerate(item.letters, start=1):
            entries.append(FeedEntry("letters", sent_at, f"letters-{item.recipient.id}-{number}", item))
        for demand in item.demands:
            if demand.answered_at is not None:
                entries.append(FeedEntry("answer", demand.answered_at, f"answer-{demand.demand.id}", item, demand))
    entries.sort(key=lambda entry: (entry.at, entry.id), reverse=True)
    return entries


@bp.route("/<key>/feed.atom")
def feed(key: str) -> ResponseReturnValue:
    """The recipient's Atom feed: new campaigns addressed to it, letters sent, answers; public, for anyone."""
    found = score(entry_or_404(key))
    entries = feed_entries(found)
    updated = entries[0].at if entries else as_utc(found.organisation.created_at)
    body = render_template("recipients/feed.xml", score=found, entries=entries, updated=updated, external_url=external_url)
    return current_app.response_class(body, mimetype="application/atom+xml")
