"""Issue 20, minor experience findings (part B), as a person sees them in Chromium on a phone (390×844)
and on a desktop (1280×900), in Dutch and in English: "check your email" names the address; the share
step has one copy button and a way for Signal; the private story code stays on one line and copies; the
quick exit (button, Shift 3 times) leaves no way Back and covers nothing; the home page says who runs
the platform; the embed's bar shows one signature; the dashboard's chart reads on a phone. axe-core
finds nothing serious on these pages. The HTTP side is in tests/test_finishing_touches.py."""
import re

import pytest

from helpers import seed_signers

from .conftest import PASSWORD, PHONE, axe_violations, describe_violations, expect, log_in, unique

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
VIEWS = [
    pytest.param("nl", PHONE, id="phone-nl"),
    pytest.param("en", PHONE, id="phone-en"),
    pytest.param("nl", DESKTOP, id="desktop-nl"),
    pytest.param("en", DESKTOP, id="desktop-en"),
]
LOCALES = {"nl": "nl-NL", "en": "en-GB"}
STORIES = {
    "enabled": True,
    "contact_by": {"nl": "Twee getrainde vrijwilligers van Safe Leiden", "en": "Two trained volunteers of Safe Leiden"},
    "confidentiality": {"nl": "Alles blijft binnen het team, tenzij iemand in direct gevaar is.",
                        "en": "Everything stays within the team, unless someone is in immediate danger."},
}
NEUTRAL = "https://www.google.com/"  # STORIES_EXIT_URL's default
BEFORE = "https://search.example/"  # where the visitor came from
TEXT = {
    "nl": {"check": "Kijk in je mail", "sent": "We hebben een mail gestuurd naar:", "signal": "Signal: kopieer de link",
           "copy_link": "Link kopiëren", "share": "Deel je ervaring of vraag om steun", "exit": "Verlaat deze pagina snel",
           "two_more": "Shift: druk nog 2 keer", "copy_code": "Code kopiëren", "code_copied": "De code is gekopieerd",
           "runs": "Dit platform wordt beheerd door", "privacy": "Lees de privacyverklaring"},
    "en": {"check": "Check your email", "sent": "We have sent a mail to:", "signal": "Signal: copy the link",
           "copy_link": "Copy link", "share": "Share your experience or ask for support", "exit": "Leave this page quickly",
           "two_more": "Shift, press 2 more times", "copy_code": "Copy code", "code_copied": "The code is copied",
           "runs": "This platform is run by", "privacy": "Read the privacy statement"},
}
NO_SHARE_SHEET = "delete Navigator.prototype.share; delete Navigator.prototype.canShare;"
SHARE_SHEET = "window.__shared = []; Navigator.prototype.share = function (data) { window.__shared.push(data); return Promise.resolve(); };"


def open_page(new_page, lang, view, **options):
    return new_page(locale=LOCALES[lang], **view, **options)


def assert_axe_clean(page, axe_source, where):
    found = describe_violations(where, axe_violations(page, axe_source))
    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(found)


def no_sideways_scrolling(page):
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} is wider than the screen: {width[0]}px > {width[1]}px"


def sign_on_the_page(page, slug, lang, email):
    page.goto(f"/campaigns/{slug}?lang={lang}")
    page.locator("#name").fill("Anna de Vries")
    page.locator("#email").fill(email)
    page.locator("#consent").check()
    page.locator("#sign [type=submit]").click()
    page.wait_for_url(f"**/campaigns/{slug}/check-your-email*")


# ---------------------------------------------------------------- check your email, and the share step


@pytest.mark.parametrize("lang, view", VIEWS)
def test_check_your_email_names_the_address_and_shares_with_one_copy_button(live_server, new_page, axe_source, tmp_path, lang, view):
    slug = live_server.import_campaign(tmp_path)
    text = TEXT[lang]
    typo = f"{unique('anna')}@gmial.com"  # a typo a signer should be able to see
    page = open_page(new_page, lang, view)
    page.add_init_script(NO_SHARE_SHEET)  # a browser without a share sheet (most desktops)
    sign_on_the_page(page, slug, lang, typo)

    expect(page.locator("h1")).to_have_text(text["check"])
    expect(page.locator(".sent-to")).to_contain_text(text["sent"])
    expect(page.locator(".sent-to .address")).to_have_text(typo)
    assert page.locator(".sent-to .address").bounding_box()["width"] <= page.viewport_size["width"]
    no_sideways_scrolling(page)

    # one copy button, for the link; Signal: say plainly to copy the link and paste it there
    share = page.locator("section.share")
    expect(share.get_by_role("button", name=text["copy_link"])).to_have_count(1)
    expect(share.get_by_role("link", name=text["copy_link"])).to_have_count(0)
    expect(share.locator(".share-signal-how")).to_be_visible()
    expect(share.locator(".share-signal-how")).to_contain_text(text["signal"])
    expect(share.get_by_role("button", name="Signal")).to_be_hidden()
    assert_axe_clean(page, axe_source, f"{lang}/check-your-email")

    page.reload()  # the address was for that one page
    expect(page.locator("h1")).to_have_text(text["check"])
    expect(page.locator(".sent-to")).to_have_count(0)
    assert typo not in page.content()

    # with a share sheet (phones): the Signal button opens it with the Signal-tagged link
    sheet = open_page(new_page, lang, view)
    sheet.add_init_script(SHARE_SHEET)
    sheet.goto(f"/campaigns/{slug}/check-your-email?lang={lang}")
    signal = sheet.locator("section.share").get_by_role("button", name="Signal")
    expect(signal).to_be_visible()
    expect(sheet.locator(".share-signal-how")).to_be_hidden()
    signal.click()
    shared = sheet.evaluate("() => window.__shared")
    assert len(shared) == 1 and shared[0]["url"].endswith(f"/campaigns/{slug}?s=signal"), shared


