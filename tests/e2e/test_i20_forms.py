"""Issue 20, minor experience findings, in a real browser (Chromium, a phone at 390×844 and a desktop at
1280×900, Dutch and English): after a failed submit of the sign form the focus is on the error summary
(the form's `#sign` address used to move it back to the page); the paper form has an error summary that
takes the focus and radio buttons beside their labels; a paper entry that reaches a goal, and removing a
draft's recipient or dismissing a story, ask first on a page with a red button; a story's status keeps a
redaction being typed; "Start a campaign" explains before the login;
the preview in English leaves the Dutch interface Dutch. axe-core finds nothing serious on these pages."""
import pytest

from helpers import add_organizer, confirmed_account

from .conftest import LOCALES, PASSWORD, PHONE, axe_violations, describe_violations, expect, log_in, unique

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
DEVICES = {"phone": PHONE, "desktop": DESKTOP}
SCREENS = [(device, lang) for device in DEVICES for lang in LOCALES]
#: two of the four: the phone in Dutch and the desktop in English (each page in each size and language
#: would be sixteen runs for what the sign form already checks in all four)
TWO_SCREENS = [("phone", "nl"), ("desktop", "en")]
WORDS = {
    "en": {"problem": "There is a problem", "error": "Error:", "record": "Record the paper signatures",
           "goal": "Check before the goal's mail is sent", "cancel": "Cancel", "remove": "Remove recipient"},
    "nl": {"problem": "Er is een probleem", "error": "Fout:", "record": "Papieren handtekeningen vastleggen",
           "goal": "Controleer dit voordat de mail over het doel wordt verstuurd", "cancel": "Annuleren",
           "remove": "Ontvanger verwijderen"},
}


def serious(page, axe_source, where):
    return describe_violations(where, axe_violations(page, axe_source))


FOCUS_ON_SUMMARY = "() => document.activeElement && document.activeElement.matches('[data-error-summary]')"


def focused_is_summary(page):
    return page.evaluate(FOCUS_ON_SUMMARY)


def submit_with_errors(page, button, lang):
    """Submit a form that has errors: the page that comes back has the error summary, which takes the
    focus, and a title that starts with "Error:". Returns the summary."""
    with page.expect_navigation():
        page.locator(button).click()
    page.wait_for_load_state("load")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text(WORDS[lang]["problem"])
    page.wait_for_function(FOCUS_ON_SUMMARY)
    assert page.title().startswith(WORDS[lang]["error"])
    return summary


@pytest.fixture(scope="module")
def organized(live_server, local_app, tmp_path_factory):
    """An open campaign with goals of 5 and 50 and no signatures, and a confirmed organizer of it."""
    slug = live_server.import_campaign(tmp_path_factory.mktemp("i20"), goals=[5, 50])
    email = f"{slug}-org@example.org"
    confirmed_account(local_app, email=email, password=PASSWORD)
    add_organizer(local_app, slug, email)
    return slug, email


@pytest.mark.parametrize("device, lang", SCREENS, ids=[f"{d}-{l}" for d, l in SCREENS])
def test_a_failed_signature_puts_the_focus_on_the_error_summary(new_page, organized, axe_source, device, lang):
    slug, _ = organized
    page = new_page(locale=LOCALES[lang], **DEVICES[device])
    page.goto(f"/campaigns/{slug}?lang={lang}")
    page.locator("#name").fill("Sam Jansen")
    summary = submit_with_errors(page, "#sign [type=submit]", lang)
    assert focused_is_summary(page)
    box = summary.bounding_box()
    assert box is not None and 0 <= box["y"] < page.viewport_size["height"], box  # in view, where the focus is
    expect(page.locator("#name")).to_have_value("Sam Jansen")  # what was typed stays
    assert serious(page, axe_source, f"sign errors {device}-{lang}") == []


