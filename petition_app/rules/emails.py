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


def uniqueness_key(email: str) -> str:
    """What "one signature per person per campaign" compares: the normalised address with any `+tag`
    of its local part dropped, so that `x+a@example.org` and `x+b@example.org` (one mailbox at most
    providers) are one person. Only the comparison uses it: mail goes to the address as typed.

    Only the tag goes: dots and case inside the local part mean different mailboxes at some providers.
    A local part that is nothing but a tag (`+a@`) stays whole."""
    local, at, domain = email.rpartition("@")
    if not at:
        return email
    person = local.split("+", 1)[0]
    return f"{person or local}@{domain}"
