"""Issue 20 in a real browser, on a phone (390×844) and a desktop (1280×900), in Dutch and English:
the way to the story form stands high on the campaign page (right after the sign box) and the story
form gives its help lines before its button (point 4); a correction reads old beside new for the
moderator and in the reader's words on the public page (point 2); answers show no blank gaps, and an
answer written in the other language shows the recipient's own translation. axe-core finds nothing
serious on these pages."""
from urllib.parse import urlsplit

import pytest

from helpers import confirmed_account

from .conftest import LOCALES, PASSWORD, PHONE, axe_violations, describe_violations, expect, log_in, unique

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
DEVICES = {"phone": PHONE, "desktop": DESKTOP}
SCREENS = [(device, lang) for device in DEVICES for lang in LOCALES]
IDS = [f"{d}-{l}" for d, l in SCREENS]
STORIES = {
    "enabled": True,
    "contact_by": {"nl": "Twee getrainde vrijwilligers", "en": "Two trained volunteers"},
    "confidentiality": {"nl": "Alles blijft binnen het team.", "en": "Everything stays within the team."},
}
TEXT = {
    "en": {"entry": "Share your experience or ask for support", "submit": "Send", "help": "0800-0188",
           "line": "demand 1 to the Mayor of Leiden: “{old}” became “{new}”", "now": "Online now (English)",
           "after": "After this correction (English)", "translated": "Translated by the recipient"},
    "nl": {"entry": "Deel je ervaring of vraag om steun", "submit": "Versturen", "help": "0800-0188",
           "line": "eis 1 aan de burgemeester van Leiden: “{old}” werd “{new}”", "now": "Nu online (Engels)",
           "after": "Na deze correctie (Engels)", "translated": "Vertaald door de ontvanger"},
}


def with_app(local_app, work):
    from petition_app.extensions import db

    with local_app.app_context():
        result = work()
        db.session.commit()
        return result


def demand_text(local_app, slug, lang):
    from petition_app.campaigns.queries import campaign_by_slug

    return with_app(local_app, lambda: getattr(campaign_by_slug(slug).recipients[1].demands[0], f"text_{lang}"))


def correct_first_demand_of_the_mayor(local_app, slug, approve):
    """Propose (and approve, or leave waiting) a correction of the mayor's first demand, both languages."""
    from petition_app.admin import operations as moderation
    from petition_app.campaigns.operations import snapshot
    from petition_app.campaigns.queries import campaign_by_slug
    from petition_app.organizers.operations import propose_correction

    def work():
        campaign = campaign_by_slug(slug)
        content = snapshot(campaign)
        mayor = next(r for r in content["recipients"] if r["key"] == "mayor")
        mayor["demands"][0] = {"nl": mayor["demands"][0]["nl"] + " vóór 1 april", "en": mayor["demands"][0]["en"] + " before 1 April"}
        number = propose_correction(campaign, content)
        if approve:
            moderation.approve(campaign, number)
        return number

    return with_app(local_app, work)


def answer_in_dutch_with_translation(local_app, slug):
    """The university answers its first demand in Dutch, in two paragraphs, with its own English translation."""
    from petition_app.campaigns.queries import campaign_by_slug
    from petition_app.responses.operations import save_answers

    def work():
        recipient = campaign_by_slug(slug).recipients[0]
        demand = recipient.demands[0]
        save_answers(recipient, {demand.id: ("accepted", "Wij doen het.\n\nVanaf maart.")}, "nl",
                     translations={demand.id: "We will do it.\n\nFrom March."})

    with_app(local_app, work)


@pytest.fixture(scope="module")
def campaign(live_server, local_app, tmp_path_factory):
    """A campaign that takes stories, whose mayor's first demand was corrected after publishing, and
    whose university answered in Dutch with its own translation."""
    slug = live_server.import_campaign(tmp_path_factory.mktemp("i20"), stories=STORIES)
    old = {lang: demand_text(local_app, slug, lang) for lang in LOCALES}
    correct_first_demand_of_the_mayor(local_app, slug, approve=True)
    answer_in_dutch_with_translation(local_app, slug)
    return slug, old


@pytest.fixture(scope="module")
def waiting(live_server, local_app, tmp_path_factory):
    """A campaign with a correction of the mayor's first demand waiting for review, and a moderator."""
    slug = live_server.import_campaign(tmp_path_factory.mktemp("i20w"))
    old = {lang: demand_text(local_app, slug, lang) for lang in LOCALES}
    correct_first_demand_of_the_mayor(local_app, slug, approve=False)
    email = f"{unique('mod')}@example.org"
    confirmed_account(local_app, email=email, password=PASSWORD, role="admin")
    return slug, old, email


def no_serious(page, axe_source, where):
    problems = describe_violations(where, axe_violations(page, axe_source))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("device, lang", SCREENS, ids=IDS)
