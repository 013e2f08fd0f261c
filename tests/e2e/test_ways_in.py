"""Issue 14, points 1, 2 and 9 in a real browser, on a phone (390×844) and a desktop (1280×900), in Dutch
and in English: the ways in (the header's links, the moderator's landing on the queue), a confirmation
page before every irreversible button (what goes to whom, how many, each mail as it will read; nothing
sent until the final button), and the error summary that takes the focus and puts "Error:" in the title,
with a focus indicator of at least 3:1 against what surrounds it."""
import re

import pytest
import sqlalchemy as sa

from helpers import seed_signers, wait_until_idle

from .conftest import LOCALES, PASSWORD, PHONE, expect, log_in, unique

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
SIZES = {"phone": PHONE, "desktop": DESKTOP}
BOTH = [("phone", "nl"), ("phone", "en"), ("desktop", "nl"), ("desktop", "en")]
WORDS = {
    "nl": {"start": "Start een campagne", "log_in": "Inloggen", "mine": "Mijn campagnes", "log_out": "Uitloggen",
           "error": "Fout: ", "problem": "Er is een probleem", "queue": "Te beoordelen"},
    "en": {"start": "Start a campaign", "log_in": "Log in", "mine": "My campaigns", "log_out": "Log out",
           "error": "Error: ", "problem": "There is a problem", "queue": "Review queue"},
}


def open_page(new_page, size, lang):
    return new_page(locale=LOCALES[lang], **SIZES[size])


def account(local_app, email, name, role="organizer", locale="en", campaigns=()):
    """A confirmed account made in the database (the registration has its own tests), organizing `campaigns`."""
    from werkzeug.security import generate_password_hash

    from petition_app.accounts.models import User
    from petition_app.campaigns.models import Campaign
    from petition_app.extensions import db
    from petition_app.timeutil import utcnow

    with local_app.app_context():
        user = User(email=email, name=name, role=role, locale=locale, email_confirmed_at=utcnow())
        user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        db.session.add(user)
        for slug in campaigns:
            campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
            campaign.organizers.append(user)
        db.session.commit()


def count(local_app, sql, **params):
    from petition_app.extensions import db

    with local_app.app_context():
        return db.session.execute(sa.text(sql), params).scalar_one()


def mails_to(live_server, address, since):
    return [m for m in list(live_server.smtp.messages)[since:] if address in str(m["To"])]


def within_width(page, locator):
    box = locator.bounding_box()
    assert box is not None, "not rendered"
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"] + 0.5, box


# ---------------------------------------------------------------- 1. the header


@pytest.mark.parametrize("size, lang", BOTH)
def test_the_header_leads_to_starting_a_campaign_and_logging_in_and_then_to_the_account(
    live_server, local_app, new_page, tmp_path, size, lang
):
    words = WORDS[lang]
    slug = live_server.import_campaign(tmp_path)
    page = open_page(new_page, size, lang)
    for path in ("/", f"/campaigns/{slug}", "/privacy"):
        response = page.goto(path)
        header = page.locator("header.site-header")
        for label in (words["start"], words["log_in"]):
            link = header.get_by_role("link", name=label, exact=True)
            expect(link).to_be_visible()
            within_width(page, link)
        expect(header.get_by_role("link", name=words["mine"])).to_have_count(0)
        if path == "/":
            assert "set-cookie" not in response.headers, "the anonymous header must not need a session"

    # "Start a campaign" explains what happens first (issue 20), then asks a visitor to log in (or to
    # register), and leads on to the new campaign
    email = f"{unique('header')}@example.org"
    account(local_app, email, "Noor Jansen", locale=lang)
    page.locator("header.site-header").get_by_role("link", name=words["start"], exact=True).click()
    page.wait_for_url("**/start")
    page.locator(".start-ways").get_by_role("link", name=words["log_in"], exact=True).click()
    page.wait_for_url("**/account/login?next=**")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()
    page.wait_for_url("**/organize/new")

    # logged in: the account's name, its campaigns and logging out, on every page
    for path in ("/", f"/campaigns/{slug}", "/organize/"):
        page.goto(path)
        header = page.locator("header.site-header")
        expect(header).to_contain_text("Noor Jansen")
        expect(header.get_by_role("link", name=words["mine"], exact=True)).to_be_visible()
        expect(header.get_by_role("link", name=words["log_in"], exact=True)).to_have_count(0)
        within_width(page, header.get_by_role("button", name=words["log_out"]))
    page.locator("header.site-header").get_by_role("link", name=words["mine"], exact=True).click()
    page.wait_for_url("**/organize/")
    page.locator("header.site-header").get_by_role("button", name=words["log_out"]).click()
    page.wait_for_url(re.compile(r".*/(\?.*)?$"))
    expect(page.locator("header.site-header").get_by_role("link", name=words["log_in"], exact=True)).to_be_visible()