@pytest.mark.parametrize("device, lang", TWO_SCREENS, ids=[f"{d}-{l}" for d, l in TWO_SCREENS])
def test_the_paper_form_has_an_error_summary_with_the_focus_and_radios_beside_their_labels(new_page, live_server, local_app, axe_source, device, lang):
    # a campaign of its own: the radios are offered only until the first paper entry
    slug = live_server.import_campaign(local_app.instance_path, slug=unique("i20-paper"))
    email = f"{slug}-org@example.org"
    confirmed_account(local_app, email=email, password=PASSWORD)
    add_organizer(local_app, slug, email)
    page = new_page(locale=LOCALES[lang], **DEVICES[device])
    log_in(page, email, lang=lang)
    page.goto(f"/organize/{slug}/paper?lang={lang}")

    for choice in ("#counts-0", "#counts-1"):
        radio = page.locator(choice).bounding_box()
        label = page.locator(f"label[for='{choice[1:]}']").bounding_box()
        assert radio and label
        assert label["x"] >= radio["x"] + radio["width"] - 1, (radio, label)  # beside, not under
        assert label["y"] < radio["y"] + radio["height"], (radio, label)
    assert serious(page, axe_source, f"paper {device}-{lang}") == []

    page.locator("#place").fill("Stationsplein")
    summary = submit_with_errors(page, "#paper-submit", lang)
    expect(page.locator("#place")).to_have_value("Stationsplein")
    summary.locator("a").first.click()  # a problem's link puts the focus in its field
    assert page.evaluate("() => document.activeElement.id") in ("signatures", "collected_on")
    assert serious(page, axe_source, f"paper errors {device}-{lang}") == []


@pytest.mark.parametrize("device, lang", TWO_SCREENS, ids=[f"{d}-{l}" for d, l in TWO_SCREENS])
def test_paper_that_reaches_a_goal_asks_first(new_page, live_server, local_app, axe_source, device, lang):
    slug = live_server.import_campaign(local_app.instance_path, slug=unique("i20-goal"), goals=[5, 50])
    email = f"{slug}-org@example.org"
    confirmed_account(local_app, email=email, password=PASSWORD)
    add_organizer(local_app, slug, email)
    page = new_page(locale=LOCALES[lang], **DEVICES[device])
    log_in(page, email, lang=lang)
    page.goto(f"/organize/{slug}/paper?lang={lang}")
    page.locator("#signatures").fill("60")
    page.locator("#collected_on").fill("2026-11-20")
    page.locator("#place").fill("Stationsplein, Leiden")
    with page.expect_navigation():
        page.locator("#paper-submit").click()
    expect(page.locator("h1")).to_have_text(WORDS[lang]["goal"])
    expect(page.locator(".confirm-summary")).to_contain_text("50")
    expect(page.locator(".mail-preview")).to_have_count(2)
    assert serious(page, axe_source, f"paper goal {device}-{lang}") == []
    with page.expect_navigation():
        page.locator("#confirm-submit").click()
    expect(page.locator(".paper-log tbody tr")).to_have_count(1)


@pytest.mark.parametrize("device, lang", TWO_SCREENS, ids=[f"{d}-{l}" for d, l in TWO_SCREENS])
def test_removing_a_recipient_asks_first_with_a_red_button(new_page, live_server, local_app, axe_source, device, lang):
    slug = live_server.import_campaign(local_app.instance_path, slug=unique("i20-draft"), status="draft")
    email = f"{slug}-org@example.org"
    confirmed_account(local_app, email=email, password=PASSWORD)
    add_organizer(local_app, slug, email)
    page = new_page(locale=LOCALES[lang], **DEVICES[device])
    log_in(page, email, lang=lang)
    page.goto(f"/organize/{slug}/recipients?lang={lang}")
    cards = page.locator("section.card")
    before = cards.count()
    with page.expect_navigation():
        cards.first.get_by_role("button", name=WORDS[lang]["remove"]).click()
    button = page.locator("#confirm-submit")
    expect(button).to_be_visible()
    colour = button.evaluate("b => getComputedStyle(b).backgroundColor")
    assert colour == "rgb(179, 38, 30)", colour  # GOV.UK's warning button: red
    expect(page.locator(".confirm-summary li").first).to_be_visible()  # the demands that go with it
    assert serious(page, axe_source, f"remove recipient {device}-{lang}") == []
    with page.expect_navigation():
        page.get_by_role("link", name=WORDS[lang]["cancel"]).click()
    expect(page.locator("section.card")).to_have_count(before)
    with page.expect_navigation():
        page.locator("section.card").first.get_by_role("button", name=WORDS[lang]["remove"]).click()
    with page.expect_navigation():
        page.locator("#confirm-submit").click()
    expect(page.locator("section.card")).to_have_count(before - 1)


