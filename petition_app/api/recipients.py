"""The JSON of the registry of recipients (issue 21), as `GET /api/v1/recipients[/<key>]` answers it and
the OpenAPI document describes it: names, links, figures and each demand's standing; never an address."""
from typing import Any

from ..links import external_url
from ..recipients.models import Organisation
from ..recipients.queries import Score, local_date


def _figures_json(found: Score) -> dict[str, Any]:
    figures = found.figures
    return {
        "campaigns": figures.campaigns, "demands": figures.demands, "answered": figures.answered,
        "partly_answered": figures.partly, "considering": figures.considering, "waiting": figures.waiting, "overdue": figures.overdue,
        "median_working_days_to_answer": figures.median_days_to_answer,
    }


def recipient_summary_json(found: Score) -> dict[str, Any]:
    """A registry entry as the list shows it: its key, names, links and figures. Never its address."""
    entry: Organisation = found.organisation
    return {
        "key": entry.key,
        "name": {"nl": entry.name("nl"), "en": entry.name("en")},
        "website": entry.website or None,
        "url": external_url("recipients.show", key=entry.key),
        "feed_url": external_url("recipients.feed", key=entry.key),
        "response_working_days": found.response_days,
        "figures": _figures_json(found),
    }


def recipient_json(found: Score) -> dict[str, Any]:
    """A registry entry with every public campaign addressed to it, its letters and each demand's standing."""
    return {
        **recipient_summary_json(found),
        "campaigns": [
            {
                "slug": item.campaign.slug,
                "title": {"nl": item.campaign.title_nl, "en": item.campaign.title_en},
                "url": external_url("signing.campaign", slug=item.campaign.slug),
                "signature_count": item.campaign.confirmed_count,
                "paper_signature_count": item.campaign.paper_count,
                "total_signature_count": item.campaign.total_count,
                "letters_sent": [sent.isoformat() for sent in item.letters],
                "demands": [
                    {
                        "nl": demand.demand.text_nl,
                        "en": demand.demand.text_en,
                        "status": str(demand.standing.progress),
                        "letter_sent_on": local_date(item.letters[0]).isoformat() if item.letters else None,
                        "answered_on": local_date(demand.answered_at).isoformat() if demand.answered_at else None,
                        "working_days": demand.standing.working_days,
                        "answer_url": external_url(
                            "signing.campaign", slug=item.campaign.slug, _anchor=f"recipient-{item.recipient.key}"
                        ) if demand.answered_at else None,
                    }
                    for demand in item.demands
                ],
            }
            for item in found.campaigns
        ],
    }
