"""Changes to the registry of recipients. An entry is created by a moderator (approved at once), by an
organizer (proposed: a moderator reviews its address before any campaign addressed to it is published)
or by an import. Every change is a row of the entry's change log; a change of the address waits for a
moderator's review, as a campaign revision does, and once approved reaches every campaign recipient
linked to the entry (with a new link secret, so the links mailed to the old address stop working).
Operations flush; the request or command around them commits once."""
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from ..accounts.models import User
from ..campaigns.models import Recipient, new_link_secret
from ..extensions import db
from ..rules.recipients import REGISTRY_KEY_RE, OrganisationStatus
from ..rules.revisions import RevisionStatus
from ..timeutil import utcnow
from .models import CHANGE_FIELDS, Organisation, OrganisationChange
from .queries import pending_change

__all__ = [
    "ChangeOutdated", "KeyTaken", "approve_change", "create_organisation", "import_registry", "propose_organisation",
    "reject_change", "update_organisation",
]


class KeyTaken(ValueError):
    """Another entry already has this key."""


class ChangeOutdated(ValueError):
    """The change the moderator read is no longer the one waiting."""


def _next_number(organisation: Organisation) -> int:
    latest = db.session.scalar(
        select(func.max(OrganisationChange.number)).where(OrganisationChange.organisation_id == organisation.id)
    )
    return (latest or 0) + 1


def _log(organisation: Organisation, before: dict[str, Any] | None, after: dict[str, Any], user: User | None,
         status: RevisionStatus) -> OrganisationChange:
    change = OrganisationChange(
        organisation_id=organisation.id, number=_next_number(organisation), status=status, before=before, after=after,
        submitted_by_id=user.id if user is not None else None,
    )
    if status != RevisionStatus.PENDING:
        change.decided_at, change.decided_by_id = utcnow(), user.id if user is not None else None
    db.session.add(change)
    db.session.flush()
    return change


def _clean(fields: Mapping[str, Any]) -> dict[str, str]:
    return {field: str(fields.get(field) or "").strip() for field in CHANGE_FIELDS}


def _new(key: str, fields: Mapping[str, Any], status: OrganisationStatus, user: User | None) -> Organisation:
    if not REGISTRY_KEY_RE.match(key):
        raise ValueError(f"not a registry key: {key!r}")
    if db.session.scalar(select(Organisation.id).where(Organisation.key == key)) is not None:
        raise KeyTaken(key)
    organisation = Organisation(key=key, status=status, **_clean(fields))
    db.session.add(organisation)
    db.session.flush()
    return organisation


def create_organisation(key: str, fields: Mapping[str, Any], moderator: User | None) -> Organisation:
    """A moderator's new entry (or an import's): approved at once, its creation in the change log."""
    organisation = _new(key, fields, OrganisationStatus.APPROVED, moderator)
    organisation.approved_at = utcnow()
    _log(organisation, None, organisation.content(), moderator, RevisionStatus.APPROVED)
    return organisation


def propose_organisation(key: str, fields: Mapping[str, Any], organizer: User) -> Organisation:
    """An organizer's proposal: usable in their draft at once, but no campaign addressed to it is published
    until a moderator approved the entry (its address shown on the approval page)."""
    organisation = _new(key, fields, OrganisationStatus.PROPOSED, organizer)
    organisation.proposed_by_id = organizer.id
    _log(organisation, None, organisation.content(), organizer, RevisionStatus.PENDING)
    return organisation


def _reach_campaigns(organisation: Organisation) -> None:
    """The entry's address is where every linked campaign recipient's letters go, from now on: a new
    address gets a new link secret (the old answer links stop working) and may be sent its letters."""
    for recipient in db.session.scalars(select(Recipient).where(Recipient.organisation_key == organisation.key)):
        if recipient.email != organisation.email:
            recipient.email, recipient.link_secret, recipient.letters_sent_at = organisation.email, new_link_secret(), None


def update_organisation(organisation: Organisation, fields: Mapping[str, Any], moderator: User | None,
                        reviewed: bool = False) -> OrganisationChange | None:
    """A moderator's edit. Names, salutations, language and website take effect at once (logged as
    approved); a new address waits for review as a pending change (an older one still waiting is
    withdrawn), unless the change counts as `reviewed` (an import on the command line, by whoever runs
    the platform). Returns the change logged, or None when nothing changed."""
    wanted = _clean(fields)
    current = organisation.content()
    if wanted == current:
        return None
    waiting = pending_change(organisation)
    if waiting is not None and waiting.before is not None:
        waiting.status, waiting.decided_at = RevisionStatus.WITHDRAWN, utcnow()
    if wanted["email"] == current["email"] or reviewed:
        for field, value in wanted.items():
            setattr(organisation, field, value)
        _reach_campaigns(organisation)
        return _log(organisation, current, wanted, moderator, RevisionStatus.APPROVED)
    # The address changes only once reviewed; the rest already now.
    for field, value in wanted.items():
        if field != "email":
            setattr(organisation, field, value)
    return _log(organisation, organisation.content(), wanted, moderator, RevisionStatus.PENDING)