@pytest.mark.parametrize("device, lang", TWO_SCREENS, ids=[f"{d}-{l}" for d, l in TWO_SCREENS])
def test_start_a_campaign_explains_first_and_the_preview_keeps_the_interface_language(new_page, organized, axe_source, device, lang):
    slug, email = organized
    page = new_page(locale=LOCALES[lang], **DEVICES[device])
    page.goto(f"/?lang={lang}")
    with page.expect_navigation():
        page.locator(".account-nav a[href='/start']").click()
    expect(page.locator("ol.start-steps li")).to_have_count(4)
    expect(page.locator(".start-ways a[href*='/account/register?next=']")).to_be_visible()
    assert serious(page, axe_source, f"start {device}-{lang}") == []

    log_in(page, email, lang=lang)
    page.goto(f"/organize/{slug}")
    other = "en" if lang == "nl" else "nl"
    with page.expect_navigation():
        page.locator(f"nav.steps a[hreflang='{other}']").click()
    expect(page.locator("html")).to_have_attribute("lang", other)  # the campaign in the other language
    page.goto(f"/organize/{slug}")
    expect(page.locator("html")).to_have_attribute("lang", lang)  # the organizer's own pages are not


STORY_WORDS = {
    "en": {"saved": "The status is saved.", "kept": "not saved yet", "dismiss_title": "Dismiss submission #{}?"},
    "nl": {"saved": "De status is opgeslagen.", "kept": "nog niet bewaard", "dismiss_title": "Inzending #{} afwijzen?"},
}


@pytest.mark.worker
@pytest.mark.parametrize("device, lang", TWO_SCREENS, ids=[f"{d}-{l}" for d, l in TWO_SCREENS])
def test_a_status_keeps_a_typed_redaction_and_dismissing_asks_first(new_page, live_server, local_app, axe_source, tmp_path, device, lang):
    from .test_stories import STORIES, send_story, submission_numbers, team_member

    slug = live_server.import_campaign(tmp_path, stories=STORIES)
    team_email = team_member(local_app, slug)
    author = new_page(locale="nl-NL", **PHONE)
    send_story(author, slug, "Na een feest liep iemand mij achterna tot aan mijn deur in de Breestraat.")
    (number,) = submission_numbers(local_app, slug)

    team = new_page(locale=LOCALES[lang], **DEVICES[device])
    log_in(team, team_email, lang=lang)
    team.goto(f"/organize/{slug}/stories/{number}?lang={lang}")
    typed = "Na een feest liep iemand mij achterna tot aan mijn deur."
    team.locator("#text").fill(typed)
    team.locator("#status-2").check()  # filed
    with team.expect_navigation():
        team.locator("#submit").click()  # "Save status"
    expect(team.locator("[role=status]").first).to_contain_text(STORY_WORDS[lang]["saved"])
    expect(team.locator("[role=status]").last).to_contain_text(STORY_WORDS[lang]["kept"])
    expect(team.locator("#text")).to_have_value(typed)  # what was typed is still there
    expect(team.locator("#status-2")).to_be_checked()
    assert serious(team, axe_source, f"submission {device}-{lang}") == []

    team.locator("#status-6").check()  # dismissed
    with team.expect_navigation():
        team.locator("#submit").click()
    expect(team.locator("h1")).to_have_text(STORY_WORDS[lang]["dismiss_title"].format(number))
    button = team.locator("#confirm-submit")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(179, 38, 30)"
    assert serious(team, axe_source, f"dismiss {device}-{lang}") == []
    with team.expect_navigation():
        team.get_by_role("link", name=WORDS[lang]["cancel"]).click()
    expect(team.locator(".original")).to_be_visible()  # nothing was deleted
    team.locator("#status-6").check()
    with team.expect_navigation():
        team.locator("#submit").click()
    with team.expect_navigation():
        team.locator("#confirm-submit").click()
    expect(team.locator(".original")).to_have_count(0)


