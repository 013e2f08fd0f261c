"""The campaign page as a visitor meets it, on a phone (390×844) and a desktop (1280×900), in Dutch and in
English (issue 14, point 3): to whom it is addressed, when it started and closes, what the next goal
brings, a progress bar visible at 1 signature, the sign form within two screens on a phone, the answers
summary at the top that leads to the answers, and a correction listed with its date."""
from datetime import date
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from .conftest import PHONE, expect, unique

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
DEVICES = {"phone": PHONE, "desktop": DESKTOP}
LOCALES = {"nl": "nl-NL", "en": "en-GB"}
CLOSES = date(2027, 3, 31)
TIMEZONE = ZoneInfo("Europe/Amsterdam")

EXPECTED = {
    "nl": {
        "to": "Aan: Universiteit Leiden, de burgemeester van Leiden en de politie Leiden",
        "started": "Gestart op {}", "closes": "Ondertekenen kan tot en met 31 maart 2027",
        "goal": "Volgend doel: 1.500 handtekeningen.", "goal_mail": "krijgt iedereen die tekende en om nieuws vroeg een mail",
        "count": "1 persoon heeft getekend — op naar 1.500!",
        "answers": "Universiteit Leiden beantwoordde 3 van de 7 eisen op {}",
        "answer_heading": "Aan Universiteit Leiden", "change": "gecorrigeerd: de titel",
    },
    "en": {
        "to": "To: Leiden University, the Mayor of Leiden and Leiden Police",
        "started": "Started on {}", "closes": "Signing closes at the end of March 31, 2027",
        "goal": "Next goal: 1,500 signatures.", "goal_mail": "everyone who signed and asked for news gets a mail",
        "count": "1 has signed — let's get to 1,500!",
        "answers": "Leiden University answered 3 of 7 demands on {}",
        "answer_heading": "To Leiden University", "change": "corrected the title",
    },
}


@pytest.fixture(scope="module")
def answered_campaign(live_server, local_app, tmp_path_factory):
    """An open campaign with a closing date and 1 confirmed signature, whose university answered 3 of its
    7 demands, and which was corrected (its title) after publishing; with the dates the page must show."""
    from petition_app.campaigns.models import Campaign
    from petition_app.campaigns.operations import approve_revision, freeze_revision, snapshot
    from petition_app.extensions import db
    from petition_app.responses.operations import save_answers

    slug = live_server.import_campaign(tmp_path_factory.mktemp("page"), slug=unique("page"), closes_at=CLOSES)
    with local_app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
        # The count as one confirmed signature leaves it (the signing path has tests of its own).
        campaign.confirmed_count = 1
        university = next(r for r in campaign.recipients if r.key == "university")
        save_answers(university, {d.id: ("accepted", "Wij beginnen in januari.") for d in university.demands[:3]}, "nl")
        content = snapshot(campaign)
        content["title"] = {"nl": content["title"]["nl"] + " (nu)", "en": content["title"]["en"] + " (now)"}
        approve_revision(campaign, freeze_revision(campaign, content, correction=True))
        db.session.commit()
        moments = {
            "published": campaign.published_at, "corrected": campaign.corrections[-1].decided_at,
            "answered": max(d.answer.answered_at for d in university.demands[:3]),
        }
    days = {what: moment.astimezone(TIMEZONE).date() for what, moment in moments.items()}
    return slug, days


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_campaign_page_says_to_whom_when_what_the_goal_brings_and_what_was_answered(new_page, answered_campaign, device, lang):
    slug, days = answered_campaign
    words = EXPECTED[lang]
    page = new_page(locale=LOCALES[lang], **DEVICES[device])
    page.goto(f"/campaigns/{slug}?lang={lang}")
    screen = page.viewport_size["height"]

    # To whom, near the top: in the first screen.
    addressees = page.locator(".addressees")
    expect(addressees).to_have_text(words["to"])
    assert addressees.bounding_box()["y"] < screen

    # The dates: when it started, and the closing date the organizers entered.
    dates = page.locator(".dates")
    expect(dates).to_contain_text(words["started"].format(format_date(days["published"], "long", locale=lang)))
    expect(dates).to_contain_text(words["closes"])

    # The goal explained: the next goal and what happens when it is reached.
    expect(page.locator(".goal-explained")).to_contain_text(words["goal"])
    expect(page.locator(".goal-explained")).to_contain_text(words["goal_mail"])

    # 1 of 1,500 is visible on the bar.
    expect(page.locator(".progress-text")).to_have_text(words["count"])
    fill = page.locator(".bar-fill").bounding_box()
    track = page.locator(".bar-track").bounding_box()
    assert fill is not None and fill["width"] > 0 and fill["height"] > 0, fill
    assert fill["width"] < track["width"] / 10, (fill, track)

    # The sign form within two screens on a phone (on a desktop, in the first one, beside the text).
    name_field = page.locator("#sign #name").bounding_box()
    assert name_field["y"] + name_field["height"] < (2 * screen if device == "phone" else screen), (device, name_field)
    if device == "phone":
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], width

    # The answers summary at the top, before the sign form, leads to the answers.
    summary = page.locator(".answers-summary a")
    expect(summary).to_have_text(words["answers"].format(format_date(days["answered"], "long", locale=lang)))
    assert summary.bounding_box()["y"] < page.locator("#sign").bounding_box()["y"] or device == "desktop"
    summary.click()
    page.wait_for_url(f"**#recipient-university")
    expect(page.locator("#recipient-university h3")).to_have_text(words["answer_heading"])
    expect(page.locator("#recipient-university h3")).to_be_in_viewport()
    expect(page.locator("#recipient-university .answer")).to_have_count(3)

    # The correction, listed with its date.
    change = page.locator("#changes li")
    expect(change).to_have_count(1)
    expect(change).to_contain_text(format_date(days["corrected"], "long", locale=lang))
    expect(change).to_contain_text(words["change"])
    assert change.locator("time").get_attribute("datetime") == days["corrected"].isoformat()
