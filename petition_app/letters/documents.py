"""The letters as documents: one PDF per recipient and language, with only that recipient's demands,
the count, and an annex of the signers who agreed to be named."""
from pathlib import Path
from typing import Any, BinaryIO

from flask_babel import force_locale

from ..campaigns.models import Campaign, Recipient
from ..links import external_url
from ..rules import LANGUAGES, goal_count
from ..stories.figures import figures_if_enabled
from ..stories.queries import letter_quotes
from ..timeutil import utcnow
from .pdf import LetterContent, write_letter_pdf
from .queries import named_signer_count, named_signers
from .records import PreparedRecord


def _letter_content(recipient: Recipient, locale: str, count: int, named_count: int) -> LetterContent:
    campaign = recipient.campaign
    measured = goal_count(count, campaign.paper_count, campaign.paper_counts_toward_goals)
    reached = [g for g in campaign.goals if g <= measured]
    return LetterContent(
        campaign_title=campaign.text("title", locale),
        campaign_summary=campaign.text("summary", locale),
        organizer_name=campaign.organizer_name,
        recipient_name=recipient.display_name(locale),
        salutation=recipient.salutation(locale),
        organizer_contact=campaign.organizer_email,
        demands=[demand.text(locale) for demand in recipient.demands],
        signature_count=count,
        goal=reached[-1] if reached else campaign.goals[0],  # none reached: the next goal is the first
        goal_reached=bool(reached),
        letter_date=utcnow().date(),
        campaign_url=external_url("signing.campaign", slug=campaign.slug, lang=locale),
        named_count=named_count,
        paper_count=campaign.paper_count,
        paper_counts_toward_goals=campaign.paper_counts_toward_goals,
        **_story_content(campaign),
    )


def _story_content(campaign: Campaign) -> dict[str, Any]:
    """The story figures (only when 5 or more people were counted; every group 5 or more) and the
    quotes authors approved for the letters, for a campaign that takes stories."""
    figures = figures_if_enabled(campaign)
    if figures is None:
        return {}
    shown = {"total": figures.total, "categories": figures.categories, "places": figures.places,
             "minimum": figures.minimum} if figures.shown else None
    return {"story_figures": shown, "story_quotes": letter_quotes(campaign.id)}


def render_letter(recipient: Recipient, locale: str, out: BinaryIO, record: PreparedRecord | None = None) -> LetterContent:
    """Write one recipient's letter in `locale` to the binary stream `out`; returns its content. A letter
    of a hand-over prints its `record`'s address and root, and states the count of the record's tree."""
    campaign = recipient.campaign
    named_count = named_signer_count(campaign.id)
    count = record.online if record is not None else campaign.confirmed_count
    content = _letter_content(recipient, locale, count, named_count)
    with force_locale(locale):
        write_letter_pdf(out, content, named_signers(campaign.id), locale, record.mark() if record is not None else None)
    return content


def write_letters(campaign: Campaign, folder: str | Path) -> list[Path]:
    """Write `<recipient-key>.<lang>.pdf` for every recipient and both languages into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for recipient in campaign.recipients:
        for locale in LANGUAGES:
            path = folder / f"{recipient.key}.{locale}.pdf"
            with path.open("wb") as out:
                render_letter(recipient, locale, out)
            written.append(path)
    return written
