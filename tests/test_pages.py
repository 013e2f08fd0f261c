"""The public pages as a visitor sees them, in Dutch and English."""
import re

import pytest

from helpers import add_campaign, app_with_tables, read_outbox, rows, sign, verify_path

HTML_LANG = re.compile(r'<html lang="(\w\w)">')


def html_lang(response):
    return HTML_LANG.search(response.text).group(1)


def public_pages(client, slug, app):
    """Every public page, including the confirmation page, a link problem page and the page-not-found page,
    each with the status a visitor gets."""
    sign(client, slug)
    path = verify_path(read_outbox(app)[-1])
    return [
        ("/", 200),
        (f"/campaigns/{slug}", 200),
        (f"/campaigns/{slug}/check-your-email", 200),
        ("/privacy", 200),
        (path, 200),
        ("/verify/not-a-token", 404),
        ("/no-such-page", 404),
    ]


@pytest.mark.parametrize("lang, expected", [("nl", "Lopende campagnes"), ("en", "Open campaigns")])
def test_every_page_renders_in_both_languages_with_the_matching_html_lang(app, campaign, lang, expected):
    client = app.test_client()
    for path, status in public_pages(client, campaign, app):
        sep = "&" if "?" in path else "?"
        response = client.get(f"{path}{sep}lang={lang}")
        assert response.status_code == status, path
        assert html_lang(response) == lang, path
    assert expected in client.get("/").text


def test_the_language_follows_accept_language_and_then_the_choice_is_remembered(app, campaign):
    client = app.test_client()
    assert html_lang(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})) == "en"
    assert html_lang(client.get("/", headers={"Accept-Language": "fr"})) == "nl"
    client.get("/?lang=en")
    response = client.get(f"/campaigns/{campaign}", headers={"Accept-Language": "nl"})
    assert html_lang(response) == "en"
    assert "Sign this petition" in response.text


def test_campaign_page_shows_demands_grouped_by_recipient_and_the_progress(app, campaign):
    page = app.test_client().get(f"/campaigns/{campaign}?lang=en").text
    assert "Together for a safe Leiden" in page
    for recipient in ("To Leiden University", "To the Mayor of Leiden", "To Leiden Police"):
        assert recipient in page
    assert page.index("To Leiden University") < page.index("To the Mayor of Leiden") < page.index("To Leiden Police")
    assert "0 have signed — let's get to 1,500!" in page
    assert 'class="bar-track"' in page and 'class="bar-fill"' not in page  # nothing filled at 0
    dutch = app.test_client().get(f"/campaigns/{campaign}?lang=nl").text
    assert "0 mensen hebben getekend — op naar 1.500!" in dutch
    assert "Aan Universiteit Leiden" in dutch and "Aan de burgemeester van Leiden" in dutch


def test_the_privacy_promise_stands_next_to_the_sign_form(app, campaign):
    page = app.test_client().get(f"/campaigns/{campaign}?lang=en").text
    form_at = page.index('id="sign"')
    assert "It is never shown on this site and never given to the recipients." in page[form_at:]
    assert 'href="/privacy"' in page[form_at:]


def test_campaign_markdown_is_sanitised(app):
    slug = add_campaign(
        app,
        slug="markup",
        body={"nl": "**Vet** <script>alert(1)</script> [x](javascript:alert(1))", "en": "<img src=x onerror=alert(1)>ok"},
    )
    client = app.test_client()
    dutch = client.get(f"/campaigns/{slug}?lang=nl").text
    assert "<strong>Vet</strong>" in dutch
    assert "<script>alert" not in dutch and "javascript:" not in dutch
    english = client.get(f"/campaigns/{slug}?lang=en").text
    assert "onerror" not in english and "ok" in english


@pytest.mark.parametrize("status", ["draft", "pending"])
def test_unpublished_campaigns_are_not_found(app, status):
    slug = add_campaign(app, slug=f"hidden-{status}", status=status)
    client = app.test_client()
    assert client.get(f"/campaigns/{slug}").status_code == 404
    assert slug not in client.get("/").text
    assert client.post(f"/campaigns/{slug}/sign", data={}).status_code == 404
    assert client.get(f"/api/v1/campaigns/{slug}").status_code == 404


def test_the_list_shows_open_campaigns_only(app, campaign):
    add_campaign(app, slug="closed-one", status="closed", title={"nl": "Gesloten actie", "en": "Closed one"})
    page = app.test_client().get("/?lang=en").text
    assert "Together for a safe Leiden" in page
    assert "Closed one" not in page


