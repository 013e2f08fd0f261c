"""The shared registry of recipients and the score each one keeps: pure rules, no Flask, no database.

A registry entry is proposed (by an organizer) or approved (a moderator read its address, or it was
imported on the command line). A campaign addressed to a proposed entry cannot be published. Each
demand addressed to an entry has a progress: waiting (counted in working days since the first letter;
no days while no letter went), under consideration (the recipient said so), overdue (no answer, or
only "under consideration", past the recipient's response time), partly answered, or answered."""
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from statistics import median

from .statuses import AnswerStatus
from .workdays import DUTCH_HOLIDAYS, working_days_between

#: A registry key: how the entry is named in its public address (/recipients/leiden-university) and in
#: campaign files (`organisation: leiden-university`). It never changes once made.
REGISTRY_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$")


class OrganisationStatus(StrEnum):
    PROPOSED = "proposed"  # suggested by an organizer (or a file); no campaign addressed to it is published
    APPROVED = "approved"  # a moderator read its address


class DemandProgress(StrEnum):
    """Where a demand addressed to a registry entry stands, as its public page says it."""

    WAITING = "waiting"  # no answer yet, within the response time (or no letter sent yet)
    CONSIDERING = "considering"  # the recipient answered that it is considering the demand, within the response time
    OVERDUE = "overdue"  # no answer, or only "under consideration", more working days than the response time
    PARTLY = "partly"  # partly accepted
    ANSWERED = "answered"  # accepted or rejected: a full answer


#: Answers that settle a demand.
FULL_ANSWERS = frozenset({AnswerStatus.ACCEPTED, AnswerStatus.REJECTED})


@dataclass(frozen=True)
class Standing:
    """A demand's progress and the working days it counts: since the first letter while it waits (or is
    under consideration), from the first letter to the answer once answered (None when no letter went)."""

    progress: DemandProgress
    working_days: int | None


def demand_standing(first_letter: date | None, answer_status: AnswerStatus | None, answered_on: date | None,
                    today: date, response_days: int, days_off: Collection[date] = DUTCH_HOLIDAYS) -> Standing:
    """The standing of one demand. An answer given before any letter (a recipient told by the organizers)
    still counts as an answer, with no working days."""
    if answer_status is not None and answer_status != AnswerStatus.CONSIDERING:
        progress = DemandProgress.ANSWERED if answer_status in FULL_ANSWERS else DemandProgress.PARTLY
        days = working_days_between(first_letter, answered_on, days_off) if first_letter and answered_on else None
        return Standing(progress, days)
    still = DemandProgress.CONSIDERING if answer_status == AnswerStatus.CONSIDERING else DemandProgress.WAITING
    if first_letter is None:
        return Standing(still, None)
    days = working_days_between(first_letter, today, days_off)
    return Standing(DemandProgress.OVERDUE if days > response_days else still, days)


@dataclass(frozen=True)
class Figures:
    """The figures at the top of a recipient's page."""

    campaigns: int
    demands: int
    answered: int
    partly: int
    considering: int
    waiting: int
    overdue: int
    median_days_to_answer: float | None


def figures(campaigns: int, standings: Iterable[Standing]) -> Figures:
    """Count the standings; the median counts the working days of every demand answered (fully or partly)
    after a letter ("under consideration" is no answer yet)."""
    standings = list(standings)
    by = {progress: sum(1 for s in standings if s.progress == progress) for progress in DemandProgress}
    answer_days = [s.working_days for s in standings
                   if s.progress in (DemandProgress.ANSWERED, DemandProgress.PARTLY) and s.working_days is not None]
    return Figures(
        campaigns=campaigns, demands=len(standings), answered=by[DemandProgress.ANSWERED], partly=by[DemandProgress.PARTLY],
        considering=by[DemandProgress.CONSIDERING], waiting=by[DemandProgress.WAITING], overdue=by[DemandProgress.OVERDUE],
        median_days_to_answer=float(median(answer_days)) if answer_days else None,
    )
