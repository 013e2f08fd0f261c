"""The figures of stories and support, which the campaign page, the open data and the letters show:
how many people were counted and their categories and places, never a group smaller than 5
(rules.stories holds the folding; queries.py reads the rows)."""
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..campaigns.models import Campaign
from ..rules.stories import MIN_GROUP, Category, Place, fold_small_groups, safe_total, tally
from .queries import counted_categories_and_places, enabled_settings


@dataclass(frozen=True)
class StoryFigures:
    """What the campaign page, the open data and the letters may show: the number of people counted
    (None when under 5) and the counts per category and per place, every group smaller than 5 folded
    into "other" (and the breakdowns left empty when even that would be smaller than 5)."""

    total: int | None
    categories: dict[str, int] = field(default_factory=dict)
    places: dict[str, int] = field(default_factory=dict)
    minimum: int = MIN_GROUP

    @property
    def shown(self) -> bool:
        return self.total is not None


def _category_values(rows: Iterable[tuple[list[str] | None, str | None]]) -> tuple[list[str | None], list[str | None]]:
    categories: list[str | None] = []
    places: list[str | None] = []
    for chosen, place in rows:
        categories.extend(chosen or [None])  # not said counts as "other"
        places.append(place)
    return categories, places


def figures(campaign_id: int) -> StoryFigures:
    """The campaign's figures: submissions the team screened and did not dismiss, withdrawn ones gone."""
    rows = counted_categories_and_places(campaign_id)
    total = safe_total(len(rows))
    if total is None:
        return StoryFigures(total=None)
    categories, places = _category_values(rows)
    return StoryFigures(
        total=total,
        categories=fold_small_groups(tally(categories, [c.value for c in Category])),
        places=fold_small_groups(tally(places, [p.value for p in Place])),
    )


def figures_if_enabled(campaign: Campaign) -> StoryFigures | None:
    """The figures of a campaign whose stories are switched on (for the letters), else None."""
    return figures(campaign.id) if enabled_settings(campaign) is not None else None
