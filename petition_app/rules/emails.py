"""Email normalisation: one person, one signature, whatever case or spaces they type."""
from email_validator import EmailNotValidError, validate_email


class EmailInvalid(ValueError):
    pass


def normalise_email(raw: object, check_deliverability: bool = False) -> str:
    """The canonical form of an address: trimmed, validated and lower-cased as a whole.

    The local part is lower-cased too: in practice no provider hands out addresses that differ only in
    case, and treating them as one keeps a person from signing twice by typing capitals.
    """
    if not isinstance(raw, str):
        raise EmailInvalid("not a string")
    candidate = raw.strip()
    if not candidate or len(candidate) > 254:
        raise EmailInvalid("empty or too long")
    try:
        result = validate_email(candidate, check_deliverability=check_deliverability)
    except EmailNotValidError as exc:
        raise EmailInvalid(str(exc)) from exc
    return result.normalized.lower()
