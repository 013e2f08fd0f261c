"""When a campaign takes signatures and confirmations."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


def closing_moment(status, closes_on, closed_at, tz_name):
    """The moment signing ends (aware, UTC): when it was closed by hand, or the end of its closing day
    in the campaign's time zone; None while neither is set."""
    moments = []
    if closed_at is not None:
        moments.append(closed_at if closed_at.tzinfo else closed_at.replace(tzinfo=timezone.utc))
    if closes_on is not None:
        end_of_day = datetime.combine(closes_on + timedelta(days=1), time.min, tzinfo=ZoneInfo(tz_name))
        moments.append(end_of_day.astimezone(timezone.utc))
    if status == "closed" and not moments:
        return datetime.min.replace(tzinfo=timezone.utc)
    return min(moments) if moments else None


def accepts_signatures(status, closing, now):
    return status == "open" and (closing is None or now < closing)


def accepts_confirmations(status, closing, now, grace):
    """Someone who signed just before closing still has `grace` to click the link in their mail."""
    if status not in ("open", "closed"):
        return False
    return closing is None or now < closing + grace