# ---------------------------------------------------------------- 2. confirmation before every irreversible button

TEXT = {
    "nl": {"letters_link": "Verstuur de brieven naar de ontvangers", "send_letters": "Verstuur de brieven nu",
           "update_button": "Versturen naar ondertekenaars die nieuws willen ontvangen", "close": "Campagne nu sluiten",
           "close_final": "De campagne definitief sluiten", "approve": "goedkeuren en publiceren", "send_back": "Terugsturen",
           "offline": "Offline halen"},
    "en": {"letters_link": "Send the letters to the recipients", "send_letters": "Send the letters now",
           "update_button": "Send to signers who asked for updates", "close": "Close the campaign now",
           "close_final": "Close the campaign for good", "approve": "Approve and publish revision", "send_back": "Send back",
           "offline": "Take offline"},
}


@pytest.mark.parametrize("size, lang", [("phone", "nl"), ("desktop", "en")])
def test_letters_an_update_and_closing_are_shown_in_full_before_the_final_button(
    live_server, worker, local_app, new_page, tmp_path, size, lang
):
    text = TEXT[lang]
    slug = live_server.import_campaign(tmp_path)
    seed_signers(local_app, slug, [
        {"email": f"nl-{slug}@example.org", "locale": "nl", "wants_updates": True},
        {"email": f"en1-{slug}@example.org", "locale": "en", "wants_updates": True},
        {"email": f"en2-{slug}@example.org", "locale": "en", "wants_updates": True},
        {"email": f"quiet-{slug}@example.org", "locale": "en", "wants_updates": False},
    ])
    organizer = f"{unique('org')}@example.org"
    account(local_app, organizer, "Safe Leiden", locale=lang, campaigns=[slug])
    recipients = count(local_app, "SELECT count(*) FROM recipients r JOIN campaigns c ON c.id = r.campaign_id WHERE c.slug = :s", s=slug)
    page = open_page(new_page, size, lang)
    log_in(page, organizer, "/organize/", lang)

    # the letters: to whom, with which count, and each recipient's mail
    start = len(live_server.smtp.messages)
    page.goto(f"/organize/{slug}?lang={lang}")
    page.get_by_role("link", name=text["letters_link"]).click()
    page.wait_for_url(f"**/organize/{slug}/letters/send*")
    expect(page.locator("table tbody tr")).to_have_count(recipients)
    expect(page.locator("table")).to_contain_text(f"-{slug}@example.org")  # the recipients' addresses
    previews = page.locator(".mail-preview")
    expect(previews).to_have_count(recipients)
    expect(previews.first).to_contain_text("Geachte")  # the example's recipients read Dutch
    confirmed = count(local_app, "SELECT confirmed_count FROM campaigns WHERE slug = :s", s=slug)
    assert confirmed >= 4 and re.search(rf"\b{confirmed}\b", previews.first.inner_text()), f"today's count of {confirmed}"
    assert "/respond/" not in previews.first.inner_text()  # the recipient's private link stays private
    wait_until_idle(local_app, retries=False)  # a mail queued by mistake would have been sent by now
    assert count(local_app, "SELECT count(*) FROM handovers h JOIN recipients r ON r.id = h.recipient_id JOIN campaigns c ON c.id = r.campaign_id WHERE c.slug = :s", s=slug) == 0
    assert not [m for m in list(live_server.smtp.messages)[start:] if slug in str(m["To"])]
    page.get_by_role("button", name=text["send_letters"]).click()
    page.wait_for_url(f"**/organize/{slug}*")
    first_recipient = live_server.mail_to(f"-{slug}@example.org", "a letter", since=start, worker=worker)
    assert first_recipient.get_content_type() == "multipart/mixed"

    # an update: how many signers, in which language, and both mails as they will read
    page.goto(f"/organize/{slug}?lang={lang}")
    page.locator("#body_nl").fill("Wij spraken de rector.")
    page.locator("#body_en").fill("We met the rector.")
    before = len(live_server.smtp.messages)
    page.get_by_role("button", name=text["update_button"]).click()
    summary = page.locator(".confirm-summary")
    expect(summary).to_contain_text("3")
    dutch, english = page.locator(".mail-preview[lang=nl]"), page.locator(".mail-preview[lang=en]")
    expect(dutch).to_contain_text("Wij spraken de rector.")
    expect(dutch).to_contain_text("Nieuws:")
    expect(english).to_contain_text("We met the rector.")
    expect(english).to_contain_text("News:")
    within_width(page, page.locator("#confirm-submit"))
    assert "@example.org" not in page.content()  # organizers never see a signer's address
    wait_until_idle(local_app, retries=False)  # a mail queued by mistake would have been sent by now
    assert count(local_app, "SELECT count(*) FROM updates u JOIN campaigns c ON c.id = u.campaign_id WHERE c.slug = :s", s=slug) == 0
    assert not mails_to(live_server, f"nl-{slug}@example.org", before)
    page.locator("#confirm-submit").click()
    page.wait_for_url(f"**/organize/{slug}*")
    news = live_server.mail_to(f"nl-{slug}@example.org", "the update", since=before, worker=worker)
    assert "Wij spraken de rector." in news.get_body(("plain",)).get_content()

    # closing: what it means, and the campaign stays open until the final button
    page.goto(f"/organize/{slug}?lang={lang}")
    # the dashboard fits the screen (wide tables scroll inside it), so a tap lands on the button
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("button", name=text["close"]).click()
    expect(page.locator("h1")).to_have_text("Campagne sluiten?" if lang == "nl" else "Close the campaign?")
    expect(page.locator(".confirm-summary")).to_contain_text(str(confirmed))
    assert count(local_app, "SELECT status FROM campaigns WHERE slug = :s", s=slug) == "open"
    page.get_by_role("button", name=text["close_final"]).click()
    page.wait_for_url(f"**/organize/{slug}*")
    assert count(local_app, "SELECT status FROM campaigns WHERE slug = :s", s=slug) == "closed"


