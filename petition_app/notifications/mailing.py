"""Bulk mail assembled fast: the templates of a fan-out are rendered once per language, then each signer's
copy is the rendered text with their name and their own links filled in.

Why: rendering two templates, three signed tokens and an `EmailMessage` per signer cost about 4.5 ms of
worker time per mail (docs/performance.md), several times what the SMTP server needs to take it. Here the
mail of one language is built once by `mail.build_message` (so it says exactly what a mail built one by
one says) with stand-ins for the signer's name, address, message id and link tokens; a signer's copy is
then a few string replacements, three tokens and a base64 encoding, handed to SMTP as bytes.

The stand-ins are random per fan-out, so no campaign text can contain one. The only per-signer values in
the bulk templates are `signature.name` and the links of `signing.mailing.signer_links`; a test compares a
copy made here with the mail `signing.mailing.signer_message` builds for the same signer.
"""
from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from types import SimpleNamespace
from typing import Any, cast

from flask_babel import force_locale, format_decimal, gettext, ngettext
from markupsafe import escape

from .. import mail
from ..accounts.mailing import shown
from ..campaigns.models import Campaign, CampaignRevision, Milestone
from ..links import external_url
from ..rules import LANGUAGES
from ..rules.revisions import correction_lines
from ..signing.mailing import link_token, signer_message
from ..signing.models import Signature
from ..tokens import Purpose

#: the links of a signer's mail that carry their own token: (context name, token purpose)
_TOKEN_LINKS = (("withdraw_url", Purpose.WITHDRAW), ("data_url", Purpose.MY_DATA), ("unsubscribe_url", Purpose.UNSUBSCRIBE))
_SKIPPED_HEADERS = {"content-type", "content-transfer-encoding", "mime-version"}


@dataclass(frozen=True)
class Outgoing:
    """One signer's copy: bytes ready for SMTP, or (for an address that is not ASCII) a message; `envelope`
    is its own envelope sender (its bounce names the signature, mail.envelope_sender)."""

    to: str
    data: bytes | None = None
    message: EmailMessage | None = None
    envelope: str | None = None

    def send(self, connection: Any, sender: str | None = None) -> None:
        if self.data is not None:
            connection.send_raw(self.envelope or sender, [self.to], self.data)
        else:
            connection.send(self.message)


@dataclass(frozen=True)
class _Skeleton:
    head: bytes  # the headers with stand-ins for To, Message-ID and the unsubscribe token
    text: str
    html: str
    boundary: bytes


def _base64(text: str) -> bytes:
    return base64.encodebytes(text.encode("utf-8")).replace(b"\n", b"\r\n")


class BulkMail:
    """One bulk mail (`template`, `subject(title)`, and `context(locale)` for what depends on the language
    only) to the signers of one campaign. `compose(signature)` gives one signer's copy."""

    def __init__(
        self,
        template: str,
        subject: Callable[[str], str],
        context: Callable[[str], Mapping[str, Any]] | None = None,
    ) -> None:
        self.template = template
        self.subject = subject
        self.context = context or (lambda locale: {})
        mark = secrets.token_hex(8)
        self.marks = {name: f"Zq{mark}{name.replace('_', '')}" for name in ("name", "to", "msgid", *dict(_TOKEN_LINKS).values())}
        self.sender = mail.sender_address()
        self.domain = mail.sender_domain()
        self._skeletons: dict[tuple[int, str], _Skeleton | None] = {}

    def compose(self, signature: Signature) -> Outgoing:
        """The copy for one signer, in their language, with their own links."""
        locale = signature.locale
        key = (signature.campaign_id, locale)
        if key not in self._skeletons:
            self._skeletons[key] = self._skeleton(signature, locale)
        skeleton = self._skeletons[key]
        if skeleton is None or not signature.email.isascii():
            return Outgoing(signature.email, message=self._one_by_one(signature))
        text, html, head = skeleton.text, skeleton.html, skeleton.head
        for _, purpose in _TOKEN_LINKS:
            token = link_token(signature, purpose)
            text = text.replace(self.marks[purpose], token)
            html = html.replace(self.marks[purpose], token)
            head = head.replace(self.marks[purpose].encode(), token.encode())
        text = text.replace(self.marks["name"], signature.name)
        html = html.replace(self.marks["name"], str(escape(signature.name)))
        head = head.replace(f"{self.marks['to']}@invalid.invalid".encode(), signature.email.encode()).replace(
            f"<{self.marks['msgid']}@{self.domain}>".encode(), mail.message_id().encode()
        )
        b = skeleton.boundary
        body = b"".join((
            b"--", b, b'\r\nContent-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n',
            _base64(text),
            b"--", b, b'\r\nContent-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n',
            _base64(html),
            b"--", b, b"--\r\n",
        ))
        envelope = mail.envelope_sender((mail.About.SIGNATURE, signature.id))
        return Outgoing(signature.email, data=head + body, envelope=envelope)

    def _links(self, signature: Signature, locale: str) -> dict[str, str]:
        """signing.mailing.signer_links with stand-ins for the tokens (keep the two in step)."""
        slug = signature.campaign.slug
        marks = self.marks
        return {
            "campaign_url": external_url("signing.campaign", slug=slug, lang=locale),
            "privacy_url": external_url("campaigns.privacy", lang=locale),
            "withdraw_url": external_url("signing.withdraw", token=marks[Purpose.WITHDRAW], lang=locale),
            "data_url": external_url("signing.my_data", token=marks[Purpose.MY_DATA]),
            "unsubscribe_url": external_url("signing.unsubscribe", token=marks[Purpose.UNSUBSCRIBE], lang=locale),
        }

    def _skeleton(self, signature: Signature, locale: str) -> _Skeleton | None:
        """The mail of one campaign and language with stand-ins; None when a stand-in did not come through
        untouched (then every copy is built one by one, the slow and sure way)."""
        title = signature.campaign.text("title", locale)
        links = self._links(signature, locale)
        stand_in = SimpleNamespace(name=self.marks["name"])  # the bulk templates read signature.name only
        built = mail.build_message(
            f"{self.marks['to']}@invalid.invalid", self.template, locale, lambda: self.subject(title),
            headers=mail.bulk_headers(links["unsubscribe_url"]),
            signature=stand_in, campaign_title=title, **cast(dict[str, Any], links), **self.context(locale),
        )
        plain, rich = built.get_body(("plain",)), built.get_body(("html",))
        if plain is None or rich is None:  # build_message makes both parts: never, but then the slow way
            return None
        text = plain.get_content()
        html = rich.get_content()
        head_message = EmailMessage(policy=SMTP)
        for name, value in built.items():
            if name.lower() == "message-id":
                head_message[name] = f"<{self.marks['msgid']}@{self.domain}>"
            elif name.lower() not in _SKIPPED_HEADERS:
                head_message[name] = value
        boundary = f"=={secrets.token_hex(16)}=="
        head = head_message.as_bytes()  # the headers, a blank line and no body
        if not head.endswith(b"\r\n\r\n"):
            return None
        head = head[:-2] + f'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode()
        expected_in_head = (self.marks["to"], self.marks["msgid"], self.marks[Purpose.UNSUBSCRIBE])
        if not all(head.count(mark.encode()) == 1 for mark in expected_in_head) or self.marks["name"] not in text:
            return None
        return _Skeleton(head=head, text=text, html=html, boundary=boundary.encode())

    def _one_by_one(self, signature: Signature) -> EmailMessage:
        return signer_message(
            signature, self.template, self.subject, bulk=True, **self.context(signature.locale)
        )


