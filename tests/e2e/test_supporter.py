"""A supporter on a phone signs in Dutch, confirms from the mail, and sees the count rise."""
import re

import pytest

from helpers import subject

from .conftest import PHONE, expect, unique

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]


def no_sideways_scrolling(page):
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} is wider than the phone's screen: {width[0]}px > {width[1]}px"


SHARE_LINKS = 6  # WhatsApp, Telegram, email, X, Facebook, LinkedIn (test_reach); Signal is a button


def assert_share_step(page, slug):
    """The share step: every one of its links leads to this campaign, or to the message or link to copy."""
    links = page.locator(".share-links a")
    expect(links).to_have_count(SHARE_LINKS)
    for n in range(SHARE_LINKS):
        href = links.nth(n).get_attribute("href")
        assert slug in href or href.startswith("#share-"), href
    expect(page.locator("#share-link")).to_have_value(re.compile(rf"/campaigns/{slug}\?s=link$"))


def test_a_supporter_signs_on_a_phone_in_dutch_and_confirms_from_the_mail(live_server, worker, new_page, tmp_path):
    slug = live_server.import_campaign(tmp_path)
    email = f"{unique('anna')}@example.org"
    page = new_page(locale="nl-NL", **PHONE)  # the browser asks for Dutch (Accept-Language)

    page.goto(f"/campaigns/{slug}")
    assert page.locator("html").get_attribute("lang") == "nl"
    expect(page.locator(".progress .progress-text")).to_have_text(re.compile(r"^\s*0 mensen hebben getekend"))
    no_sideways_scrolling(page)

    # sign with the thumb: the form follows the progress, within two screens
    assert page.locator("#name").bounding_box()["y"] < 2 * 844
    page.locator("#name").fill("Anna de Vries")
    page.locator("#email").fill(email)
    page.locator("#city").fill("Leiden")
    page.locator("#consent").tap()
    assert page.locator("#consent").is_checked()
    page.locator("#sign [type=submit]").tap()

    page.wait_for_url(f"**/campaigns/{slug}/check-your-email*")
    expect(page.locator("h1")).to_have_text("Kijk in je mail")
    assert_share_step(page, slug)
    no_sideways_scrolling(page)

    # the mail, in Dutch, with the link back to this server
    message = live_server.mail_to(email, "the confirmation mail", worker=worker)
    assert "bevestig" in subject(message).lower(), subject(message)
    link = live_server.link_in(message, "/verify/")

    page.goto(link)
    expect(page.locator("h1")).to_have_text("Bevestig je handtekening")
    no_sideways_scrolling(page)
    page.locator("#submit").tap()

    expect(page.locator("h1")).to_have_text("Bedankt, je handtekening is bevestigd")
    expect(page.locator(".progress .progress-text")).to_have_text(re.compile(r"^\s*1 persoon heeft getekend"))
    assert_share_step(page, slug)
    no_sideways_scrolling(page)

    page.goto(f"/campaigns/{slug}")
    expect(page.locator(".progress .progress-text")).to_have_text(re.compile(r"^\s*1 persoon heeft getekend"))
    assert page.evaluate(f"fetch('/api/v1/campaigns/{slug}').then(r => r.json()).then(j => j.signature_count)") == 1