# ---------------------------------------------------------------- the private code and the quick exit


def send_story(page, slug, lang):
    page.locator("#text").fill(f"Iemand volgde me naar huis {unique('w')}.")
    page.locator("#categories-1").check()
    page.locator("#place-0").check()
    page.locator("#submit").click()
    expect(page.locator("#private-code")).to_be_visible()


@pytest.mark.parametrize("lang, view", VIEWS)
def test_the_private_code_stays_on_one_line_and_copies(live_server, new_page, axe_source, tmp_path, lang, view):
    slug = live_server.import_campaign(tmp_path, stories=STORIES)
    text = TEXT[lang]
    page = open_page(new_page, lang, view, permissions=["clipboard-read", "clipboard-write"])
    page.goto(f"/campaigns/{slug}/stories/new?lang={lang}")
    send_story(page, slug, lang)

    code = page.locator("#private-code")
    value = code.inner_text()
    assert re.fullmatch(r"([A-Z0-9]{4}-){4}[A-Z0-9]{4}", value), value
    line = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('#private-code')).lineHeight) || 0")
    box = code.bounding_box()
    font = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('#private-code')).fontSize)")
    assert box["height"] < 2 * max(line, font * 1.2), f"the code wraps: {box} (line {line}, font {font})"
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], box
    assert font >= 15, font  # still easy to read and write down
    family = page.evaluate("() => getComputedStyle(document.querySelector('#private-code')).fontFamily")
    assert "mono" in family.lower(), family
    no_sideways_scrolling(page)

    page.get_by_role("button", name=text["copy_code"]).click()
    expect(page.locator("[data-copy-code-status]")).to_contain_text(text["code_copied"])
    assert page.evaluate("() => navigator.clipboard.readText()") == value
    assert_axe_clean(page, axe_source, f"{lang}/story-code")


def covered_by_the_bar(page):
    """Focus every element of the page in turn: each must be in view (a tall one at least in part, as
    Chromium scrolls no further) and not under the quick exit's bar. Returns those that were not."""
    return page.evaluate(
        """async () => {
            const bar = document.querySelector('[data-quick-exit-bar]');
            const hidden = [];
            const focusable = [...document.querySelectorAll('a[href], button, input, select, textarea, summary')]
                .filter(el => !el.closest('[data-quick-exit-bar]') && el.offsetParent !== null && !el.disabled);
            for (const el of focusable) {
                el.focus();
                await new Promise(requestAnimationFrame);
                const r = el.getBoundingClientRect(), b = bar.getBoundingClientRect();
                const under = r.top < b.bottom && r.bottom > b.top && r.left < b.right && r.right > b.left;
                if (under || r.top >= window.innerHeight || r.bottom <= 0) {
                    hidden.push(`${el.tagName} ${el.id || el.name || el.textContent.trim().slice(0, 30)}: ` +
                                `${Math.round(r.top)}..${Math.round(r.bottom)} under ${Math.round(b.top)}..${Math.round(b.bottom)}`);
                }
            }
            document.activeElement.blur();  // GOV.UK's focus style takes the underline off: leave nothing focused
            return hidden;
        }"""
    )