def test_a_repeat_gets_byte_for_byte_the_same_page_as_a_new_signer(app, campaign):
    first = sign(app.test_client(), campaign, email="anna@example.org")
    repeat = sign(app.test_client(), campaign, email="ANNA@example.org ")
    other = sign(app.test_client(), campaign, email="someone.else@example.org")
    assert first.status_code == repeat.status_code == other.status_code == 200
    # the same page but for the address as typed, which "check your email" names to whoever typed it (issue 20)
    typed = [page.text.replace(address, "[typed]") for page, address in
             ((first, "anna@example.org"), (repeat, "ANNA@example.org"), (other, "someone.else@example.org"))]
    assert typed[0] == typed[1] == typed[2] and "[typed]" in typed[0]
    assert rows(app, "signatures") == 2


BAD_INPUT = [
    ({"email": "not-an-email"}, "email", "Enter a valid email address, like name@example.org.", "Vul een geldig e-mailadres in"),
    ({"name": ""}, "name", "Please fill in your name.", "Vul je naam in."),
    ({"name": "A" * 10_000}, "name", "Please use at most 100 characters.", "Gebruik maximaal 100 tekens."),
    ({"name": "<script>alert(1)</script>"}, "name", "Please leave out the characters &lt; and &gt;.", "Laat de tekens &lt; en &gt; weg."),
    ({"name": "=HYPERLINK(\"http://evil\")"}, "name", "Please start with a letter, not with =, +, - or @.", "Begin met een letter"),
    ({"consent": False}, "consent", "We can only count your signature with your consent.", "We kunnen je handtekening alleen tellen"),
    ({"city": "@Leiden"}, "city", "Please start with a letter, not with =, +, - or @.", "Begin met een letter"),
]


@pytest.mark.parametrize("fields, field, english, dutch", BAD_INPUT)
def test_bad_input_gets_a_translated_error_keeps_what_was_typed_and_stores_nothing(app, campaign, fields, field, english, dutch):
    client = app.test_client()
    for lang, message in (("en", english), ("nl", dutch)):
        response = sign(client, campaign, lang=lang, **fields)
        assert response.status_code == 422
        assert message in response.text
        assert f'id="{field}-error"' in response.text and 'aria-invalid="true"' in response.text
        typed = {"name": "Anna de Vries", "email": "anna@example.org", "city": "Leiden", **fields}
        for key in ("email", "city"):
            if typed[key]:
                assert f'value="{typed[key]}"' in response.text.replace("&#34;", '"')
        if typed["name"] and len(typed["name"]) < 200:
            assert "value=\"" + typed["name"].replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;") + "\"" in response.text
    assert rows(app, "signatures") == 0
    assert read_outbox(app) == []


def test_the_sign_form_is_protected_against_csrf(tmp_path):
    app = app_with_tables(tmp_path, WTF_CSRF_ENABLED=True)
    slug = add_campaign(app)
    client = app.test_client()
    response = sign(client, slug, lang="en")
    assert response.status_code == 400
    assert "Something went wrong with the form" in response.text
    assert rows(app, "signatures") == 0
    page = client.get(f"/campaigns/{slug}").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/campaigns/{slug}/sign", data={**_form(), "csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200
    assert rows(app, "signatures") == 1


def _form():
    from helpers import sign_form

    return sign_form()


def test_static_css_is_served_and_no_page_loads_anything_from_another_host(app, campaign):
    client = app.test_client()
    assert client.get("/static/style.css").status_code == 200
    page = client.get(f"/campaigns/{campaign}").text
    # links to other sites are fine (share buttons); nothing may be loaded from one
    assert not re.search(r'<(script|img|iframe|source|video|audio)\b[^>]*\bsrc="(https?:)?//', page)
    assert not re.search(r'<link\b[^>]*\bhref="(https?:)?//[^"]*"[^>]*rel="(stylesheet|icon|preload)', page)
    assert not re.search(r'<link\b[^>]*rel="(stylesheet|icon|preload)"[^>]*\bhref="(https?:)?//', page)


def test_an_anonymous_visitors_cookie_is_set_once_and_then_left_alone(app, campaign):
    """The sign form's CSRF token and a chosen language need a session cookie; nothing else does, so the
    cookie is not rewritten on every page (which would also make pages uncacheable)."""
    client = app.test_client()
    pages = ("/?lang=en", "/", f"/campaigns/{campaign}", "/privacy")
    for path in pages:
        client.get(path)
    for path in pages[1:]:
        response = client.get(path)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers, path


def test_the_bar_shows_the_first_signature_on_the_campaign_page_and_the_list(app, campaign):
    from helpers import seed_signers

    seed_signers(app, campaign, [{"email": "anna@example.org"}])
    client = app.test_client()
    for path in (f"/campaigns/{campaign}?lang=en", "/?lang=en"):
        page = client.get(path).text
        # 1 of 1,500 is 0.07 %: drawn at the minimum width of 1.5 % so that it can be seen at all.
        assert '<rect class="bar-fill" x="0" y="0" width="15" height="20"' in page, path
    seed_signers(app, campaign, [{"email": f"s{n}@example.org"} for n in range(749)])
    assert 'class="bar-fill" x="0" y="0" width="500"' in client.get(f"/campaigns/{campaign}?lang=en").text
