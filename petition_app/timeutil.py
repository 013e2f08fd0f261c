from datetime import datetime, timezone


def utcnow():
    return datetime.now(timezone.utc)


def as_utc(moment):
    """SQLite hands back naive datetimes; treat them as the UTC they were stored as."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)