@pytest.mark.parametrize("size, lang", [("desktop", "en"), ("phone", "nl")])
def test_a_moderator_lands_on_the_queue_and_sees_each_decision_and_its_mail_before_the_final_button(
    live_server, worker, local_app, new_page, tmp_path, size, lang
):
    text, words = TEXT[lang], WORDS[lang]
    approved = live_server.import_campaign(tmp_path, status="pending", title={"nl": f"Goedkeuren {unique('a')}", "en": f"Approve {unique('a')}"})
    rejected = live_server.import_campaign(tmp_path, status="pending", title={"nl": f"Terug {unique('b')}", "en": f"Back {unique('b')}"})
    organizer = f"{unique('org')}@example.org"
    account(local_app, organizer, "Safe Leiden", locale="nl", campaigns=[approved, rejected])
    moderator = f"{unique('mod')}@example.org"
    account(local_app, moderator, "Moderator", role="admin", locale=lang)
    page = open_page(new_page, size, lang)
    log_in(page, moderator, "/admin/", lang)  # a moderator lands on the review queue
    expect(page.locator("header.site-header").get_by_role("link", name=words["queue"])).to_be_visible()

    def card(slug):
        return page.locator("article.card", has=page.locator(f"form[action*='/admin/{slug}/']"))

    # approve: what happens, to whom, and the organizers' mail in Dutch and in English
    start = len(live_server.smtp.messages)
    card(approved).get_by_role("button", name=text["approve"]).click()
    expect(page.locator(".confirm-summary")).to_contain_text("Safe Leiden")
    expect(page.locator(".mail-preview[lang=nl]")).to_contain_text("Je campagne is online")
    expect(page.locator(".mail-preview[lang=en]")).to_contain_text("Your campaign is live")
    within_width(page, page.locator("#confirm-submit"))
    wait_until_idle(local_app, retries=False)  # a mail queued by mistake would have been sent by now
    assert page.request.get(f"/campaigns/{approved}").status == 404
    assert not mails_to(live_server, organizer, start)
    page.locator("#confirm-submit").click()
    page.wait_for_url("**/admin/*")
    assert page.request.get(f"/campaigns/{approved}").status == 200
    live_server.mail_to(organizer, "the approval", since=start, worker=worker)

    # send back, with a reason and a note
    page.goto(f"/admin/?lang={lang}")
    card(rejected).locator("summary", has_text=text["send_back"]).click()
    card(rejected).locator("select").select_option("accusation")
    card(rejected).locator("textarea").fill("Please leave out the name of the lecturer.")
    before = len(live_server.smtp.messages)
    card(rejected).locator("form[action$='/reject'] button[type=submit]").click()
    expect(page.locator(".mail-preview[lang=nl]")).to_contain_text("Please leave out the name of the lecturer.")
    expect(page.locator(".mail-preview[lang=en]")).to_contain_text("sent your campaign")
    wait_until_idle(local_app, retries=False)  # a mail queued by mistake would have been sent by now
    assert count(local_app, "SELECT status FROM campaigns WHERE slug = :s", s=rejected) == "pending"
    assert not mails_to(live_server, organizer, before)
    page.locator("#confirm-submit").click()
    page.wait_for_url("**/admin/*")
    assert count(local_app, "SELECT status FROM campaigns WHERE slug = :s", s=rejected) == "draft"

    # take offline: the signers are not mailed, the organizers are
    page.goto(f"/admin/?lang={lang}")
    live = page.locator("article.card", has=page.locator(f"form[action*='/admin/{approved}/hide']"))
    live.locator("summary", has_text=text["offline"]).click()
    live.locator("textarea").fill("Reported as harassment.")
    live.locator("form[action$='/hide'] button[type=submit]").click()
    expect(page.locator(".mail-preview[lang=en]")).to_contain_text("Reported as harassment.")
    expect(page.locator(".mail-preview[lang=nl]")).to_contain_text("offline")
    assert page.request.get(f"/campaigns/{approved}").status == 200
    page.locator("#confirm-submit").click()
    page.wait_for_url("**/admin/*")
    assert page.request.get(f"/campaigns/{approved}").status == 404


