"""Working days (rules/workdays.py): weekends and the Dutch public holidays of the `holidays` package are
not counted; the stories' two working days and a recipient's 20 working days use them (issue 21)."""
from datetime import date

import pytest

from petition_app.rules.recipients import DemandProgress, demand_standing, figures
from petition_app.rules.statuses import AnswerStatus
from petition_app.rules.workdays import add_working_days, dutch_holidays, is_working_day, working_days_between


@pytest.mark.parametrize("start, days, expected", [
    (date(2026, 3, 5), 2, date(2026, 3, 9)),  # Thursday + 2: over the weekend to Monday
    (date(2026, 3, 7), 2, date(2026, 3, 10)),  # Saturday + 2: Tuesday
    (date(2026, 4, 24), 1, date(2026, 4, 28)),  # Friday + 1: Monday 27 April is King's Day
    (date(2025, 4, 25), 1, date(2025, 4, 28)),  # 2025: King's Day on Saturday the 26th (the 27th a Sunday)
    (date(2026, 12, 24), 1, date(2026, 12, 28)),  # Christmas (Friday) and Boxing Day (Saturday)
    (date(2027, 12, 24), 1, date(2027, 12, 27)),  # 2027: Christmas and Boxing Day at the weekend; no day in lieu
    (date(2026, 12, 23), 2, date(2026, 12, 28)),
])
def test_working_days_skip_weekends_kings_day_and_christmas(start, days, expected):
    assert add_working_days(start, days) == expected


def test_kings_day_moves_to_the_26th_when_the_27th_is_a_sunday():
    assert date(2025, 4, 26) in dutch_holidays([2025]) and date(2025, 4, 27) not in dutch_holidays([2025])
    assert date(2026, 4, 27) in dutch_holidays([2026])
    assert not is_working_day(date(2026, 4, 27)) and is_working_day(date(2026, 4, 28))
    assert not is_working_day(date(2026, 12, 25)) and not is_working_day(date(2026, 12, 26))


def test_working_days_between_count_the_days_after_the_start():
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 9)) == 1  # Friday to Monday
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 6)) == 0
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 6)) == 0
    assert working_days_between(date(2026, 4, 24), date(2026, 4, 30)) == 3  # Tue 28, Wed 29, Thu 30
    assert working_days_between(date(2026, 12, 18), date(2027, 1, 4)) == 9  # 25 Dec, 26 Dec and 1 Jan are off
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 9), days_off={date(2026, 3, 9)}) == 0


def test_a_demand_is_overdue_after_the_response_days_and_an_answer_stops_the_clock():
    letter = date(2026, 3, 2)  # Monday
    waiting = demand_standing(letter, None, None, add_working_days(letter, 20), 20)
    assert waiting.progress == DemandProgress.WAITING and waiting.working_days == 20
    overdue = demand_standing(letter, None, None, add_working_days(letter, 21), 20)
    assert overdue.progress == DemandProgress.OVERDUE and overdue.working_days == 21
    answered = demand_standing(letter, AnswerStatus.REJECTED, date(2026, 3, 9), date(2026, 6, 1), 20)
    assert answered.progress == DemandProgress.ANSWERED and answered.working_days == 5
    partly = demand_standing(letter, AnswerStatus.PARTLY, date(2026, 3, 3), date(2026, 6, 1), 20)
    assert partly.progress == DemandProgress.PARTLY and partly.working_days == 1
    considering = demand_standing(letter, AnswerStatus.CONSIDERING, date(2026, 3, 3), add_working_days(letter, 20), 20)
    assert considering.progress == DemandProgress.CONSIDERING and considering.working_days == 20
    # "Under consideration" is no answer: past the limit the demand is overdue all the same.
    assert demand_standing(letter, AnswerStatus.CONSIDERING, date(2026, 3, 3), add_working_days(letter, 21), 20).progress == DemandProgress.OVERDUE
    not_sent = demand_standing(None, None, None, date(2026, 6, 1), 20)
    assert not_sent.progress == DemandProgress.WAITING and not_sent.working_days is None
    found = figures(2, [waiting, overdue, answered, partly, considering])
    assert (found.demands, found.answered, found.partly, found.considering, found.waiting, found.overdue) == (5, 1, 1, 1, 1, 1)
    assert found.median_days_to_answer == 3.0
    assert figures(0, []).median_days_to_answer is None
