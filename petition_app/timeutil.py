from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo
from typing import overload


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: None) -> None: ...
@overload
def as_utc(moment: datetime | None) -> datetime | None: ...
def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; treat them as the UTC they were stored as."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def local_day(moment: datetime, zone: str) -> date:
    """The calendar day of `moment` in the time zone `zone` (CAMPAIGN_TIMEZONE): working days are days there."""
    return as_utc(moment).astimezone(ZoneInfo(zone)).date()
