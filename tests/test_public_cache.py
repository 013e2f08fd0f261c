"""Issue 12, point 1: public pages hold nothing personal and can be cached; the sign form works without
a server session (a signed form token bound to the campaign, and no cross-site POST)."""
import re

import pytest
from freezegun import freeze_time

from helpers import add_campaign, app_with_tables, logged_in, rows
from petition_app.extensions import db

SIGNER = {"name": "Anna de Vries", "email": "anna@example.org", "city": "Leiden", "consent": "y", "updates": "y"}


@pytest.fixture
def csrf_app(tmp_path):
    """The app as in production: form protection on."""
    app = app_with_tables(tmp_path, WTF_CSRF_ENABLED=True, PUBLIC_CACHE_SECONDS=7)
    yield app
    with app.app_context():
        db.engine.dispose()


def public_paths(slug):
    return [
        f"/campaigns/{slug}", "/", f"/campaigns/{slug}/signers", f"/embed/{slug}", f"/campaigns/{slug}/share",
        "/api/v1/campaigns", f"/api/v1/campaigns/{slug}", f"/api/v1/campaigns/{slug}/stats/daily",
        f"/api/v1/campaigns/{slug}/stats/cities.csv",
    ]


def form_token(page):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_public_pages_set_no_cookie_and_may_be_kept_a_few_seconds(csrf_app):
    slug = add_campaign(csrf_app)
    client = csrf_app.test_client()
    for path in public_paths(slug):
        response = client.get(path, headers={"Accept-Language": "en"})
        assert response.status_code == 200, path
        assert response.headers.getlist("Set-Cookie") == [], path
        cache = response.headers["Cache-Control"]
        assert cache.startswith("public, max-age="), (path, cache)
        if not path.startswith("/api/"):  # open data keeps its own, longer, max-age
            assert cache == "public, max-age=7", path
        assert {"Accept-Language", "Cookie"} <= set(response.vary), path
        etag = response.headers["ETag"]
        again = client.get(path, headers={"Accept-Language": "en", "If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"", path
        assert again.headers.getlist("Set-Cookie") == [], path
    assert client.get_cookie("session") is None and client.get_cookie("lang") is None


def test_the_etag_changes_with_the_count(csrf_app):
    slug = add_campaign(csrf_app)
    client = csrf_app.test_client()
    before = client.get(f"/campaigns/{slug}", headers={"Accept-Language": "en"})
    assert "0 have signed" in before.text
    with csrf_app.app_context():
        db.session.execute(db.text("UPDATE campaigns SET confirmed_count = 42"))
        db.session.commit()
    after = client.get(f"/campaigns/{slug}", headers={"Accept-Language": "en", "If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and "42 have signed" in after.text
    assert after.headers["ETag"] != before.headers["ETag"]


def test_a_chosen_language_is_a_cookie_of_its_own_and_not_a_session(csrf_app):
    slug = add_campaign(csrf_app)
    client = csrf_app.test_client()
    chosen = client.get(f"/campaigns/{slug}?lang=en", headers={"Accept-Language": "nl"})
    assert [c.split(";")[0] for c in chosen.headers.getlist("Set-Cookie")] == ["lang=en"]
    assert "public" not in chosen.headers.get("Cache-Control", "")  # an answer that sets a cookie is nobody's to keep
    later = client.get(f"/campaigns/{slug}", headers={"Accept-Language": "nl"})
    assert '<html lang="en">' in later.text and "Sign this petition" in later.text
    assert later.headers.getlist("Set-Cookie") == []
    assert later.headers["Cache-Control"] == "public, max-age=7"
    assert client.get(f"/campaigns/{slug}?lang=en").headers.getlist("Set-Cookie") == []  # already chosen
    assert client.get_cookie("session") is None


def test_logged_in_organizers_see_the_same_pages_never_stored(app):
    slug = add_campaign(app)
    organizer = logged_in(app, "org@example.org")
    for path in public_paths(slug):
        response = organizer.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
        assert "ETag" not in response.headers, path
    assert "Safe Leiden" in organizer.get(f"/campaigns/{slug}?lang=en").text  # their name in the header


def test_signing_needs_no_session_and_sets_no_cookie(csrf_app):
    slug = add_campaign(csrf_app)
    page = csrf_app.test_client().get(f"/campaigns/{slug}")  # fetched by someone else (a cache)
    visitor = csrf_app.test_client()
    response = visitor.post(f"/campaigns/{slug}/sign", headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
                            data={**SIGNER, "csrf_token": form_token(page.text)})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/campaigns/{slug}/check-your-email")
    # the one cookie: the address for the next page alone ("check your email" names it, issue 20), which
    # that page takes out again (tests/test_finishing_touches.py)
    [cookie] = response.headers.getlist("Set-Cookie")
    assert cookie.startswith("session=") and "HttpOnly" in cookie and "Expires" not in cookie
    assert response.headers["Cache-Control"] == "no-store"
    assert rows(csrf_app, "signatures") == 1


@pytest.mark.parametrize("headers, accepted", [
    ({}, True),  # curl, an old browser: the token and the confirmation mail still stand
    ({"Sec-Fetch-Site": "same-origin"}, True),
    ({"Sec-Fetch-Site": "none"}, True),
    ({"Origin": "http://localhost"}, True),
    ({"Origin": "https://petitions.example.org"}, False),
    ({"Sec-Fetch-Site": "cross-site"}, False),
    ({"Sec-Fetch-Site": "same-site"}, False),
    ({"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"}, False),
    ({"Origin": "https://evil.example"}, False),
    ({"Origin": "null"}, False),
])
def test_a_cross_site_post_is_refused(csrf_app, headers, accepted):
    slug = add_campaign(csrf_app)
    client = csrf_app.test_client()
    token = form_token(client.get(f"/campaigns/{slug}").text)
    response = client.post(f"/campaigns/{slug}/sign", headers=headers, data={**SIGNER, "csrf_token": token})
    assert response.status_code == (303 if accepted else 403), headers
    assert rows(csrf_app, "signatures") == (1 if accepted else 0)


def test_an_expired_or_wrong_token_says_so_and_keeps_what_was_typed(csrf_app):
    slug = add_campaign(csrf_app)
    other = add_campaign(csrf_app, slug="other-campaign")
    client = csrf_app.test_client()
    with freeze_time("2026-03-01 12:00:00"):
        old = form_token(client.get(f"/campaigns/{slug}").text)
    for token in (old, form_token(client.get(f"/campaigns/{other}").text), "", "forged.value"):
        response = client.post(f"/campaigns/{slug}/sign?lang=en", data={**SIGNER, "csrf_token": token})
        assert response.status_code == 400
        assert "it was open for too long or did not come from this site" in response.text
        assert 'value="Anna de Vries"' in response.text and 'value="anna@example.org"' in response.text
        fresh = form_token(response.text)  # the form again, with a good token: signing again works
        assert fresh != token
    dutch = client.post(f"/campaigns/{slug}/sign?lang=nl", data={**SIGNER, "csrf_token": old})
    assert "Er ging iets mis met het formulier" in dutch.text
    assert rows(csrf_app, "signatures") == 0
    assert client.post(f"/campaigns/{slug}/sign", data={**SIGNER, "csrf_token": fresh}).status_code == 303
    assert rows(csrf_app, "signatures") == 1


def test_a_token_lives_as_long_as_configured(csrf_app):
    slug = add_campaign(csrf_app)
    client = csrf_app.test_client()
    with freeze_time("2026-03-01 12:00:00"):
        token = form_token(client.get(f"/campaigns/{slug}").text)
    with freeze_time("2026-03-02 11:00:00"):  # 23 hours later: within SIGN_FORM_TOKEN_MAX_AGE (24 hours)
        assert client.post(f"/campaigns/{slug}/sign", data={**SIGNER, "csrf_token": token}).status_code == 303
    with freeze_time("2026-03-02 13:00:00"):
        assert client.post(f"/campaigns/{slug}/sign", data={**SIGNER, "csrf_token": token}).status_code == 400


def test_the_honeypot_still_catches_bots_with_a_good_token(csrf_app):
    slug = add_campaign(csrf_app)
    client = csrf_app.test_client()
    token = form_token(client.get(f"/campaigns/{slug}").text)
    response = client.post(f"/campaigns/{slug}/sign", data={**SIGNER, "website": "spam", "csrf_token": token})
    assert response.status_code == 303
    assert rows(csrf_app, "signatures") == 0