def test_the_story_entry_stands_high_and_the_form_gives_help_before_its_button(campaign, new_page, axe_source, device, lang):
    slug, _ = campaign
    page = new_page(locale=LOCALES[lang], **DEVICES[device])
    page.goto(f"/campaigns/{slug}?lang={lang}")
    entry = page.get_by_role("link", name=TEXT[lang]["entry"])
    expect(entry).to_have_count(1)
    expect(entry).to_be_visible()
    entry_box = entry.bounding_box()
    sign_box = page.locator("#sign").bounding_box()
    height = page.viewport_size["height"]
    if device == "phone":
        # right after the sign box, before the share links, the long text and the demands
        assert entry_box["y"] > sign_box["y"] + sign_box["height"] - 1
        assert entry_box["y"] < page.locator(".reach-links").bounding_box()["y"]
        assert entry_box["y"] < page.locator(".campaign .body").bounding_box()["y"]
        assert entry_box["y"] < 3 * height, entry_box
    else:
        assert entry_box["y"] < 2 * height, entry_box  # beside the text, under the sign box
    no_serious(page, axe_source, f"campaign page {device} {lang}")

    entry.click()
    expect(page.locator(".story-help")).to_contain_text(TEXT[lang]["help"])
    expect(page.locator(".story-help")).to_contain_text("112")
    help_box = page.locator(".story-help").bounding_box()
    button_box = page.locator("form #submit").bounding_box()
    assert help_box["y"] + help_box["height"] <= button_box["y"], (help_box, button_box)
    no_serious(page, axe_source, f"story form {device} {lang}")


@pytest.mark.parametrize("device, lang", SCREENS, ids=IDS)
def test_the_public_list_says_what_a_correction_changed_in_the_readers_words(campaign, new_page, axe_source, device, lang):
    slug, old = campaign
    page = new_page(locale=LOCALES[lang], **DEVICES[device])
    page.goto(f"/campaigns/{slug}?lang={lang}")
    changes = page.locator("#changes")
    new = old[lang] + (" before 1 April" if lang == "en" else " vóór 1 april")
    expect(changes).to_contain_text(TEXT[lang]["line"].format(old=old[lang], new=new))
    expect(changes).not_to_contain_text("burgemeester" if lang == "en" else "Mayor of Leiden")
    box = changes.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]


@pytest.mark.parametrize("device, lang", SCREENS, ids=IDS)
def test_an_answer_shows_no_blank_gaps_and_the_recipients_own_translation(campaign, new_page, axe_source, device, lang):
    slug, _ = campaign
    page = new_page(locale=LOCALES[lang], **DEVICES[device])
    page.goto(f"/campaigns/{slug}?lang={lang}")
    answer = page.locator("#recipient-university .answer").first
    expect(answer).to_be_visible()
    shown = answer.locator(".answer-text").first
    if lang == "en":
        expect(shown).to_have_text("We will do it.\n\nFrom March.", use_inner_text=True)
        expect(answer).to_contain_text(TEXT[lang]["translated"])
    else:
        expect(shown).to_have_text("Wij doen het.\n\nVanaf maart.", use_inner_text=True)
    # two short paragraphs: about four lines high, not the blank lines of the template around them
    line_height = float(shown.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 24"))
    assert shown.bounding_box()["height"] <= 5 * line_height, shown.bounding_box()
    no_serious(page, axe_source, f"campaign page with answer {device} {lang}")


@pytest.mark.parametrize("device, lang", SCREENS, ids=IDS)
def test_the_moderator_reads_the_corrected_demand_old_beside_new(waiting, new_page, axe_source, device, lang):
    slug, old, email = waiting
    page = new_page(locale=LOCALES[lang], **DEVICES[device])
    log_in(page, email, landing="**", lang=lang)
    page.goto(f"/admin/?lang={lang}")
    card = page.locator("article.card", has=page.locator(f'a[href*="/admin/{slug}/preview"]'))
    expect(card).to_have_count(1)
    before = card.locator(".compare-old", has_text=TEXT[lang]["now"]).first
    after = card.locator(".compare-new", has_text=TEXT[lang]["after"]).first
    expect(before).to_contain_text(old["en"])
    expect(after.locator("ins")).to_have_text(" before 1 April")
    old_box, new_box = before.bounding_box(), after.bounding_box()
    if device == "phone":
        assert new_box["y"] >= old_box["y"] + old_box["height"] - 1  # stacked
        assert new_box["x"] + new_box["width"] <= page.viewport_size["width"]
    else:
        assert new_box["x"] > old_box["x"] + old_box["width"] - 1 and abs(new_box["y"] - old_box["y"]) < 2  # side by side
    no_serious(page, axe_source, f"moderation queue {device} {lang}")


@pytest.mark.parametrize("device, lang", SCREENS, ids=IDS)
def test_the_recipient_can_give_its_own_translation_on_its_answer_page(campaign, local_app, new_page, axe_source, device, lang):
    from petition_app.campaigns.queries import campaign_by_slug
    from petition_app.letters.mailing import answer_url

    slug, _ = campaign
    with local_app.app_context(), local_app.test_request_context():
        url = answer_url(campaign_by_slug(slug).recipients[1])  # the mayor: not answered yet
    page = new_page(locale=LOCALES[lang], **DEVICES[device])
    page.goto(f"{urlsplit(url).path}?lang={lang}")  # the live server's own address, not BASE_URL's
    label = {"en": "The same explanation in the other language (optional)",
             "nl": "Dezelfde toelichting in de andere taal (niet verplicht)"}[lang]
    fields = page.get_by_label(label)
    expect(fields.first).to_be_visible()
    assert fields.count() == 4  # one per demand addressed to the mayor
    box = fields.first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    no_serious(page, axe_source, f"answer page {device} {lang}")