@pytest.mark.parametrize("lang, view", VIEWS)
def test_the_quick_exit_leaves_no_way_back_and_covers_nothing(live_server, new_page, axe_source, tmp_path, lang, view):
    slug = live_server.import_campaign(tmp_path, stories=STORIES)
    text = TEXT[lang]
    page = open_page(new_page, lang, view)
    for site, title in ((NEUTRAL, "Weer"), (BEFORE, "Zoeken")):
        page.route(site + "**", lambda route, title=title: route.fulfill(status=200, content_type="text/html",
                                                                          body=f"<title>{title}</title><p>{title}</p>"))
    page.goto(BEFORE)
    page.goto(f"/campaigns/{slug}?lang={lang}")
    bar = page.locator("#stories [data-quick-exit-bar]")
    expect(bar).to_be_visible()
    heading = page.locator("#stories-heading").bounding_box()
    assert bar.bounding_box()["y"] >= heading["y"] + heading["height"] - 1  # it takes its own place

    # from the campaign page to the story form: the form takes the campaign page's place in the history
    page.get_by_role("link", name=text["share"]).click()
    page.wait_for_url(f"**/campaigns/{slug}/stories/new*")
    exit_bar = page.locator("[data-quick-exit-bar]")
    expect(exit_bar.get_by_role("link", name=text["exit"])).to_be_visible()
    assert covered_by_the_bar(page) == []
    page.locator("#submit").click()  # errors: the summary takes the focus, in view below the bar
    expect(page.locator("[data-error-summary]")).to_be_focused()
    assert covered_by_the_bar(page) == []
    assert_axe_clean(page, axe_source, f"{lang}/stories-new-errors")

    if view is DESKTOP:  # GOV.UK's shortcut: Shift 3 times; another key in between starts again
        page.locator("#text").focus()
        page.keyboard.press("Shift")
        expect(exit_bar.locator("[data-quick-exit-status]")).to_contain_text(text["two_more"])
        page.keyboard.press("Shift")
        page.keyboard.press("a")
        page.keyboard.press("Shift+B")  # a capital letter is no press of Shift
        page.keyboard.press("Shift")
        page.wait_for_timeout(150)
        assert "/stories/new" in page.url
        for _ in range(3):
            page.keyboard.press("Shift")
    else:
        exit_bar.get_by_role("link", name=text["exit"]).tap()
    page.wait_for_url(NEUTRAL + "**")
    shown = []
    page.on("framenavigated", lambda frame: shown.append(frame.url) if frame == page.main_frame else None)
    # The form sent on the way left an entry (the browser's own); Back to it leaves again at once, and the
    # campaign page is gone from the history: Back leads to where the visitor came from.
    page.go_back()
    page.wait_for_url(NEUTRAL + "**")
    page.go_back()
    page.wait_for_url(BEFORE + "**")
    assert not [url for url in shown if f"/campaigns/{slug}" == url.split("?")[0].removeprefix(live_server.url)], shown

    # a visitor who opens the site again later, in the same tab, is not sent away
    page.goto(f"/campaigns/{slug}/stories/new?lang={lang}")
    expect(page.locator("#text")).to_be_visible()
    page.wait_for_timeout(150)
    assert "/stories/new" in page.url


# ---------------------------------------------------------------- the home page, the embed and the chart


def organizer_of(local_app, slug):
    from petition_app.accounts.models import User
    from petition_app.campaigns.queries import campaign_by_slug
    from petition_app.extensions import db
    from petition_app.rules import Role
    from petition_app.timeutil import utcnow

    email = f"{unique('organizer')}@example.org"
    with local_app.app_context():
        user = User(email=email, name="Safe Leiden", locale="en", role=Role.ORGANIZER, email_confirmed_at=utcnow())
        user.set_password(PASSWORD)
        db.session.add(user)
        campaign = campaign_by_slug(slug)
        campaign.organizers.append(user)
        db.session.commit()
    return email


@pytest.mark.parametrize("lang, view", VIEWS)
def test_the_home_page_the_embed_at_one_signature_and_the_chart_read_well(live_server, new_page, local_app, axe_source,
                                                                           tmp_path, lang, view):
    from datetime import timedelta

    from petition_app.timeutil import utcnow

    slug = live_server.import_campaign(tmp_path)
    text = TEXT[lang]
    page = open_page(new_page, lang, view)

    page.goto(f"/?lang={lang}")
    about = page.locator(".about-platform")
    expect(about).to_contain_text(text["runs"])
    expect(about.get_by_role("link", name=text["privacy"])).to_have_attribute("href", "/privacy")
    assert about.bounding_box()["y"] < page.locator("article.card").first.bounding_box()["y"]
    assert about.bounding_box()["y"] < page.viewport_size["height"]  # seen first, without scrolling
    no_sideways_scrolling(page)
    assert_axe_clean(page, axe_source, f"{lang}/home")

    seed_signers(local_app, slug, [{"email": f"{unique('one')}@example.org", "confirmed_at": utcnow() - timedelta(days=4)}])
    page.set_viewport_size({"width": 200 if view is PHONE else 320, "height": 400})  # the frame's narrowest and its default
    page.goto(f"/embed/{slug}?lang={lang}")
    fill = page.locator(".embed-card .bar .bar-fill")
    expect(fill).to_be_visible()
    assert fill.bounding_box()["width"] >= 6, fill.bounding_box()  # one signature of 1,500 shows
    assert_axe_clean(page, axe_source, f"{lang}/embed")

    page.set_viewport_size(view["viewport"])
    seed_signers(local_app, slug, [{"email": f"{unique('more')}@example.org", "confirmed_at": utcnow() - timedelta(days=i % 12)}
                                   for i in range(30)])
    log_in(page, organizer_of(local_app, slug), landing="/organize/", lang=lang)
    page.goto(f"/organize/{slug}?lang={lang}")
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('svg.chart')].filter(svg => svg.getBoundingClientRect().width > 0)
            .flatMap(svg => [...svg.querySelectorAll('text')].map(t =>
                parseFloat(getComputedStyle(t).fontSize) * svg.getScreenCTM().a))"""
    )
    assert sizes and min(sizes) >= 10.5, f"chart text at {min(sizes or [0]):.1f} px"
    no_sideways_scrolling(page)
    assert_axe_clean(page, axe_source, f"{lang}/dashboard")
