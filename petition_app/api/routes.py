"""JSON API v1: the same services as the web pages, described in /api/v1/openapi.json."""
from typing import Any

from flask import Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict

from ..campaigns.models import Campaign
from ..campaigns.queries import public_campaign, public_campaigns
from ..extensions import csrf, db, limiter
from ..letters import queries as letters
from ..links import external_url
from ..ratelimits import sign_limit
from ..reach import opendata
from ..recipients.queries import approved_entries, approved_entry, score
from ..rules import LANGUAGES, PUBLIC_STATUSES, CampaignStatus
from ..signing.forms import SignForm
from ..signing.operations import CampaignClosed, sign
from ..stories import queries as stories
from ..stories.figures import figures as story_figures
from . import bp
from .openapi import openapi_document
from .recipients import recipient_json, recipient_summary_json

STRING_FIELDS = ("name", "email", "city", "locale", "source")
BOOLEAN_FIELDS = ("consent", "updates", "public")


def not_found() -> tuple[Response, int]:
    return jsonify({"error": "not_found"}), 404


def campaign_json(campaign: Campaign) -> dict[str, Any]:
    """The whole public campaign: the list's summary plus milestones and the demands per recipient."""
    return {
        **campaign_summary_json(campaign),
        "milestones": [{"goal": m.goal, "reached_at": m.reached_at.isoformat()} for m in campaign.milestones],
        "recipients": [
            {"key": r.key, "name": r.name, "demands": [{"nl": d.text_nl, "en": d.text_en} for d in r.demands]}
            for r in campaign.recipients
        ],
    }


@bp.get("/campaigns/<slug>")
def get_campaign(slug: str) -> ResponseReturnValue:
    """One public campaign as JSON; public, for anyone."""
    campaign = public_campaign(slug)
    return jsonify(campaign_json(campaign)) if campaign else not_found()


# ---------------------------------------------------------------- open data: anyone may read these
# (Access-Control-Allow-Origin: *), from any site. Counts only: never a name, never an address.


