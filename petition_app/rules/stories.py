"""Stories and support: the named states of a submission, the deadline for contacting someone who asked
for support (working days: weekends and Dutch public holidays excluded, rules/workdays.py), and the rule that no published figure is smaller than 5.
Pure: no Flask, no database."""
from collections.abc import Collection, Iterable, Mapping
from datetime import date
from enum import StrEnum

from .workdays import DUTCH_HOLIDAYS, add_working_days

#: No figure about stories is ever shown under this: a group of 1 to 4 could point at a person.
MIN_GROUP = 5
#: The cell that smaller groups, and answers that were not given, are folded into.
OTHER = "other"


class SubmissionStatus(StrEnum):
    """Where a submission stands with the story and support team (the university's process)."""

    NEW = "new"  # not screened yet
    URGENT = "urgent"  # screened: someone may be at risk, the team acts now
    FILED = "filed"  # screened: no action needed, counted in the figures
    SUPPORT_REQUESTED = "support_requested"  # the person asked to be contacted
    CONTACTED = "contacted"  # the team reached the person
    CLOSED = "closed"  # done; contact details are deleted
    DISMISSED = "dismissed"  # not about this campaign, or abuse: not counted, text deleted


#: Statuses that count in the figures: screened by the team and not dismissed.
COUNTED_STATUSES: tuple[SubmissionStatus, ...] = (
    SubmissionStatus.URGENT, SubmissionStatus.FILED, SubmissionStatus.CONTACTED, SubmissionStatus.CLOSED,
)
#: Statuses in which a support request is still waiting for the first contact.
WAITING_FOR_CONTACT: tuple[SubmissionStatus, ...] = (SubmissionStatus.SUPPORT_REQUESTED,)


class PublicationStatus(StrEnum):
    """The redacted copy of a story the author wants shared (published and/or quoted)."""

    DRAFT = "draft"  # the team is redacting it
    AWAITING_AUTHOR = "awaiting_author"  # the author can read it with their code and approve it
    CHANGES_ASKED = "changes_asked"  # the author did not approve this version
    APPROVED = "approved"  # the author approved exactly this version: shown and quoted as they chose


class Category(StrEnum):
    HARASSMENT = "harassment"
    SEXUAL_HARASSMENT = "sexual_harassment"
    SEXUAL_VIOLENCE = "sexual_violence"
    DISCRIMINATION = "discrimination"
    BULLYING = "bullying"
    OTHER = "other"


class Place(StrEnum):
    CAMPUS = "campus"
    CITY = "city"
    ONLINE = "online"
    OTHER = "other"


class ContentNote(StrEnum):
    """What a reader is warned about before opening a published story."""

    SEXUAL_VIOLENCE = "sexual_violence"
    SEXUAL_HARASSMENT = "sexual_harassment"
    VIOLENCE = "violence"
    DISCRIMINATION = "discrimination"
    BULLYING = "bullying"
    SELF_HARM = "self_harm"


class ContactMethod(StrEnum):
    EMAIL = "email"
    PHONE = "phone"


class TeamAction(StrEnum):
    """What the view log records: every opening of a submission, and every change the team makes."""

    VIEWED = "viewed"
    STATUS = "status"
    REDACTED = "redacted"
    ASKED_APPROVAL = "asked_approval"
    TAKEN_DOWN = "taken_down"


def is_overdue(deadline: date, today: date) -> bool:
    """A deadline is a whole day: it has passed once that day is over."""
    return today > deadline


def is_escalation_due(deadline: date, today: date, grace_days: int = 1, days_off: Collection[date] = DUTCH_HOLIDAYS) -> bool:
    """The moderators are told when a support request is still not answered `grace_days` working days
    after its deadline (the team itself is reminded as soon as the deadline has passed)."""
    return today > add_working_days(deadline, grace_days, days_off)


def fold_small_groups(counts: Mapping[str, int], minimum: int = MIN_GROUP, other: str = OTHER) -> dict[str, int]:
    """Counts safe to publish: every group smaller than `minimum` is folded into `other`. If `other`
    then holds 1 to minimum-1, the next smallest groups are folded in as well, so that no cell can be
    worked out by subtraction either; if even everything together is smaller than `minimum`, nothing is
    left to show ({}). Empty groups are left out. The result keeps the order of `counts`, `other` last."""
    shown = {key: n for key, n in counts.items() if key != other and n >= minimum}
    folded = counts.get(other, 0) + sum(n for key, n in counts.items() if key != other and 0 < n < minimum)
    while 0 < folded < minimum and shown:
        smallest = min(shown, key=lambda key: (shown[key], key))
        folded += shown.pop(smallest)
    if 0 < folded < minimum:
        return {}
    result = dict(shown)
    if folded:
        result[other] = folded
    return result


def safe_total(total: int, minimum: int = MIN_GROUP) -> int | None:
    """A total to publish, or None when it is smaller than `minimum` (shown as "fewer than 5")."""
    return total if total >= minimum else None


def tally(values: Iterable[str | None], keys: Iterable[str], other: str = OTHER) -> dict[str, int]:
    """Counts per key, in the order of `keys`; an unknown or missing value counts as `other`."""
    counts = {key: 0 for key in keys}
    counts.setdefault(other, 0)
    for value in values:
        counts[value if value in counts else other] += 1
    return counts
