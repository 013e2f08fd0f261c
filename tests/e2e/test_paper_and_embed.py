"""Issue 14, points 6 and 8 in a real browser, on a phone (390×844) and a desktop (1280×900), in Dutch and
English: an organizer records paper signatures through the form and the campaign page shows them apart
and in the total; the embed inside a narrow iframe on another site's page shows its whole sign button,
because the page's copy of static/embed.js gives the iframe the widget's height."""
import http.server
import threading

import pytest

from helpers import add_organizer, confirmed_account, free_port, seed_signers

from .conftest import LOCALES, PASSWORD, PHONE, expect

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
DEVICES = {"phone": PHONE, "desktop": DESKTOP}
SCREENS = [(device, lang) for device in DEVICES for lang in LOCALES]
TEXT = {
    "en": {"split": "41 signatures: 1 online and confirmed, 40 on paper.", "rule": "Paper signatures count toward the goals.",
           "headline": "41 have signed", "sign": "Sign this petition"},
    "nl": {"split": "41 handtekeningen: 1 online en bevestigd, 40 op papier.", "rule": "Handtekeningen op papier tellen mee voor de doelen.",
           "headline": "41 mensen hebben getekend", "sign": "Teken deze petitie"},
}


@pytest.fixture(scope="module")
def paper_campaign(live_server, local_app, browser, tmp_path_factory):
    """A campaign with 1 confirmed online signature, and 40 paper signatures its organizer recorded
    through the paper form in the browser (with a scan)."""
    slug = live_server.import_campaign(tmp_path_factory.mktemp("paper"))
    seed_signers(local_app, slug, [{"email": f"{slug}-online@example.org"}])
    email = f"{slug}-org@example.org"
    confirmed_account(local_app, email=email, password=PASSWORD)
    add_organizer(local_app, slug, email)
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/account/login?lang=en")
        page.locator("#email").fill(email)
        page.locator("#password").fill(PASSWORD)
        page.locator("#submit").click()
        page.wait_for_url("**/organize/")
        page.goto(f"/organize/{slug}/paper?lang=en")
        page.locator("#signatures").fill("40")
        page.locator("#collected_on").fill("2026-11-20")
        page.locator("#place").fill("Stationsplein, Leiden")
        page.locator("#scan").set_input_files(files=[{"name": "sheets.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 sheets"}])
        page.locator("#paper-submit").click()
        page.wait_for_load_state("load")
        expect(page.locator(".notice")).to_contain_text("Recorded 40 paper signatures.")
        row = page.locator(".paper-log tbody tr").first
        expect(row).to_contain_text("Stationsplein, Leiden")
        expect(row).to_contain_text("2026-11-20")
        expect(row.get_by_role("link", name="View scan")).to_be_visible()
    finally:
        context.close()
    return slug


@pytest.mark.parametrize("device, lang", SCREENS, ids=[f"{d}-{l}" for d, l in SCREENS])
def test_a_paper_entry_is_shown_apart_and_in_the_total_on_the_campaign_page(paper_campaign, new_page, device, lang):
    page = new_page(locale=LOCALES[lang], **DEVICES[device])
    page.goto(f"/campaigns/{paper_campaign}")
    text = TEXT[lang]
    split = page.locator(".count-split")
    expect(split).to_be_visible()
    expect(split).to_have_text(text["split"])  # the one count sentence (issue 20)
    expect(page.locator(".count-rule")).to_have_text(text["rule"])
    expect(page.locator(".progress-text").first).to_contain_text(text["headline"])
    box, width = split.bounding_box(), page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)  # nothing runs off a phone's screen
    assert box["y"] < 2 * page.viewport_size["height"]  # near the top, with the progress