def _open(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _open_json(data: dict[str, Any], status: int=200) -> tuple[Response, int]:
    return _open(jsonify(data)), status


def _open_csv(text: str, filename: str) -> Response:
    response = current_app.response_class(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return _open(response)


def _wants_csv(suffix: str) -> bool:
    return suffix == ".csv" or request.args.get("format") == "csv"


def campaign_summary_json(campaign: Campaign) -> dict[str, Any]:
    return {
        "slug": campaign.slug,
        "title": {"nl": campaign.title_nl, "en": campaign.title_en},
        "status": campaign.status,
        "signature_count": campaign.confirmed_count,
        "paper_signature_count": campaign.paper_count,
        "total_signature_count": campaign.total_count,
        "paper_counts_toward_goals": campaign.paper_counts_toward_goals,
        "goals": list(campaign.goals),
        "next_goal": campaign.next_goal,
        "url": external_url("signing.campaign", slug=campaign.slug),
    }


@bp.get("/campaigns")
def list_campaigns() -> ResponseReturnValue:
    """The public campaigns (open data, any site may read it); public."""
    status = request.args.get("status")
    if status is not None and status not in PUBLIC_STATUSES:
        return _open_json({"errors": {"status": ["must be open or closed"]}}, 422)
    return _open_json({"campaigns": [campaign_summary_json(c) for c in public_campaigns(CampaignStatus(status) if status else None)]})


@bp.get("/campaigns/<slug>/stats/daily", defaults={"suffix": ""})
@bp.get("/campaigns/<slug>/stats/daily.csv", defaults={"suffix": ".csv"})
def daily_stats(slug: str, suffix: str) -> ResponseReturnValue:
    """Counted signatures per day, as JSON or CSV (open data); public."""
    campaign = public_campaign(slug)
    if campaign is None:
        return _open(not_found()[0]), 404
    days = opendata.daily_counts_with_paper(campaign)
    if _wants_csv(suffix):
        rows = ((d.isoformat(), n, paper) for d, n, paper in days)
        return _open_csv(opendata.csv_text(("date", "signatures", "paper_signatures"), rows), f"{slug}-daily.csv")
    return _open_json(
        {
            "slug": campaign.slug,
            "timezone": current_app.config["CAMPAIGN_TIMEZONE"],
            "signature_count": campaign.confirmed_count,
            "paper_signature_count": campaign.paper_count,
            "total_signature_count": campaign.total_count,
            "days": [{"date": d.isoformat(), "signatures": n, "paper_signatures": paper} for d, n, paper in days],
        }
    )


@bp.get("/campaigns/<slug>/stats/cities", defaults={"suffix": ""})
@bp.get("/campaigns/<slug>/stats/cities.csv", defaults={"suffix": ".csv"})
def city_stats(slug: str, suffix: str) -> ResponseReturnValue:
    """Counted signatures per city, small cities folded into "other" (open data); public."""
    campaign = public_campaign(slug)
    if campaign is None:
        return _open(not_found()[0]), 404
    cities, other, not_given = opendata.city_counts(campaign)
    if _wants_csv(suffix):
        rows = [("city", name, n) for name, n in cities] + [("other", "", other), ("not_given", "", not_given)]
        return _open_csv(opendata.csv_text(("group", "city", "signatures"), rows), f"{slug}-cities.csv")
    return _open_json(
        {
            "slug": campaign.slug,
            "min_group_size": opendata.MIN_CITY_GROUP,
            "cities": [{"city": name, "signatures": n} for name, n in cities],
            "other": other,
            "not_given": not_given,
        }
    )


@bp.get("/campaigns/<slug>/stats/stories", defaults={"suffix": ""})
@bp.get("/campaigns/<slug>/stats/stories.csv", defaults={"suffix": ".csv"})
def story_stats(slug: str, suffix: str) -> ResponseReturnValue:
    """How many people shared an experience, per category and per place, every group smaller than 5
    folded into "other" and no figure at all under 5 people (open data); public, for campaigns that
    take stories."""
    found = stories.campaign_taking_stories(slug)
    if found is None:
        return _open(not_found()[0]), 404
    figures = story_figures(found[0].id)
    if _wants_csv(suffix):
        rows = [("total", "", figures.total if figures.shown else "")]
        rows += [("category", key, n) for key, n in figures.categories.items()]
        rows += [("place", key, n) for key, n in figures.places.items()]
        return _open_csv(opendata.csv_text(("dimension", "group", "people"), rows), f"{slug}-stories.csv")
    return _open_json(
        {
            "slug": slug,
            "min_group_size": figures.minimum,
            "people": figures.total,
            "categories": [{"category": key, "people": n} for key, n in figures.categories.items()],
            "places": [{"place": key, "people": n} for key, n in figures.places.items()],
        }
    )


@bp.get("/campaigns/<slug>/letters")
def list_letter_records(slug: str) -> ResponseReturnValue:
    """The public records of a campaign's letters, first first (docs/verifiable-letters.md); open data, public."""
    campaign = public_campaign(slug)
    if campaign is None:
        return _open(not_found()[0]), 404
    return _open_json({"slug": campaign.slug, "letters": opendata.letter_records(campaign)})


@bp.get("/campaigns/<slug>/letters/<int:number>")
def get_letter_record(slug: str, number: int) -> ResponseReturnValue:
    """One letter record: counts, files, tree size and root, the chain; open data, public."""
    campaign = public_campaign(slug)
    record = letters.record_of(campaign.id, number) if campaign is not None else None
    if record is None:
        return _open(not_found()[0]), 404
    return _open_json(record.public())
@bp.get("/recipients")
def list_recipients() -> ResponseReturnValue:
    """Every approved recipient of the registry with its figures (open data); public. No address."""
    return _open_json({"recipients": [recipient_summary_json(score(entry)) for entry in approved_entries()]})


@bp.get("/recipients/<key>")
def get_recipient(key: str) -> ResponseReturnValue:
    """One recipient: the campaigns addressed to it, its letters, each demand's standing (open data);
    public. No address."""
    entry = approved_entry(key)
    if entry is None:
        return _open(not_found()[0]), 404
    return _open_json(recipient_json(score(entry)))


def _type_errors(payload: dict[str, Any]) -> dict[str, list[str]]:
    errors = {}
    for field in STRING_FIELDS:
        if field in payload and payload[field] is not None and not isinstance(payload[field], str):
            errors[field] = ["must be a string"]
    for field in BOOLEAN_FIELDS:
        if field in payload and not isinstance(payload[field], bool):
            errors[field] = ["must be true or false"]
    return errors


@bp.post("/campaigns/<slug>/signatures")
@csrf.exempt
@limiter.shared_limit(sign_limit, scope="sign")
def create_signature(slug: str) -> ResponseReturnValue:
    """Sign through the API (the same form and rules as the page); for anyone, rate-limited."""
    campaign = public_campaign(slug)
    if campaign is None:
        return not_found()
    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # absurdly nested JSON: not an object we read
        payload = None
    if not isinstance(payload, dict):
        return jsonify({"errors": {"body": ["expected a JSON object"]}}), 422
    locale = payload.get("locale") or "nl"
    errors = _type_errors(payload)
    if not errors and locale not in LANGUAGES:
        errors["locale"] = ["must be nl or en"]
    if errors:
        return jsonify({"errors": errors}), 422
    if not campaign.accepts_signatures():
        return jsonify({"error": "campaign_closed"}), 409
    formdata = MultiDict({k: payload[k] for k in STRING_FIELDS if isinstance(payload.get(k), str)})
    formdata.update({k: "y" for k in BOOLEAN_FIELDS if payload.get(k) is True})
    with force_locale(locale):
        form = SignForm(formdata=formdata, meta={"csrf": False})
        if not form.validate():
            return jsonify({"errors": {k: [str(m) for m in v] for k, v in form.errors.items()}}), 422
    try:
        sign(campaign, form.to_input(locale, request.remote_addr))
        db.session.commit()
    except CampaignClosed:
        return jsonify({"error": "campaign_closed"}), 409
    return jsonify({"status": "check_your_email"}), 202


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """The OpenAPI document of this API; public."""
    return jsonify(openapi_document())
