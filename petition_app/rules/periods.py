"""When a campaign takes signatures and confirmations."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from .statuses import PUBLIC_STATUSES, CampaignStatus


def closing_moment(status: str, closes_on: date | None, closed_at: datetime | None, tz_name: str) -> datetime | None:
    """The moment signing ends (aware, UTC): when it was closed by hand, or the end of its closing day
    in the campaign's time zone; None while neither is set."""
    moments = []
    if closed_at is not None:
        moments.append(closed_at if closed_at.tzinfo else closed_at.replace(tzinfo=timezone.utc))
    if closes_on is not None:
        end_of_day = datetime.combine(closes_on + timedelta(days=1), time.min, tzinfo=ZoneInfo(tz_name))
        moments.append(end_of_day.astimezone(timezone.utc))
    if status == CampaignStatus.CLOSED and not moments:
        return datetime.min.replace(tzinfo=timezone.utc)
    return min(moments) if moments else None


def accepts_signatures(status: str, closing: datetime | None, now: datetime) -> bool:
    return status == CampaignStatus.OPEN and (closing is None or now < closing)


def accepts_confirmations(status: str, closing: datetime | None, now: datetime, grace: timedelta) -> bool:
    """Someone who signed just before closing still has `grace` to click the link in their mail."""
    if status not in PUBLIC_STATUSES:
        return False
    return closing is None or now < closing + grace
