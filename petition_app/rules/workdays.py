"""Working days: Monday to Friday, without the Dutch public holidays. Pure: the calendar comes from the
`holidays` package (a maintained list, so King's Day moving to 26 April when the 27th is a Sunday,
Easter, Ascension and Whit Monday need no code of ours), and every function takes the days off as an
argument so that a test can give its own.

Where the platform counts days someone has to act (a support request's deadline, the 20 working days a
recipient has to answer a demand), it counts these."""
from collections.abc import Collection, Iterable, Iterator
from datetime import date, timedelta
from functools import lru_cache

import holidays as holiday_calendars


@lru_cache(maxsize=64)
def _dutch_holidays_of(year: int) -> frozenset[date]:
    return frozenset(holiday_calendars.country_holidays("NL", years=year))


def dutch_holidays(years: Iterable[int]) -> frozenset[date]:
    """The Dutch public holidays of `years` (New Year, Easter Sunday and Monday, Good Friday, King's Day,
    Liberation Day, Ascension, Whit Sunday and Monday, Christmas and Boxing Day), as the `holidays`
    package keeps them."""
    found: set[date] = set()
    for year in set(years):
        found |= _dutch_holidays_of(year)
    return frozenset(found)


class DutchHolidays(Collection[date]):
    """Every Dutch public holiday, of any year, looked up when asked: `day in DutchHolidays()`."""

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and day in _dutch_holidays_of(day.year)

    def __iter__(self) -> Iterator[date]:
        raise TypeError("the Dutch holidays of every year cannot be listed; ask dutch_holidays(years)")

    def __len__(self) -> int:
        raise TypeError("the Dutch holidays of every year cannot be counted")


DUTCH_HOLIDAYS = DutchHolidays()


def is_working_day(day: date, days_off: Collection[date] = DUTCH_HOLIDAYS) -> bool:
    """Monday to Friday and not a public holiday."""
    return day.weekday() < 5 and day not in days_off


def add_working_days(start: date, days: int, days_off: Collection[date] = DUTCH_HOLIDAYS) -> date:
    """The day `days` working days after `start`: a Thursday plus two working days is the Monday, a
    Saturday plus two the Tuesday; 24 December plus one is 27 December."""
    if days < 0:
        raise ValueError("days must not be negative")
    day, left = start, days
    while left:
        day += timedelta(days=1)
        if is_working_day(day, days_off):
            left -= 1
    return day


def working_days_between(start: date, end: date, days_off: Collection[date] = DUTCH_HOLIDAYS) -> int:
    """How many working days lie after `start` up to and including `end` (0 when `end` is not later):
    a letter sent on a Friday has waited 1 working day on Monday."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, days_off):
            count += 1
    return count