# ---------------------------------------------------------------- 9. the error summary and the focus


def rgb(value):
    numbers = [float(n) for n in re.findall(r"[\d.]+", value)]
    return tuple(numbers[:3]) if len(numbers) >= 3 and (len(numbers) < 4 or numbers[3] > 0) else None


def luminance(color):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


INDICATOR = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    let parent = el.parentElement, surround = 'rgb(255, 255, 255)';
    while (parent) {
        const bg = getComputedStyle(parent).backgroundColor;
        if (bg && bg !== 'transparent' && !bg.startsWith('rgba(0, 0, 0, 0')) { surround = bg; break; }
        parent = parent.parentElement;
    }
    return {id: el.id, tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || '').trim().slice(0, 30),
            outline: style.outlineStyle !== 'none' ? style.outlineColor : '', width: parseFloat(style.outlineWidth) || 0,
            shadow: style.boxShadow, background: style.backgroundColor, surround: surround};
}"""


def indicator_contrast(stop):
    """The best contrast of any part of the focus indicator against what surrounds the element."""
    surround = rgb(stop["surround"])
    colors = [rgb(c) for c in re.findall(r"rgba?\([^)]*\)", stop["shadow"])]
    if stop["outline"] and stop["width"] >= 2:
        colors.append(rgb(stop["outline"]))
    if stop["tag"] == "a":
        colors.append(rgb(stop["background"]))
    return max((contrast(c, surround) for c in colors if c), default=0)


@pytest.mark.parametrize("size, lang", BOTH)
def test_a_failed_form_puts_the_focus_on_an_error_summary_and_the_title_says_error(live_server, new_page, size, lang):
    words = WORDS[lang]
    page = open_page(new_page, size, lang)
    page.goto(f"/account/register?lang={lang}")
    page.locator("#email").fill("not an address")
    page.locator("#submit").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(words["problem"])
    assert page.title().startswith(words["error"]), page.title()
    links = summary.locator("a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert {"#name", "#email", "#password"} <= set(hrefs), hrefs
    box = summary.bounding_box()
    assert box["y"] < page.viewport_size["height"], "the summary is on the first screen"
    # the summary's focus ring: yellow with black, at least 3:1 against the page
    assert indicator_contrast(page.evaluate(INDICATOR)) >= 3
    # each link puts the focus in its field
    summary.locator("a[href='#email']").click()
    expect(page.locator("#email")).to_be_focused()
    # the sign form of a campaign, too
    page.goto("/account/login")
    page.locator("#submit").click()
    expect(page.locator(".error-summary")).to_be_focused()
    assert page.title().startswith(words["error"]), page.title()


@pytest.mark.parametrize("size, lang", [("phone", "nl"), ("desktop", "en")])
def test_the_focus_indicator_has_3_to_1_contrast_on_every_stop(live_server, new_page, tmp_path, size, lang):
    slug = live_server.import_campaign(tmp_path)
    page = open_page(new_page, size, lang)
    weak = []
    for path in (f"/campaigns/{slug}?lang={lang}", f"/account/register?lang={lang}"):
        page.goto(path)
        stops = 0
        for _ in range(40):
            page.keyboard.press("Tab")
            stop = page.evaluate(INDICATOR)
            if stop["tag"] == "body":
                break
            stops += 1
            if indicator_contrast(stop) < 3:
                weak.append(f"{path}: {stop}")
        assert stops >= 5, path
    assert not weak, "focus indicators under 3:1:\n" + "\n".join(weak)