JOIN_WORDS = {
    "en": {"invited": "Sanne de Wit invited you to organize", "join": "Join as an organizer", "register": "Create an organizer account",
           "create": "Create account", "check": "Check your email"},
    "nl": {"invited": "Sanne de Wit nodigt je uit om samen", "join": "Word organisator", "register": "Maak een organisatoraccount aan",
           "create": "Account aanmaken", "check": "Kijk in je mail"},
}


@pytest.mark.worker
@pytest.mark.parametrize("device, lang", TWO_SCREENS, ids=[f"{d}-{l}" for d, l in TWO_SCREENS])
def test_an_invitation_survives_registering_and_names_the_campaign_and_who_invited(new_page, live_server, local_app, worker, axe_source, tmp_path, device, lang):
    slug = live_server.import_campaign(tmp_path)
    organizer_email = f"{slug}-org@example.org"
    confirmed_account(local_app, email=organizer_email, password=PASSWORD, name="Sanne de Wit")
    add_organizer(local_app, slug, organizer_email)
    organizer = new_page(locale=LOCALES[lang], **DEVICES[device])
    log_in(organizer, organizer_email, lang=lang)
    organizer.goto(f"/organize/{slug}")
    friend_email = f"{slug}-friend@example.org"
    organizer.locator("#email").fill(friend_email)
    with organizer.expect_navigation():
        organizer.locator("#invite-submit").click()
    join = live_server.link_in(live_server.mail_to(friend_email, "the invitation", worker=worker), "/organize/join/")

    friend = new_page(locale=LOCALES[lang], **DEVICES[device])
    friend.goto(join)
    friend.wait_for_url("**/account/login?**")
    with friend.expect_navigation():
        friend.locator("main").get_by_role("link", name=JOIN_WORDS[lang]["register"]).click()
    friend.locator("#name").fill("Friend")
    friend.locator("#email").fill(friend_email)
    friend.locator("#password").fill(PASSWORD)
    friend.locator("#password_repeat").fill(PASSWORD)
    since = len(live_server.smtp.messages)  # the invitation went to this address before
    with friend.expect_navigation():
        friend.locator("#submit").click()
    expect(friend.locator("h1")).to_have_text(JOIN_WORDS[lang]["check"])
    account_mail = live_server.mail_to(friend_email, "the account mail", since=since, worker=worker)
    confirm = live_server.link_in(account_mail, "/account/confirm/")
    friend.goto(confirm)
    with friend.expect_navigation():
        friend.locator("#submit").click()
    friend.locator("#email").fill(friend_email)
    friend.locator("#password").fill(PASSWORD)
    with friend.expect_navigation():
        friend.locator("#submit").click()
    friend.wait_for_url("**/organize/join/**")  # back on the invitation
    expect(friend.locator(".lead")).to_contain_text(JOIN_WORDS[lang]["invited"])
    expect(friend.locator("main")).not_to_contain_text("@")  # no address, the inviter's or anyone's
    assert serious(friend, axe_source, f"join {device}-{lang}") == []
    with friend.expect_navigation():
        friend.get_by_role("button", name=JOIN_WORDS[lang]["join"]).click()
    friend.wait_for_url(f"**/organize/{slug}")
