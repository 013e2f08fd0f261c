"""Reach: share links after signing and confirming, the share kit (messages in both languages, QR code,
poster, share image, embed snippet), the embeddable widget, the signer wall, open data, and what search
engines read. Signers may be survivors: no page here shows an email address, and the wall names only
counted signers who chose to be named."""
import io
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
from PIL import Image

from helpers import add_campaign, flat, pdf_pages, read_outbox, seed_signers, sign, verify_path
from petition_app.extensions import db
from petition_app.security import init_security, set_security_headers

SHARE_TAGS = ("whatsapp", "telegram", "email", "x", "facebook", "linkedin")
TITLE_NL = "Samen voor een veilig Leiden: stop seksueel geweld"
TITLE_EN = "Together for a safe Leiden: stop sexual violence"


@pytest.fixture
def app(app):
    # The security headers, as create_app installs them (registered here too in case it does not).
    if set_security_headers not in app.after_request_funcs.get(None, []):
        init_security(app)
    return app


def seed(app, slug, count, start=0, **fields):
    """`count` signatures with unique addresses (numbered from `start`), each with `fields`."""
    specs = [{"name": f"Signer {start + i}", "email": f"seed{start + i}@example.org", **fields} for i in range(count)]
    return seed_signers(app, slug, specs)


