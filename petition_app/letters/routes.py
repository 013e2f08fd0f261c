"""The public letter records (issue 22): a record's page, where anyone can check a letter's PDF."""
import re

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from ..campaigns.queries import public_campaign
from . import bp
from .queries import record_of

SHA256_RE = re.compile(r"[0-9a-f]{64}")


@bp.route("/campaigns/<slug>/letters/<int:number>", endpoint="record")
def record_page(slug: str, number: int) -> ResponseReturnValue:
    """The record of one hand-over of a public campaign (its counts, the SHA-256 of every PDF sent, the
    Merkle root, the chain) with a box to check a letter: a PDF is hashed in the browser, nothing is
    uploaded; a pasted SHA-256 (?sha256=) is checked here too, for browsers without JavaScript. Public,
    for anyone, cacheable: it holds nothing about any person."""
    campaign = public_campaign(slug) or abort(404)
    record = record_of(campaign.id, number) or abort(404)
    asked = request.args.get("sha256", "").strip().lower()
    checked = None
    if asked:
        checked = bool(SHA256_RE.fullmatch(asked)) and any(file["sha256"] == asked for file in record.files)
    recipients = {recipient.key: recipient.display_name(str(get_locale())) for recipient in campaign.recipients}
    return render_template(
        "letters/record.html", campaign=campaign, record=record.public(), sent_at=record.sent_at, recipients=recipients,
        asked=asked, checked=checked, valid=not asked or bool(SHA256_RE.fullmatch(asked)),
    )
