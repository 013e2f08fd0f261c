"""Open data: counts per day and per city, the public campaigns, and the records of their letters.
Counts only: never a name, never an address; a city with fewer than MIN_CITY_GROUP signers is folded
into "other". The letter records (issue 22) stay open data for good, after the campaign closes and
after its signers' personal data is purged: they hold counts, file hashes and commitments only.

Paper signatures (recorded by the organizers, by the date collected) are carried next to the online
ones, never mixed into them.

Counting: the headline number everywhere is the campaign's `confirmed_count`, the counter that is
raised in the confirming transaction and kept equal to the rows `Signature.counted()` selects (see
signing.upkeep.recount); every query over signature rows selects them with `Signature.counted()`
(reach/queries.py runs them; this module shapes what they return)."""

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from ..campaigns.models import Campaign
from ..letters.queries import records_of
from ..rules import neutralise_cell
from ..timeutil import as_utc
from . import queries

#: A city with fewer counted signers than this is folded into "other", so that nobody is singled out.
MIN_CITY_GROUP = 5


# ---------------------------------------------------------------- open data


def daily_counts(campaign: Campaign) -> list[tuple[date, int]]:
    """Counted signatures per day of confirmation (in the campaign's time zone), from the first day to
    the last, days without any included as 0: [(date, count)]."""
    zone = ZoneInfo(current_app.config["CAMPAIGN_TIMEZONE"])
    moments = queries.confirmation_moments(campaign.id)
    per_day = Counter(as_utc(moment).astimezone(zone).date() for moment in moments)
    if not per_day:
        return []
    first, last = min(per_day), max(per_day)
    return [(first + timedelta(days=n), per_day.get(first + timedelta(days=n), 0)) for n in range((last - first).days + 1)]


def daily_counts_with_paper(campaign: Campaign) -> list[tuple[date, int, int]]:
    """Per day, from the first to the last: (date, online, paper), online as in `daily_counts` and
    paper by the date the sheets were collected (voided entries left out)."""
    online = dict(daily_counts(campaign))
    paper = queries.paper_per_day(campaign.id)
    days = set(online) | set(paper)
    if not days:
        return []
    first, last = min(days), max(days)
    return [
        (first + timedelta(days=n), online.get(first + timedelta(days=n), 0), int(paper.get(first + timedelta(days=n), 0)))
        for n in range((last - first).days + 1)
    ]


def _city_key(city: str) -> str:
    return " ".join(city.split()).casefold()


def city_counts(campaign: Campaign, minimum: int = MIN_CITY_GROUP) -> tuple[list[tuple[str, int]], int, int]:
    """Counted signatures per city. Spellings that differ only in case or spacing are one city, named by
    its most common spelling; a city with fewer than `minimum` signers is folded into `other`, and
    signers who gave no city are counted as `not_given`. Returns (cities [(name, count)], other,
    not_given), cities by count, largest first."""
    rows = queries.counted_per_city(campaign.id)
    totals: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    not_given = 0
    for city, count in rows:
        cleaned = " ".join((city or "").split())
        if not cleaned:
            not_given += count
            continue
        key = _city_key(cleaned)
        totals[key] += count
        spellings.setdefault(key, Counter())[cleaned] += count
    cities, other = [], 0
    for key, count in totals.items():
        if count >= minimum:
            name = sorted(spellings[key].items(), key=lambda item: (-item[1], item[0]))[0][0]
            cities.append((name, count))
        else:
            other += count
    cities.sort(key=lambda item: (-item[1], item[0].casefold()))
    return cities, other, not_given


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV file (RFC 4180 line ends) whose cells cannot start a formula in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise_cell(cell) for cell in row])
    return out.getvalue()


def letter_records(campaign: Campaign) -> list[dict[str, Any]]:
    """The public records of the campaign's letters, first first (docs/verifiable-letters.md)."""
    return [record.public() for record in records_of(campaign.id)]
