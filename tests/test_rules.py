"""The pure rules, on their own: no app, no database."""
from datetime import date, datetime, timedelta, timezone

import pytest

from petition_app.rules import (
    EmailInvalid,
    accepts_confirmations,
    accepts_signatures,
    closing_moment,
    goals_crossed,
    next_goal,
    normalise_email,
    progress_percent,
    unsafe_text_reason,
    validate_goals,
)

GOALS = [1500, 2000]


@pytest.mark.parametrize(
    "before, after, crossed",
    [(0, 1, []), (1499, 1500, [1500]), (1500, 1501, []), (1999, 2000, [2000]), (0, 2500, [1500, 2000]), (2000, 2001, [])],
)
def test_goals_crossed(before, after, crossed):
    assert goals_crossed(before, after, GOALS) == crossed


@pytest.mark.parametrize("count, goal", [(0, 1500), (1499, 1500), (1500, 2000), (1999, 2000), (2000, 2000), (9999, 2000)])
def test_next_goal_is_the_first_unreached_then_the_last(count, goal):
    assert next_goal(count, GOALS) == goal


def test_progress_percent_is_capped():
    assert progress_percent(750, 1500) == 50
    assert progress_percent(3000, 2000) == 100
    assert progress_percent(5, 0) == 0


@pytest.mark.parametrize("goals", [[], [0], [-5], [2000, 1500], [1500, 1500], ["1500"], [True], None])
def test_validate_goals_refuses_what_is_not_ascending_and_positive(goals):
    with pytest.raises(ValueError):
        validate_goals(goals)


def test_validate_goals_keeps_good_goals():
    assert validate_goals([1500, 2000]) == [1500, 2000]


@pytest.mark.parametrize("raw", ["Anna@Example.org", "  anna@example.org ", "ANNA@EXAMPLE.ORG", "anna@example.org\t"])
def test_normalise_email_makes_one_address_of_case_and_spaces(raw):
    assert normalise_email(raw) == "anna@example.org"


@pytest.mark.parametrize("raw", ["", "anna", "anna@", "@example.org", "anna@@example.org", "a" * 300 + "@example.org", None])
def test_normalise_email_refuses_non_addresses(raw):
    with pytest.raises(EmailInvalid):
        normalise_email(raw)


@pytest.mark.parametrize(
    "value, reason",
    [
        ("Anna de Vries", None),
        ("Zoë Ñúñez-Øster", None),
        ("O'Brien", None),
        ("<b>Anna</b>", "markup"),
        ("=HYPERLINK(\"x\")", "formula"),
        ("+31 6", "formula"),
        ("-1", "formula"),
        ("@anna", "formula"),
        ("Anna\x00", "control"),
        ("Anna\x1b[31m", "control"),
    ],
)
def test_unsafe_text_reason(value, reason):
    assert unsafe_text_reason(value) == reason


UTC = timezone.utc
TZ = "Europe/Amsterdam"


def test_closing_moment_is_end_of_the_closing_day_in_the_campaign_timezone():
    # 31 December ends at midnight in Amsterdam, which is 23:00 UTC in winter.
    assert closing_moment("open", date(2026, 12, 31), None, TZ) == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)


def test_closing_moment_takes_the_earliest_of_date_and_manual_close():
    closed_at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert closing_moment("closed", date(2026, 12, 31), closed_at, TZ) == closed_at
    assert closing_moment("open", None, None, TZ) is None


def test_signatures_stop_at_closing_and_confirmations_24_hours_later():
    closing = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    grace = timedelta(hours=24)
    before, after, day_after = closing - timedelta(seconds=1), closing + timedelta(hours=23), closing + timedelta(hours=25)
    assert accepts_signatures("open", closing, before)
    assert not accepts_signatures("open", closing, after)
    assert not accepts_signatures("closed", None, before)
    assert not accepts_signatures("draft", None, before)
    assert accepts_confirmations("closed", closing, after, grace)
    assert not accepts_confirmations("closed", closing, day_after, grace)
    assert not accepts_confirmations("pending", None, before, grace)
