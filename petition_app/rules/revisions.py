"""Revisions of a campaign: what a moderator reviews is a frozen copy of everything that goes public or
into a letter, and a change after publishing is listed by its parts. Pure: the copies are plain dicts.

A revision's content has this shape (the same as a parsed campaign file):
`{"title": {nl, en}, "summary": {nl, en}, "body": {nl, en}, "organizer_name": str, "goals": [int],
"closes_on": "YYYY-MM-DD" | None, "recipients": [{"key", "name", "email", "language",
"names": {nl, en}, "salutation": {nl, en}, "demands": [{nl, en}]}]}` (`names` and `salutation` may be
missing in revisions made before recipients had them; empty texts fall back to `name` and the default).
"""
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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


# ---------------------------------------------------------------- what a correction changed, in words


#: The parts a reader sees old and new of: texts in both languages (the full text is too long for a
#: list; a moderator compares it side by side).
TEXT_PARTS = ("title", "summary")


@dataclass(frozen=True)
class ChangeLine:
    """One change of a correction as a reader of `locale` is told it: `part` (a part of changed_parts,
    or "demand" for one demand), the recipient's name in that language ("" for the whole campaign),
    the demand's number (from 1), and the old and new text in that language ("" when there is nothing
    to show: the texts of the other language changed, the full text, or an address, never shown)."""

    part: str
    recipient: str = ""
    number: int = 0
    old: str = ""
    new: str = ""


def display_name(recipient: Mapping[str, Any], locale: str) -> str:
    """A recipient's name in `locale` as a revision holds it (the internal name when it has none)."""
    return (recipient.get("names") or {}).get(locale) or recipient.get("name", "")


def _texts_in(old: Any, new: Any, locale: str) -> tuple[str, str]:
    """The old and new text in `locale`, or ("", "") when that language's text did not change."""
    old_text, new_text = (old or {}).get(locale, "") or "", (new or {}).get(locale, "") or ""
    return (old_text, new_text) if old_text != new_text else ("", "")


def correction_lines(before: Mapping[str, Any], after: Mapping[str, Any], locale: str) -> list[ChangeLine]:
    """What a correction changed, part by part, in the words of `locale`: each changed demand on its own
    line with its old and new text, the title and summary with theirs, recipients by their name in that
    language. Never an address (the list is public)."""
    lines: list[ChangeLine] = []
    for part in CAMPAIGN_PARTS:
        if before.get(part) == after.get(part):
            continue
        if part in TEXT_PARTS:
            lines.append(ChangeLine(part, "", 0, *_texts_in(before.get(part), after.get(part), locale)))
        elif part == "organizer_name":
            lines.append(ChangeLine(part, "", 0, str(before.get(part) or ""), str(after.get(part) or "")))
        else:
            lines.append(ChangeLine(part))
    old = {recipient["key"]: recipient for recipient in before.get("recipients", [])}
    new_keys = [recipient["key"] for recipient in after.get("recipients", [])]
    for recipient in after.get("recipients", []):
        name = display_name(recipient, locale)
        earlier = old.get(recipient["key"])
        if earlier is None:
            lines.append(ChangeLine("recipient_added", name))
            continue
        if earlier.get("name") != recipient.get("name") or _texts(earlier, "names") != _texts(recipient, "names"):
            old_name = display_name(earlier, locale)
            lines.append(ChangeLine("recipient_name", name, 0, *((old_name, name) if old_name != name else ("", ""))))
        if _texts(earlier, "salutation") != _texts(recipient, "salutation"):
            lines.append(ChangeLine("recipient_salutation", name, 0,
                                    *_texts_in(earlier.get("salutation"), recipient.get("salutation"), locale)))
        for part in ("email", "language"):
            if earlier.get(part) != recipient.get(part):
                lines.append(ChangeLine(f"recipient_{part}", name))
        old_demands, new_demands = earlier.get("demands", []), recipient.get("demands", [])
        for number, (was, now) in enumerate(zip(old_demands, new_demands), start=1):
            if was != now:
                lines.append(ChangeLine("demand", name, number, *_texts_in(was, now, locale)))
        if len(old_demands) != len(new_demands):
            lines.append(ChangeLine("demands", name))
    for key, recipient in old.items():
        if key not in new_keys:
            lines.append(ChangeLine("recipient_removed", display_name(recipient, locale)))
    kept_before = [key for key in old if key in new_keys]
    if kept_before != [key for key in new_keys if key in old]:
        lines.append(ChangeLine("recipient_order"))
    return lines


@dataclass(frozen=True)
class TextComparison:
    """One text a correction changes, for the moderator: which (`line` says part, recipient, number)
    and, per language, the words of the old and new text with what was removed and added marked."""

    line: ChangeLine
    languages: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]]]]


_WORDS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The old and the new text as runs of words, each marked "same", "removed" (old side) or "added"
    (new side): a word-level comparison (difflib) a moderator reads side by side."""
    a, b = _WORDS.findall(old or ""), _WORDS.findall(new or "")
    old_runs: list[tuple[str, str]] = []
    new_runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            old_runs.append(("same", "".join(a[i1:i2])))
            new_runs.append(("same", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            old_runs.append(("removed", "".join(a[i1:i2])))
        if j2 > j1:
            new_runs.append(("added", "".join(b[j1:j2])))
    return old_runs, new_runs


def text_comparisons(before: Mapping[str, Any], after: Mapping[str, Any], locale: str,
                     languages: Iterable[str]) -> list[TextComparison]:
    """Every text a correction changes (title, summary, full text, a recipient's names and salutation,
    each demand), old beside new in each language where it changed, for the moderator's review. Names
    are given in `locale`, the moderator's language."""
    languages = list(languages)

    def compare(old: Any, new: Any) -> dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]]]]:
        return {lang: word_diff((old or {}).get(lang, "") or "", (new or {}).get(lang, "") or "")
                for lang in languages if ((old or {}).get(lang, "") or "") != ((new or {}).get(lang, "") or "")}

    found: list[TextComparison] = []
    for part in ("title", "summary", "body"):
        if before.get(part) != after.get(part):
            found.append(TextComparison(ChangeLine(part), compare(before.get(part), after.get(part))))
    old = {recipient["key"]: recipient for recipient in before.get("recipients", [])}
    for recipient in after.get("recipients", []):
        earlier = old.get(recipient["key"])
        if earlier is None:
            continue
        name = display_name(recipient, locale)
        for field, part in (("names", "recipient_name"), ("salutation", "recipient_salutation")):
            if _texts(earlier, field) != _texts(recipient, field):
                found.append(TextComparison(ChangeLine(part, name), compare(earlier.get(field), recipient.get(field))))
        for number, (was, now) in enumerate(zip(earlier.get("demands", []), recipient.get("demands", [])), start=1):
            if was != now:
                found.append(TextComparison(ChangeLine("demand", name, number), compare(was, now)))
    return found