def _milestone_context(milestone: Milestone | SimpleNamespace) -> dict[str, Any]:
    campaign = milestone.campaign
    later_goals = [g for g in campaign.goals if g > milestone.goal]
    # the count as it stands when the mail is written, stated by i18n.count_sentence in the template
    return {"goal": milestone.goal, "next_goal": later_goals[0] if later_goals else None,
            "online": campaign.confirmed_count, "paper": campaign.paper_count}


def _milestone_subject(goal: int) -> Callable[[str], str]:
    return lambda title: ngettext(
        "%(goal)s signature: %(title)s", "%(goal)s signatures: %(title)s", goal, goal=format_decimal(goal), title=title,
    )


def milestone_previews(campaign: Campaign, goal: int) -> dict[str, dict[str, str]]:
    """The signers' mail of a goal about to be reached, as a Dutch and an English signer would get it
    (subject and text), for a confirmation page: the same template, addressed to a stand-in signer
    (id 0, whose links act on nothing)."""
    context = _milestone_context(SimpleNamespace(goal=goal, campaign=campaign))
    previews = {}
    for locale in LANGUAGES:
        with force_locale(locale):
            name = gettext("(the signer's name)")
        stand_in = SimpleNamespace(id=0, secret="preview", locale=locale, campaign=campaign, name=name, email="preview@invalid")
        previews[locale] = shown(signer_message(cast(Signature, stand_in), "milestone_signer", _milestone_subject(goal), bulk=True, **context))
    return previews


def milestone_organizers_message(milestone: Milestone) -> EmailMessage:
    """The organizers' news of a goal reached, in their language."""
    campaign = milestone.campaign
    locale = campaign.organizer_language
    return mail.build_message(
        campaign.organizer_email, "milestone_organizers", locale,
        lambda: ngettext("Your campaign reached %(goal)s signature", "Your campaign reached %(goal)s signatures", milestone.goal, goal=format_decimal(milestone.goal)),
        campaign_title=campaign.text("title", locale), organizer_name=campaign.organizer_name,
        campaign_url=external_url("signing.campaign", slug=campaign.slug, lang=locale), **_milestone_context(milestone),
    )


def milestone_bulk_mail(milestone: Milestone) -> BulkMail:
    """The signers' news of a goal reached, each in their own language with their own links."""
    context = _milestone_context(milestone)
    return BulkMail("milestone_signer", _milestone_subject(milestone.goal), lambda locale: context)


def correction_bulk_mail(revision: CampaignRevision, before: Mapping[str, Any]) -> BulkMail:
    """The signers' news of a reviewed correction that changed demands they signed: each changed demand
    with its old and new text, in the signer's language, and how to withdraw (issue 20)."""

    def context(locale: str) -> dict[str, Any]:
        lines = [line for line in correction_lines(before, revision.content, locale) if line.part == "demand"]
        return {"lines": lines, "organizer_name": revision.campaign.organizer_name}

    return BulkMail("correction_to_signers", lambda title: gettext("A demand was corrected: %(title)s", title=title), context)