class Page(HTMLParser):
    """Tags with their attributes, and the text of textareas, as a browser would read them."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags, self.textareas, self._area = [], {}, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "textarea":
            self._area = attrs.get("id")
            self.textareas[self._area] = ""

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._area = None

    def handle_data(self, data):
        if self._area is not None:
            self.textareas[self._area] += data

    def find(self, tag, **wanted):
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in wanted.items())]

    def meta(self, key):
        found = [a["content"] for t, a in self.tags if t == "meta" and key in (a.get("property"), a.get("name"))]
        assert len(found) == 1, (key, found)
        return found[0]

    def loaded(self):
        """Every address the browser loads by itself: scripts, styles, images, frames, media."""
        urls = []
        for tag, attrs in self.tags:
            if tag == "link" and attrs.get("rel") not in ("canonical", "alternate"):
                urls.append(attrs.get("href"))
            elif tag in ("script", "img", "iframe", "source", "video", "audio", "embed", "input") and attrs.get("src"):
                urls.append(attrs["src"])
            elif tag == "object" and attrs.get("data"):
                urls.append(attrs["data"])
        return urls


INLINE = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.IGNORECASE)


def assert_self_contained(html):
    page = Page(html)
    for url in page.loaded():
        assert url and not urlsplit(url).netloc and not urlsplit(url).scheme, url
    assert not re.search(r"\b(src|srcset)=[\"']?(https?:)?//", html)
    assert not INLINE.search(html)
    assert "@example.org" not in html  # never an email address


def source_of(url):
    """The share tag (?s=) of a campaign address."""
    return parse_qs(urlsplit(url).query).get("s", [None])[0]


def assert_share_step(html, slug):
    page = Page(html)
    links = [a for a in page.find("a") if "share-link" in (a.get("class") or "")]
    assert [a["class"].split()[-1] for a in links] == [f"share-{tag}" for tag in SHARE_TAGS]
    by_tag = {a["class"].split()[-1].removeprefix("share-"): a for a in links}
    campaign = f"http://localhost/campaigns/{slug}"

    def query(tag):
        return parse_qs(urlsplit(by_tag[tag]["href"]).query)

    assert by_tag["whatsapp"]["href"].startswith("https://wa.me/?")
    whatsapp_url = query("whatsapp")["text"][0].split()[-1]
    assert whatsapp_url == f"{campaign}?s=whatsapp"
    assert query("telegram")["url"] == [f"{campaign}?s=telegram"]
    assert by_tag["email"]["href"].startswith("mailto:?")
    assert query("email")["body"][0].endswith(f"{campaign}?s=email")
    assert by_tag["x"]["href"].startswith("https://x.com/intent/post?")
    assert query("x")["url"] == [f"{campaign}?s=x"]
    assert query("facebook")["u"] == [f"{campaign}?s=facebook"]
    assert query("linkedin")["url"] == [f"{campaign}?s=linkedin"]
    for tag in ("whatsapp", "telegram", "x", "facebook", "linkedin"):
        assert by_tag[tag]["target"] == "_blank" and "noopener" in by_tag[tag]["rel"], tag
    # Signal has no share link that carries a message (issue 20): a button opens the browser's share sheet
    # (shown by share.js where there is one), else the step says to copy the link and paste it in Signal.
    [signal] = [b for b in page.find("button") if "share-signal" in (b.get("class") or "")]
    assert "data-native-share" in signal and signal["data-share-url"] == f"{campaign}?s=signal"
    assert re.search(r'<p class="share-signal-how" data-without-native-share>Signal: [^<]+</p>', html)
    assert page.find("input", id="share-link")[0]["value"] == f"{campaign}?s=link"
    assert not page.find("textarea", id="share-signal")
    # One copy button, for the link (issue 20: there were two "Copy link"); copying is progressive
    # enhancement: a same-origin script, the button hidden until it runs.
    assert page.find("script", src="/static/share.js")
    copy_buttons = [b for b in page.find("button") if "data-copy-target" in b]
    [copy_link] = [b for b in copy_buttons if b["data-copy-target"] == "share-link"]
    assert "hidden" in copy_link and all("hidden" in b for b in copy_buttons)
    assert not [a for a in page.find("a") if "data-copy-target" in a]
    # right after signing, "check your email" names the signer's own address to them (issue 20); no other
    assert_self_contained(re.sub(r'<strong class="address" translate="no">[^<@]+@[^<]+</strong>', "", html, count=1))


# ---------------------------------------------------------------- 1. the share step


def test_the_share_step_after_signing_and_after_confirming(app, client, campaign):
    response = sign(client, campaign, lang="en")
    assert response.status_code == 200 and "Check your email" in response.text
    assert_share_step(response.text, campaign)
    assert 'href="/campaigns/safe-leiden/share"' in response.text

    confirmed = client.post(verify_path(read_outbox(app)[-1]), follow_redirects=True)
    assert confirmed.status_code == 200 and "your signature is confirmed" in confirmed.text
    assert_share_step(confirmed.text, campaign)
    assert '<meta name="robots" content="noindex">' in confirmed.text


def test_a_share_link_tags_the_signature_it_brings(app, client, campaign):
    from petition_app.signing.models import Signature

    page = client.get(f"/campaigns/{campaign}?s=whatsapp").text
    assert 'name="source" type="hidden" value="whatsapp"' in page
    client.post(f"/campaigns/{campaign}/sign", data={"name": "Anna", "email": "anna@example.org", "consent": "y", "source": "whatsapp"})
    with app.app_context():
        assert db.session.scalar(db.select(Signature.source)) == "whatsapp"


def test_the_share_step_is_in_the_page_language(client, campaign):
    dutch = sign(client, campaign, lang="nl").text
    assert '<html lang="nl">' in dutch
    assert_share_step(dutch, campaign)
    [signal] = [b for b in Page(dutch).find("button") if "share-signal" in (b.get("class") or "")]
    assert TITLE_NL in signal["data-share-title"]


# ---------------------------------------------------------------- 2. the share kit, QR code and poster


def test_the_share_kit_has_messages_in_both_languages_and_the_embed_snippet(client, campaign):
    for lang in ("nl", "en"):
        html = client.get(f"/campaigns/{campaign}/share?lang={lang}").text
        assert f'<html lang="{lang}">' in html
        page = Page(html)
        chat = {l: page.textareas[f"chat-{l}"] for l in ("nl", "en")}
        forum = {l: page.textareas[f"forum-body-{l}"] for l in ("nl", "en")}
        # Both languages, whatever the page's language: groups are mixed.
        assert TITLE_NL in chat["nl"] and "Studenten vragen" in chat["nl"]
        assert TITLE_EN in chat["en"] and "Students ask" in chat["en"]
        assert "Sign the petition here" in chat["en"] and "Hello everyone," in forum["en"]
        assert "Leiden University, the Mayor of Leiden, and Leiden Police" in forum["en"]
        assert "Universiteit Leiden, de burgemeester van Leiden en de politie Leiden" in forum["nl"]
        assert "Studenten vragen" in forum["nl"]
        assert page.find("div", lang="nl") and page.find("div", lang="en")
        assert TITLE_EN in page.find("input", id="forum-subject-en")[0]["value"]
        for text in chat.values():
            assert "http://localhost/campaigns/safe-leiden?s=chat" in text
        for text in forum.values():
            assert "http://localhost/campaigns/safe-leiden?s=forum" in text
        for l in ("nl", "en"):
            snippet = page.textareas[f"embed-{l}"]
            assert snippet.startswith(f'<iframe src="http://localhost/embed/safe-leiden?lang={l}"')
            assert "style=" not in snippet and snippet.endswith('<script src="http://localhost/static/embed.js" async></script>')
            fixed = page.textareas[f"embed-fixed-{l}"]
            assert fixed.startswith(f'<iframe src="http://localhost/embed/safe-leiden?lang={l}"')
            assert "style=" not in fixed and 'height="320"' in fixed and fixed.endswith("</iframe>")
        assert page.find("img", src="/campaigns/safe-leiden/qr.svg")
        assert page.find("a", href="/campaigns/safe-leiden/poster.pdf?language=nl")
        assert page.find("a", href="/campaigns/safe-leiden/poster.pdf?language=en")
        assert page.find("iframe", src="/embed/safe-leiden")
        assert_share_step(html, campaign)


def test_the_qr_code_as_svg_and_png_leads_to_the_poster_tagged_link(client, campaign):
    import segno

    tagged = "http://localhost/campaigns/safe-leiden?s=poster"
    svg = client.get(f"/campaigns/{campaign}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    root = ET.fromstring(svg.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}title").text == tagged

    png = client.get(f"/campaigns/{campaign}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    width, height = Image.open(io.BytesIO(png.data)).size
    assert width == height >= 200
    # Decoding needs zbar; instead: the served code is exactly the code of the tagged address.
    expected = io.BytesIO()
    segno.make_qr(tagged, error="m").save(expected, kind="png", scale=10, border=4)
    assert png.data == expected.getvalue()
    assert client.get("/campaigns/no-such-campaign/qr.svg").status_code == 404


def test_the_poster_carries_the_title_the_goal_and_the_count(app, client, campaign):
    seed(app, campaign, 12)
    response = client.get(f"/campaigns/{campaign}/poster.pdf?language=en")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = pdf_pages(response.data)
    text = flat(pages[0])
    assert len(pages) == 1
    assert TITLE_EN in text
    assert "12 signatures so far" in text and "Goal: 1,500 signatures" in text
    assert "http://localhost/campaigns/safe-leiden" in text

    pages = pdf_pages(client.get(f"/campaigns/{campaign}/poster.pdf?language=nl").data)
    dutch = flat(pages[0])
    assert TITLE_NL in dutch and "1.500" in dutch and "12 " in dutch
    # ?language= picks the poster's language without switching the visitor's (as ?lang= would).
    assert '<html lang="en">' in client.get("/?lang=en").text
    client.get(f"/campaigns/{campaign}/poster.pdf?language=nl")
    assert '<html lang="en">' in client.get("/").text


def test_a_long_title_and_summary_still_fit_on_one_poster(app, client):
    slug = add_campaign(app, slug="long", title={"nl": "Lang " * 39, "en": "Long " * 39}, summary={"nl": "Tekst " * 160, "en": "Words " * 160})
    pages = pdf_pages(client.get(f"/campaigns/{slug}/poster.pdf?language=en").data)
    text = flat(pages[0])
    assert len(pages) == 1 and "0 signatures so far" in text and "http://localhost/campaigns/long" in text


# ---------------------------------------------------------------- 3. Open Graph and the share image


def test_the_campaign_page_has_open_graph_and_twitter_card_tags(client, campaign):
    for lang, title, og_locale in (("en", TITLE_EN, "en_GB"), ("nl", TITLE_NL, "nl_NL")):
        html = client.get(f"/campaigns/{campaign}?lang={lang}&s=whatsapp").text
        assert f'<html lang="{lang}">' in html
        page = Page(html)
        assert page.meta("og:title") == title
        assert page.meta("og:description").startswith("Students ask" if lang == "en" else "Studenten vragen")
        assert page.meta("og:url") == f"http://localhost/campaigns/safe-leiden?lang={lang}"
        assert page.meta("og:locale") == og_locale
        assert page.meta("twitter:card") == "summary_large_image"
        assert page.meta("og:type") == "website"
        image = page.meta("og:image")
        assert image == page.meta("twitter:image")
        assert image.startswith(f"http://localhost/campaigns/safe-leiden/share.png?language={lang}")
        response = client.get(image.removeprefix("http://localhost"))
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert Image.open(io.BytesIO(response.data)).size == (1200, 630)


def test_the_share_image_is_cached_per_step_of_the_count_and_drawn_anew_past_it(app, client, campaign):
    from petition_app.campaigns.queries import public_campaign
    from petition_app.reach.images import share_image_key
    from petition_app.reach.sharing import count_step

    assert [count_step(n) for n in (0, 7, 99, 100, 125, 1234, 15678)] == [0, 7, 99, 100, 120, 1200, 15000]

    def key():
        with app.app_context():
            return share_image_key(public_campaign(campaign), "en")

    folder = app.instance_path + "/share-images/safe-leiden"

    def cached():
        import os

        return sorted(os.listdir(folder))

    seed(app, campaign, 120)
    first_key, first = key(), client.get(f"/campaigns/{campaign}/share.png?language=en").data
    assert Image.open(io.BytesIO(first)).size == (1200, 630)
    assert cached() == [f"{first_key}.png"]

    seed(app, campaign, 5, start=120)  # 125: still the step of 120
    assert key() == first_key
    assert client.get(f"/campaigns/{campaign}/share.png?language=en").data == first

    seed(app, campaign, 5, start=125)  # 130: past the step
    second_key, second = key(), client.get(f"/campaigns/{campaign}/share.png?language=en").data
    assert second_key != first_key and second != first
    assert cached() == [f"{second_key}.png"]  # the old image is gone
    assert Image.open(io.BytesIO(second)).size == (1200, 630)

    dutch = client.get(f"/campaigns/{campaign}/share.png?language=nl").data
    assert dutch != second and len(cached()) == 2


# ---------------------------------------------------------------- 4. the embeddable widget


def csp(response):
    header = response.headers.get("Content-Security-Policy", "")
    return dict(d.strip().partition(" ")[::2] for d in header.split(";") if d.strip())


def test_only_the_widget_may_be_framed_by_another_site(client, campaign):
    widget = client.get(f"/embed/{campaign}", headers={"Sec-Fetch-Dest": "iframe", "Sec-Fetch-Site": "cross-site"})
    assert widget.status_code == 200
    assert csp(widget)["frame-ancestors"] == "*"
    assert "X-Frame-Options" not in widget.headers
    for path in (f"/campaigns/{campaign}", f"/campaigns/{campaign}/share", f"/campaigns/{campaign}/signers", "/"):
        response = client.get(path)
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert csp(response)["frame-ancestors"] == "'none'", path


def test_the_widget_shows_the_title_the_live_count_and_a_sign_button(app, client, campaign):
    seed(app, campaign, 3)
    html = client.get(f"/embed/{campaign}?lang=en").text
    page = Page(html)
    assert TITLE_EN in html and "3 have signed" in html
    assert page.find("svg", role="img", **{"aria-labelledby": "embed-count"})  # the bar (issue 20: visible at 1)
    assert page.find("rect", width="40", height="20", rx="10")  # 3 of 1,500 fills its least width, 4 %
    button = [a for a in page.find("a") if "button" in (a.get("class") or "")]
    assert len(button) == 1
    assert button[0]["href"] == "http://localhost/campaigns/safe-leiden?s=embed#sign"
    assert button[0]["target"] == "_blank" and "noopener" in button[0]["rel"]
    assert_self_contained(html)
    assert [script["src"] for script in page.find("script")] == ["/static/embed-frame.js"]

    seed(app, campaign, 1, start=3)
    assert "4 have signed" in client.get(f"/embed/{campaign}?lang=en").text


def test_the_widget_of_a_closed_campaign_has_no_sign_button(app, client):
    slug = add_campaign(app, slug="closed-one", status="closed")
    html = client.get(f"/embed/{slug}?lang=en").text
    assert "no longer takes signatures" in html and "#sign" not in html
    assert client.get("/embed/no-such-campaign").status_code == 404


# ---------------------------------------------------------------- 5. the signer wall


def test_the_wall_shows_only_counted_signers_who_chose_to_be_named_newest_first(app, client, campaign):
    now = datetime.now(timezone.utc)
    seed_signers(
        app,
        campaign,
        [
            {"name": "Oldest Public", "email": "old@example.org", "city": "Leiden", "is_public": True, "confirmed_at": now - timedelta(days=2)},
            {"name": "Newest Public", "email": "new@example.org", "city": "Delft", "is_public": True, "confirmed_at": now},
            {"name": "Middle Public", "email": "mid@example.org", "is_public": True, "confirmed_at": now - timedelta(days=1)},
            {"name": "Private Person", "email": "private@example.org", "city": "Leiden", "is_public": False},
            {"name": "Unconfirmed Person", "email": "unconfirmed@example.org", "is_public": True, "confirmed": False},
            {"name": "Suspect Person", "email": "suspect@example.org", "is_public": True, "suspect_reason": "blocked"},
        ],
    )
    html = client.get(f"/campaigns/{campaign}/signers?lang=en").text
    names = re.findall(r'<span class="signer-name">([^<]+)</span>', html)
    assert names == ["Newest Public", "Middle Public", "Oldest Public"]
    assert '<span class="signer-city">Delft</span>' in html
    for hidden in ("Private Person", "Unconfirmed Person", "Suspect Person"):
        assert hidden not in html
    assert "3 signers chose to be named here." in html
    assert '<meta name="robots" content="noindex">' in html
    assert_self_contained(html)  # no email address either
    assert 'href="/campaigns/safe-leiden/signers"' in client.get(f"/campaigns/{campaign}").text


def test_the_wall_is_paginated(app, client, campaign):
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    specs = [
        {"name": f"Person {i:03d}", "email": f"p{i}@example.org", "is_public": True, "confirmed_at": start + timedelta(minutes=i)}
        for i in range(120)
    ]
    seed_signers(app, campaign, specs)
    pages = []
    for number in (1, 2, 3):
        html = client.get(f"/campaigns/{campaign}/signers?page={number}").text
        pages.append(re.findall(r'<span class="signer-name">([^<]+)</span>', html))
        assert ('rel="next"' in html) == (number < 3)
        assert ('rel="prev"' in html) == (number > 1)
    assert [len(p) for p in pages] == [50, 50, 20]
    assert pages[0][0] == "Person 119" and pages[2][-1] == "Person 000"
    assert sum(pages, []) == [f"Person {i:03d}" for i in reversed(range(120))]
    assert client.get(f"/campaigns/{campaign}/signers?page=4").status_code == 404
    assert client.get(f"/campaigns/{campaign}/signers?page=0").status_code == 404


def test_no_wall_for_a_campaign_that_is_not_public(app, client):
    slug = add_campaign(app, slug="a-draft", status="draft")
    assert client.get(f"/campaigns/{slug}/signers").status_code == 404
    assert client.get(f"/campaigns/{slug}/share").status_code == 404
    assert client.get(f"/embed/{slug}").status_code == 404


# ---------------------------------------------------------------- 6. open data


def openapi_schema(client, name):
    document = client.get("/api/v1/openapi.json").get_json()
    return {"$ref": f"#/components/schemas/{name}", "components": document["components"]}


def test_city_stats_fold_small_cities_into_other_and_count_only_counted_signatures(app, client, campaign):
    seed_signers(
        app,
        campaign,
        [{"email": f"l{i}@example.org", "city": city} for i, city in enumerate(["Leiden", "leiden", " Leiden ", "Leiden", "LEIDEN", "Leiden"])]
        + [{"email": f"h{i}@example.org", "city": "Den Haag"} for i in range(5)]
        + [{"email": f"d{i}@example.org", "city": "Delft"} for i in range(2)]
        + [{"email": "u@example.org", "city": "Utrecht"}]
        + [{"email": f"n{i}@example.org", "city": None} for i in range(2)]
        + [{"email": "e@example.org", "city": "  "}]
        # Not counted: unconfirmed, suspect, withdrawn.
        + [{"email": f"x{i}@example.org", "city": "Delft", "confirmed": False} for i in range(4)]
        + [{"email": f"s{i}@example.org", "city": "Delft", "suspect_reason": "blocked"} for i in range(4)]
        + [{"email": "w@example.org", "city": "Utrecht", "confirmed": False, "withdrawn_at": datetime.now(timezone.utc)}],
    )
    response = client.get(f"/api/v1/campaigns/{campaign}/stats/cities")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    jsonschema.validate(body, openapi_schema(client, "CityStats"))
    assert body["cities"] == [{"city": "Leiden", "signatures": 6}, {"city": "Den Haag", "signatures": 5}]
    assert body["other"] == 3  # Delft (2) and Utrecht (1)
    assert body["not_given"] == 3
    assert body["min_group_size"] == 5
    assert "Delft" not in response.text and "Utrecht" not in response.text

    for path in (f"/api/v1/campaigns/{campaign}/stats/cities.csv", f"/api/v1/campaigns/{campaign}/stats/cities?format=csv"):
        csv = client.get(path)
        assert csv.status_code == 200 and csv.mimetype == "text/csv"
        assert csv.headers["Access-Control-Allow-Origin"] == "*"
        assert csv.text.splitlines() == ["group,city,signatures", "city,Leiden,6", "city,Den Haag,5", "other,,3", "not_given,,3"]


def test_daily_stats_count_counted_signatures_per_day_in_the_campaign_time_zone(app, client, campaign):
    def at(text):
        return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)

    seed_signers(
        app,
        campaign,
        [
            {"email": "a@example.org", "confirmed_at": at("2026-03-01T09:00")},
            {"email": "b@example.org", "confirmed_at": at("2026-03-01T22:00")},  # 23:00 in Leiden: still the 1st
            {"email": "c@example.org", "confirmed_at": at("2026-03-03T23:30")},  # 00:30 on the 4th in Leiden
            {"email": "d@example.org", "confirmed_at": at("2026-03-02T10:00"), "suspect_reason": "blocked"},
            {"email": "e@example.org", "confirmed": False},
        ],
    )
    response = client.get(f"/api/v1/campaigns/{campaign}/stats/daily")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    jsonschema.validate(body, openapi_schema(client, "DailyStats"))
    assert body["timezone"] == "Europe/Amsterdam"
    assert body["days"] == [
        {"date": "2026-03-01", "signatures": 2, "paper_signatures": 0},
        {"date": "2026-03-02", "signatures": 0, "paper_signatures": 0},
        {"date": "2026-03-03", "signatures": 0, "paper_signatures": 0},
        {"date": "2026-03-04", "signatures": 1, "paper_signatures": 0},
    ]
    for path in (f"/api/v1/campaigns/{campaign}/stats/daily.csv", f"/api/v1/campaigns/{campaign}/stats/daily?format=csv"):
        csv = client.get(path)
        assert csv.mimetype == "text/csv" and csv.headers["Access-Control-Allow-Origin"] == "*"
        assert csv.text.splitlines() == ["date,signatures,paper_signatures", "2026-03-01,2,0", "2026-03-02,0,0", "2026-03-03,0,0", "2026-03-04,1,0"]
    assert "@" not in response.text


def test_the_campaign_list_has_public_campaigns_only_and_filters_by_status(app, client, campaign):
    add_campaign(app, slug="closed-one", status="closed")
    add_campaign(app, slug="a-draft", status="draft")
    add_campaign(app, slug="a-pending", status="pending")
    response = client.get("/api/v1/campaigns")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    assert sorted(c["slug"] for c in body["campaigns"]) == ["closed-one", "safe-leiden"]
    for item in body["campaigns"]:
        jsonschema.validate(item, openapi_schema(client, "CampaignSummary"))
    assert [c["slug"] for c in client.get("/api/v1/campaigns?status=open").get_json()["campaigns"]] == ["safe-leiden"]
    assert [c["slug"] for c in client.get("/api/v1/campaigns?status=closed").get_json()["campaigns"]] == ["closed-one"]
    assert client.get("/api/v1/campaigns?status=draft").status_code == 422
    assert "@example.org" not in response.text


def test_open_data_is_in_the_openapi_document_and_cors_is_on_those_gets_only(client, campaign):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/campaigns",
        "/campaigns/{slug}/stats/daily",
        "/campaigns/{slug}/stats/daily.csv",
        "/campaigns/{slug}/stats/cities",
        "/campaigns/{slug}/stats/cities.csv",
    ):
        assert "get" in paths[path], path
    assert {"/campaigns/{slug}", "/campaigns/{slug}/signatures"} <= set(paths)
    assert client.get(f"/api/v1/campaigns/{campaign}/stats/daily?format=csv").headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/api/v1/campaigns/nope/stats/daily").status_code == 404
    post = client.post(f"/api/v1/campaigns/{campaign}/signatures", json={"name": "A"})
    assert "Access-Control-Allow-Origin" not in post.headers
    assert "Access-Control-Allow-Origin" not in client.get(f"/campaigns/{campaign}").headers


# ---------------------------------------------------------------- 7. what search engines read


def test_the_sitemap_lists_open_and_closed_campaigns_in_both_languages_but_no_drafts(app, client, campaign):
    add_campaign(app, slug="closed-one", status="closed")
    add_campaign(app, slug="a-draft", status="draft")
    add_campaign(app, slug="a-pending", status="pending")
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ET.fromstring(response.data)
    locs = [loc.text for loc in root.findall("s:url/s:loc", ns)]
    for slug in ("safe-leiden", "closed-one"):
        for lang in ("nl", "en"):
            assert f"http://localhost/campaigns/{slug}?lang={lang}" in locs
    assert not [loc for loc in locs if "draft" in loc or "pending" in loc]
    first = root.find("s:url", ns)
    alternates = {a.get("hreflang"): a.get("href") for a in first.findall("x:link", ns)}
    assert set(alternates) == {"nl", "en", "x-default"}


def test_robots_txt_keeps_token_pages_and_the_api_out(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    disallowed = {line.split(":", 1)[1].strip() for line in response.text.splitlines() if line.startswith("Disallow:")}
    assert {"/verify/", "/unsubscribe/", "/withdraw/", "/my-data/", "/respond/", "/api/"} <= disallowed
    assert "Sitemap: http://localhost/sitemap.xml" in response.text
    assert "User-agent: *" in response.text


def test_public_pages_have_a_canonical_address_per_language_and_hreflang_alternates(client, campaign):
    cases = [
        (f"/campaigns/{campaign}?s=poster", "/campaigns/safe-leiden"),
        (f"/campaigns/{campaign}/share", "/campaigns/safe-leiden/share"),
        ("/", "/"),
        ("/privacy", "/privacy"),
    ]
    for path, canonical_path in cases:
        for lang in ("nl", "en"):
            html = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}").text
            page = Page(html)
            canonical = [a["href"] for a in page.find("link", rel="canonical")]
            assert canonical == [f"http://localhost{canonical_path}?lang={lang}"], path
            alternates = {a["hreflang"]: a["href"] for a in page.find("link", rel="alternate")}
            assert alternates == {
                "nl": f"http://localhost{canonical_path}?lang=nl",
                "en": f"http://localhost{canonical_path}?lang=en",
                "x-default": f"http://localhost{canonical_path}?lang=nl",
            }, path
    # Not on pages that are nobody's to find.
    assert "canonical" not in client.get("/campaigns/no-such-campaign").text
    assert "canonical" not in sign(client, campaign).text


def test_the_campaign_page_links_to_the_share_kit_and_the_wall(client, campaign):
    html = client.get(f"/campaigns/{campaign}?lang=en").text
    page = Page(html)
    assert page.find("a", href="/campaigns/safe-leiden/share")
    assert page.find("a", href="/campaigns/safe-leiden/signers")
    assert_self_contained(html)