def _waiting(organisation: Organisation, number: int | None) -> OrganisationChange:
    change = pending_change(organisation)
    if change is None or change.number != number:
        raise ChangeOutdated(change.number if change is not None else None)
    return change


def approve_change(organisation: Organisation, number: int | None, moderator: User) -> OrganisationChange:
    """Approve the change numbered `number`, which must be the one waiting: a proposed entry becomes
    approved; a new address takes effect and reaches every campaign addressed to the entry."""
    change = _waiting(organisation, number)
    for field in CHANGE_FIELDS:
        setattr(organisation, field, change.after.get(field, getattr(organisation, field)))
    if organisation.status == OrganisationStatus.PROPOSED:
        organisation.status, organisation.approved_at = OrganisationStatus.APPROVED, utcnow()
    change.status, change.decided_at, change.decided_by_id = RevisionStatus.APPROVED, utcnow(), moderator.id
    _reach_campaigns(organisation)
    db.session.flush()
    return change


def reject_change(organisation: Organisation, number: int | None, moderator: User, note: str) -> OrganisationChange:
    """Send a change back: the address stays as it was (a proposed entry stays proposed, unusable in a
    published campaign)."""
    change = _waiting(organisation, number)
    change.status, change.decided_at, change.decided_by_id, change.note = RevisionStatus.REJECTED, utcnow(), moderator.id, note
    db.session.flush()
    return change


class RegistryFileError(ValueError):
    """A registry file that cannot be imported; the message names the entry and field."""


def _entry(data: object, index: int) -> tuple[str, dict[str, str]]:
    where = f"recipients[{index}]."
    if not isinstance(data, dict):
        raise RegistryFileError(f"recipients[{index}]: expected a mapping")
    key = data.get("key")
    if not isinstance(key, str) or not REGISTRY_KEY_RE.match(key):
        raise RegistryFileError(f"{where}key: lowercase letters, digits and hyphens, such as leiden-university")
    fields: dict[str, str] = {}
    for field in ("name", "salutation"):
        value = data.get(field) or {}
        if isinstance(value, str):
            value = {"nl": value, "en": value}
        if not isinstance(value, dict) or not all(isinstance(value.get(lang, ""), str) for lang in ("nl", "en")):
            raise RegistryFileError(f"{where}{field}: a text, or {{nl: ..., en: ...}}")
        for lang in ("nl", "en"):
            text = (value.get(lang) or "").strip()
            if len(text) > 200:
                raise RegistryFileError(f"{where}{field}.{lang}: longer than 200 characters")
            fields[f"{field}_{lang}"] = text
    if not fields["name_nl"] and not fields["name_en"]:
        raise RegistryFileError(f"{where}name: missing")
    email = data.get("email")
    if not isinstance(email, str) or "@" not in email or len(email) > 254 or any(c.isspace() for c in email.strip()):
        raise RegistryFileError(f"{where}email: an email address")
    language = data.get("language", "nl")
    if language not in ("nl", "en"):
        raise RegistryFileError(f"{where}language: nl or en")
    website = data.get("website", "")
    if not isinstance(website, str) or (website and not website.startswith(("https://", "http://"))) or len(website) > 300:
        raise RegistryFileError(f"{where}website: a web address starting with https://")
    return key, {**fields, "email": email.strip(), "language": language, "website": website.strip()}


def import_registry(data: object, moderator: User | None = None) -> tuple[int, int]:
    """`flask recipients import FILE.yaml`: a list of entries (`recipients:` or the list itself), each
    created or updated by key. The whole file is checked before anything changes. It counts as reviewed
    (whoever runs the command runs the platform): a new entry is approved, a proposed one becomes
    approved, a new address takes effect at once and reaches the campaigns addressed to the entry; each
    change is in the entry's log. Returns (created, changed)."""
    if isinstance(data, dict):
        data = data.get("recipients")
    if not isinstance(data, list):
        raise RegistryFileError("the file holds a list of recipients (or `recipients:` with one)")
    entries = [_entry(item, index) for index, item in enumerate(data)]
    if len({key for key, _ in entries}) != len(entries):
        raise RegistryFileError("a key appears twice")
    created = changed = 0
    for key, fields in entries:
        organisation = db.session.scalar(select(Organisation).where(Organisation.key == key))
        if organisation is None:
            create_organisation(key, fields, moderator)
            created += 1
        else:
            if update_organisation(organisation, fields, moderator, reviewed=True) is not None:
                changed += 1
            if organisation.status == OrganisationStatus.PROPOSED:
                organisation.status, organisation.approved_at = OrganisationStatus.APPROVED, utcnow()
                waiting = pending_change(organisation)
                if waiting is not None:
                    waiting.status, waiting.decided_at = RevisionStatus.APPROVED, utcnow()
    return created, changed
