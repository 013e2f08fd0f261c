"""Revisions of a campaign: what a moderator reviews is a frozen copy of everything that goes public or
into a letter, and a change after publishing is listed by its parts. Pure: the copies are plain dicts.

A revision's content has this shape (the same as a parsed campaign file):
`{"title": {nl, en}, "summary": {nl, en}, "body": {nl, en}, "organizer_name": str, "goals": [int],
"closes_on": "YYYY-MM-DD" | None, "recipients": [{"key", "name", "email", "language",
"names": {nl, en}, "salutation": {nl, en}, "demands": [{nl, en}]}]}` (`names` and `salutation` may be
missing in revisions made before recipients had them; empty texts fall back to `name` and the default).
"""
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any


class RevisionStatus(StrEnum):
    PENDING = "pending"  # submitted, waits for a moderator
    APPROVED = "approved"  # reviewed and published (or recorded from a campaign file on the command line)
    REJECTED = "rejected"  # sent back by a moderator
    WITHDRAWN = "withdrawn"  # edited (or replaced by a newer one) before a moderator decided


#: The campaign-wide parts of a revision, in the order a list of changes names them.
CAMPAIGN_PARTS = ("title", "summary", "body", "organizer_name", "goals", "closes_on")
#: The parts of one recipient a correction may change.
RECIPIENT_PARTS = ("name", "email", "language")


def _texts(recipient: Mapping[str, Any], field: str) -> dict[str, str]:
    """A recipient's texts per language (`names`, `salutation`), leaving out empty ones: a revision made
    before recipients had them says the same as one with them empty."""
    return {lang: text for lang, text in (recipient.get(field) or {}).items() if text}


def changed_parts(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[list[str]]:
    """What differs between two revisions, as `[part, recipient name]` pairs (the name is "" for a part
    of the whole campaign, and the recipient's new name otherwise). Parts: the CAMPAIGN_PARTS,
    `recipient_name`, `recipient_salutation`, `recipient_email`, `recipient_language`, `demands`, `recipient_added`,
    `recipient_removed` and `recipient_order`. Never the addresses themselves: the list is public."""
    parts = [[part, ""] for part in CAMPAIGN_PARTS if before.get(part) != after.get(part)]
    old = {recipient["key"]: recipient for recipient in before.get("recipients", [])}
    new_keys = [recipient["key"] for recipient in after.get("recipients", [])]
    for recipient in after.get("recipients", []):
        earlier = old.get(recipient["key"])
        if earlier is None:
            parts.append(["recipient_added", recipient["name"]])
            continue
        for part in RECIPIENT_PARTS:
            if earlier.get(part) != recipient.get(part):
                parts.append([f"recipient_{part}", recipient["name"]])
        if earlier.get("name") == recipient.get("name") and _texts(earlier, "names") != _texts(recipient, "names"):
            parts.append(["recipient_name", recipient["name"]])
        if _texts(earlier, "salutation") != _texts(recipient, "salutation"):
            parts.append(["recipient_salutation", recipient["name"]])
        if earlier.get("demands") != recipient.get("demands"):
            parts.append(["demands", recipient["name"]])
    for key, recipient in old.items():
        if key not in new_keys:
            parts.append(["recipient_removed", recipient["name"]])
    kept_before = [key for key in old if key in new_keys]
    kept_after = [key for key in new_keys if key in old]
    if kept_before != kept_after:
        parts.append(["recipient_order", ""])
    return parts


def same_structure(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """A correction after publishing keeps the recipients (by key, in order) and the number of demands
    of each: people signed these demands, and recipients' answers belong to them."""
    old, new = before.get("recipients", []), after.get("recipients", [])
    return [r["key"] for r in old] == [r["key"] for r in new] and all(
        len(a.get("demands", [])) == len(b.get("demands", [])) for a, b in zip(old, new)
    )


def goals_fit(goals: Iterable[int], count: int, reached: Iterable[int]) -> bool:
    """New goals of a live campaign: each is above today's count, or a goal already reached (a goal
    the count passed without a milestone would never be announced)."""
    reached = set(reached)
    return all(goal > count or goal in reached for goal in goals)