class HostPage(http.server.BaseHTTPRequestHandler):
    """Another site: a page that frames the widget twice (the snippet with the resizer at a deliberately
    short starting height, and the fixed-size fallback), each in a column of a given width."""

    body = b""

    def do_GET(self):  # noqa: N802 - the http.server API
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def host_site():
    """Serve one host page from this test on a port of its own (another origin than the platform)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), HostPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def serve(html):
        HostPage.body = html.encode("utf-8")
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    server.shutdown()
    server.server_close()


def host_html(live_url, slug, lang, width):
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Student association</title></head>
<body><h1>Student association</h1><p>We support this campaign.</p>
<div id="resizing-column" style="width:{width}px">
  <iframe id="resizing" src="{live_url}/embed/{slug}?lang={lang}" title="Petition" width="100%" height="120"
          frameborder="0" data-petition-embed></iframe>
</div>
<p>More news from our association.</p>
<div id="fixed-column" style="width:{width}px">
  <iframe id="fixed" src="{live_url}/embed/{slug}?lang={lang}" title="Petition (fixed)" width="100%" height="320"
          frameborder="0"></iframe>
</div>
<script src="{live_url}/static/embed.js" async></script>
</body></html>"""


def assert_inside(inner, outer, what):
    assert inner is not None and outer is not None, what
    assert inner["x"] >= outer["x"] - 0.5 and inner["y"] >= outer["y"] - 0.5, (what, inner, outer)
    assert inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5, (what, inner, outer)
    assert inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5, (what, inner, outer)


@pytest.mark.parametrize("device, lang", SCREENS, ids=[f"{d}-{l}" for d, l in SCREENS])
@pytest.mark.parametrize("width", [300, 200])
def test_the_embed_in_a_narrow_iframe_shows_its_whole_sign_button(live_server, paper_campaign, host_site, new_page, device, lang, width):
    page = new_page(locale=LOCALES[lang], **DEVICES[device])
    page.goto(host_site(host_html(live_server.url, paper_campaign, lang, width)))
    frame = page.frame_locator("#resizing")
    button = frame.get_by_role("link", name=TEXT[lang]["sign"])
    expect(button).to_be_visible()
    iframe = page.locator("#resizing")
    # The widget posts its height; the host's embed.js sets it (from 120, far too short for the card).
    page.wait_for_function("() => Number(document.getElementById('resizing').getAttribute('height')) > 120")
    card = frame.locator(".embed-card").bounding_box()
    frame_box = iframe.bounding_box()
    assert abs(frame_box["height"] - card["height"]) <= 3, (frame_box, card)  # the height follows the content
    assert frame_box["width"] == pytest.approx(width, abs=1)
    assert_inside(button.bounding_box(), frame_box, "sign button in the resized iframe")
    assert_inside(frame.locator(".embed-title").bounding_box(), frame_box, "title in the resized iframe")
    # No horizontal scrolling inside the widget, however narrow.
    assert frame.locator("html").evaluate("el => el.scrollWidth <= el.clientWidth")
    if width >= 300:  # the fixed-size snippet, the fallback without script, also fits from 300 px
        fixed = page.frame_locator("#fixed").get_by_role("link", name=TEXT[lang]["sign"])
        assert_inside(fixed.bounding_box(), page.locator("#fixed").bounding_box(), "sign button in the fixed iframe")


def test_the_share_kit_offers_both_snippets_and_its_preview_resizes(paper_campaign, new_page):
    page = new_page(**DESKTOP)
    page.goto(f"/campaigns/{paper_campaign}/share?lang=en")
    expect(page.locator("#embed-en")).to_contain_text("/static/embed.js")
    expect(page.locator("#embed-fixed-en")).to_contain_text('height="320"')
    expect(page.locator("#embed-fixed-en")).not_to_contain_text("<script")
    page.locator("iframe.embed-preview").scroll_into_view_if_needed()  # it loads lazily
    page.wait_for_function("() => Number(document.querySelector('iframe.embed-preview').getAttribute('height')) !== 320")
    preview = page.locator("iframe.embed-preview")
    card = page.frame_locator("iframe.embed-preview").locator(".embed-card").bounding_box()
    assert abs(preview.bounding_box()["height"] - card["height"]) <= 3
