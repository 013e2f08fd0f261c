"""Security headers, cookies, CSRF, redirects, link tokens, and the promise that no page ever shows who
signed: the site is for campaigns whose signers may be survivors of sexual violence."""
import io
import re
from urllib.parse import urlsplit

import pytest
from flask import Blueprint

from helpers import (
    PASSWORD, add_campaign, app_with_tables, confirmed_account, mail_text, make_app, moderator_organizing, read_outbox,
    rows, sign, verify_path,
)
from petition_app.config import PROJECT_ROOT
from petition_app.extensions import db
from petition_app.security import CACHEABLE_ENDPOINTS, KEPT_BY_NGINX_ONLY, allow_framing, init_security, private, set_security_headers

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}
RESPOND_LINK = re.compile(r"https?://[^\s\"<>]+(/respond/[A-Za-z0-9_.\-]+)")


def secured(app):
    """The headers as create_app installs them; installed here too until create_app does (see
    test_create_app_installs_the_security_headers), so that the rest of this file tests them either way."""
    if set_security_headers not in app.after_request_funcs.get(None, []):
        init_security(app)
    return app


@pytest.fixture
def app(app):
    return secured(app)


def fresh_app(tmp_path, **overrides):
    return secured(app_with_tables(tmp_path, **overrides))


def csp(response):
    header = response.headers.get("Content-Security-Policy", "")
    return {name: value.strip() for name, _, value in (d.strip().partition(" ") for d in header.split(";") if d.strip())}


def confirmation_path(app, client, slug, email="anna@example.org", **fields):
    sign(client, slug, email=email, **fields)
    return verify_path([m for m in read_outbox(app) if m["To"] == email][-1])


def respond_path(app, slug):
    from petition_app.letters.operations import send_letters

    with app.app_context():
        campaign_id = db.session.execute(db.text("SELECT id FROM campaigns WHERE slug = :s"), {"s": slug}).scalar_one()
        send_letters(campaign_id)
        db.session.commit()
    for message in read_outbox(app):
        found = RESPOND_LINK.search(mail_text(message))
        if found:
            return found.group(1)
    raise AssertionError("no answer link in any mail")


@pytest.fixture
def pages(app, client, campaign):
    """Real pages of every kind, as (path, kind, status) with kind html or json and the status a visitor gets."""
    return [
        ("/", "html", 200),
        (f"/campaigns/{campaign}", "html", 200),
        (f"/campaigns/{campaign}?lang=en", "html", 200),
        ("/privacy", "html", 200),
        ("/campaigns/does-not-exist", "html", 404),  # the 404 error page
        (f"/campaigns/{campaign}/check-your-email", "html", 200),
        (confirmation_path(app, client, campaign), "html", 200),
        ("/verify/not-a-token", "html", 404),
        (f"/api/v1/campaigns/{campaign}", "json", 200),
        ("/api/v1/openapi.json", "json", 200),
    ]


# ---------------------------------------------------------------- headers


def test_create_app_installs_the_security_headers(tmp_path):
    app = make_app(tmp_path)
    assert set_security_headers in app.after_request_funcs.get(None, []), "create_app must call init_security(app)"


def test_every_page_carries_the_security_headers(client, pages):
    for path, kind, status in pages:
        response = client.get(path)
        assert response.status_code == status, path
        headers = response.headers
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        # Never the full URL (tokens are in paths) to another site. Not "no-referrer": Flask-WTF refuses
        # a form POST over HTTPS without a same-origin Referer (see test_csrf_over_https_needs_the_referer).
        assert headers["Referrer-Policy"] == "same-origin", path
        permissions = {p.strip() for p in headers["Permissions-Policy"].split(",")}
        assert {"camera=()", "microphone=()", "geolocation=()", "interest-cohort=()"} <= permissions, path
        assert "Strict-Transport-Security" not in headers, path  # plain HTTP
        assert "unsafe-" not in headers["Content-Security-Policy"], path
        if kind == "html":
            assert response.mimetype == "text/html", path
            assert csp(response) == CSP, path
        else:
            assert response.mimetype == "application/json", path
            assert csp(response)["default-src"] == "'none'" and csp(response)["frame-ancestors"] == "'none'", path


def test_post_answers_and_static_files_carry_the_headers_too(client, campaign):
    responses = [
        sign(client, campaign, follow=False),  # 303
        sign(client, campaign, follow=False, name=""),  # 422, the form again
        client.post(f"/api/v1/campaigns/{campaign}/signatures", json={"name": "A"}),  # 422 JSON
        client.get("/static/style.css"),
    ]
    for response in responses:
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert csp(responses[1]) == CSP


def test_pages_have_no_inline_script_or_style_that_the_policy_would_block(client, pages):
    inline = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.IGNORECASE)
    for path in [path for path, kind, _ in pages if kind == "html"]:
        assert not inline.search(client.get(path).text), path


def test_templates_have_no_inline_script_or_style():
    """Mails and printed letters are not shown by browsers under this policy; every page template is."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle\s*=|\son[a-z]+\s*=", re.IGNORECASE)
    templates = PROJECT_ROOT / "templates"
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if path.relative_to(templates).parts[0] not in ("email", "letters") and inline.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_hsts_only_over_https(client, campaign):
    for path in ("/", f"/campaigns/{campaign}", "/api/v1/openapi.json", "/campaigns/nope"):
        secure = client.get(path, base_url="https://localhost")
        assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains", path
        assert "Strict-Transport-Security" not in client.get(path).headers, path


def test_hsts_behind_a_proxy_follows_the_trusted_forwarded_proto(tmp_path):
    behind_proxy = fresh_app(tmp_path / "proxy", PROXY_COUNT=1).test_client()
    assert "Strict-Transport-Security" in behind_proxy.get("/", headers={"X-Forwarded-Proto": "https"}).headers
    assert "Strict-Transport-Security" not in behind_proxy.get("/").headers
    # Without a trusted proxy, anyone could send the header: it is ignored.
    direct = fresh_app(tmp_path / "direct").test_client()
    assert "Strict-Transport-Security" not in direct.get("/", headers={"X-Forwarded-Proto": "https"}).headers


def test_token_pages_and_every_non_get_answer_are_not_stored(app, client, campaign):
    path = confirmation_path(app, client, campaign)
    no_store = [
        client.get(path),
        client.post(path),
        client.get("/verify/forged.token.here"),
        client.get("/unsubscribe/forged.token.here"),
        client.post("/unsubscribe/forged.token.here"),
        client.get("/respond/forged.token.here"),
        client.get(respond_path(app, campaign)),
        sign(client, campaign, follow=False, email="second@example.org"),
        sign(client, campaign, follow=False, name=""),
        client.post(f"/api/v1/campaigns/{campaign}/signatures", json={"name": "B", "email": "b@example.org", "consent": True}),
        client.post("/privacy"),  # 405
    ]
    for response in no_store:
        assert response.headers.get("Cache-Control") == "no-store", response.request.path
    for path in ("/", f"/campaigns/{campaign}", "/privacy"):
        assert "no-store" not in client.get(path).headers.get("Cache-Control", ""), path


# Routes whose GET answer is the same for everyone and may be kept by a browser or a cache. Every other
# route of app.url_map must answer `Cache-Control: no-store` (test_every_route_is_public_or_never_stored):
# a new route is private until it is listed here.
PUBLIC_ENDPOINTS = {
    "campaigns.index", "campaigns.privacy", "campaigns.start", "signing.campaign", "signing.check_your_email", "signing.confirmed",
    "signing.sign_campaign",
    "reach.share_kit", "reach.qr_svg", "reach.qr_png", "reach.poster", "reach.share_image", "reach.embed",
    "reach.signers", "reach.sitemap", "reach.robots", "static",
    "api.list_campaigns", "api.get_campaign", "api.create_signature", "api.city_stats", "api.daily_stats", "api.openapi",
    "api.story_stats", "letters.record", "api.list_letter_records", "api.get_letter_record",
    "recipients.index", "recipients.show", "recipients.feed", "api.list_recipients", "api.get_recipient",
}
LINK = re.compile(r"http://localhost(/[^\s\"<>]+)")


def link_to(app, prefix, email=None):
    """The path of the newest link starting with `prefix` in the mails (to `email`, if given)."""
    for message in reversed(read_outbox(app)):
        if email is None or message["To"] == email:
            for path in LINK.findall(mail_text(message)):
                if path.startswith(prefix):
                    return path
    raise AssertionError(f"no {prefix} link in any mail")


def built_path(rule, values):
    arguments = {name: values[name] for name in rule.arguments if name not in (rule.defaults or {})}
    return rule.build(arguments)[1]


@pytest.fixture
def private_world(app, client, campaign):
    """A moderator who organizes the campaign, a confirmed signer, letters handed over: every kind of
    private page exists, with the values to fill every route of app.url_map."""
    path = confirmation_path(app, client, campaign)
    client.post(path)
    respond = respond_path(app, campaign)
    moderator = moderator_organizing(app, campaign)
    letter = re.search(r"/organize/[a-z0-9-]+/letters/(\d+)\.pdf", moderator.get(f"/organize/{campaign}").text)
    with app.app_context():
        ids = {name: db.session.execute(db.text(f"SELECT MIN(id) FROM {table}")).scalar_one()
               for name, table in (("recipient_id", "recipients"), ("demand_id", "demands"), ("signature_id", "signatures"))}
    recorded = moderator.post(f"/organize/{campaign}/paper", data={  # a paper entry with a private scan
        "signatures": "3", "collected_on": "2026-01-05", "place": "Leiden", "scan": (io.BytesIO(b"%PDF-1.4 scan"), "scan.pdf")})
    assert recorded.status_code == 303
    values = {"slug": campaign, "token": "forged.token.value", "action": "approve", "filename": "style.css",
              "letter_id": int(letter.group(1)), "submission_id": 1, "ref": "0123456789abcdef", "invitation_id": 1,
              "entry_id": 1, "direction": "up", "number": 1, "key": "leiden-university", **ids}
    return {"moderator": moderator, "values": values, "verify": path, "respond": respond}


def test_every_route_is_public_or_never_stored(app, private_world):
    """Walks app.url_map: a route not listed in PUBLIC_ENDPOINTS answers no-store to every method,
    logged in or not, whatever the status; a public route's GET answer may be kept, except that the
    cached public pages (security.CACHEABLE_ENDPOINTS) are no-store for someone logged in."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert PUBLIC_ENDPOINTS <= endpoints, PUBLIC_ENDPOINTS - endpoints  # no stale entries
    visitors = {"anonymous": app.test_client(), "moderator": private_world["moderator"]}
    checked, failures = 0, []
    for rule in app.url_map.iter_rules():
        path = built_path(rule, private_world["values"])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            # A POST of a logged-in moderator would change things (log out, close); every POST is no-store anyway.
            for who, visitor in visitors.items() if method == "GET" else [("anonymous", visitors["anonymous"])]:
                response = visitor.open(path, method=method)
                cache = response.headers.get("Cache-Control", "")
                public = rule.endpoint in PUBLIC_ENDPOINTS and method == "GET"
                if who == "moderator" and rule.endpoint in CACHEABLE_ENDPOINTS:
                    public = False  # their header shows their name: kept by no one
                if rule.endpoint in KEPT_BY_NGINX_ONLY:  # "you signed": kept by nginx, never by the browser
                    public = False
                    if who == "anonymous" and response.headers.get("X-Accel-Expires") != "5":
                        failures.append(f"{method} {path} ({rule.endpoint}, {who}): no X-Accel-Expires")
                elif "X-Accel-Expires" in response.headers:
                    failures.append(f"{method} {path} ({rule.endpoint}, {who}): X-Accel-Expires")
                if public == (cache == "no-store"):
                    failures.append(f"{method} {path} ({rule.endpoint}, {who}): {response.status_code}, Cache-Control {cache!r}")
                checked += 1
    assert failures == []
    assert checked > 1.5 * len(endpoints)  # a POST-only route is visited once (anonymous), a GET route twice


def test_private_pages_and_downloads_are_never_stored(app, private_world, campaign):
    """What each person really sees, each a 200: dashboards, the export, a letter, the admin pages, the
    account pages, and the pages behind the links in mails."""
    moderator = private_world["moderator"]
    letter = private_world["values"]["letter_id"]
    pages = {
        "/organize/?lang=en": "Together for a safe Leiden",
        f"/organize/{campaign}?lang=en": "Together for a safe Leiden",
        f"/organize/{campaign}/correct?lang=en": "Together for a safe Leiden",  # a published campaign is corrected
        f"/organize/{campaign}/preview?lang=en": "Preview",
        f"/organize/{campaign}/signers.csv": "",
        f"/organize/{campaign}/letters/{letter}.pdf": "",
        "/admin/?lang=en": "Together for a safe Leiden",
        f"/admin/{campaign}/preview?lang=en": "Together for a safe Leiden",
        f"/admin/{campaign}/invalidate?lang=en": "Together for a safe Leiden",
        "/admin/jobs?lang=en": "",
    }
    for path, text in pages.items():
        response = moderator.get(path)
        assert response.status_code == 200, path
        if text:
            assert text in response.text, path
        assert response.headers["Cache-Control"] == "no-store", path
    assert moderator.get(f"/organize/{campaign}/signers.csv").mimetype == "text/csv"
    assert moderator.get(f"/organize/{campaign}/letters/{letter}.pdf").data.startswith(b"%PDF")

    anonymous = app.test_client()
    links = [
        private_world["verify"],
        private_world["respond"],
        link_to(app, "/withdraw/", "anna@example.org"),
        link_to(app, "/my-data/", "anna@example.org"),
        "/account/login", "/account/register", "/account/reset",
    ]
    for path in links:
        response = anonymous.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path


def test_a_view_marked_private_is_never_stored(app):
    demo = Blueprint("private_demo", __name__)

    @demo.route("/private-demo")
    @private
    def mine():
        return "<p>mine</p>"

    @demo.route("/public-demo")
    def everyones():
        return "<p>everyone's</p>"

    app.register_blueprint(demo)
    client = app.test_client()
    assert client.get("/private-demo").headers["Cache-Control"] == "no-store"
    assert "Cache-Control" not in client.get("/public-demo").headers


# ---------------------------------------------------------------- framing


def test_a_view_can_allow_framing_and_every_other_view_stays_unframeable(app):
    demo = Blueprint("framing_demo", __name__)

    @demo.route("/embed-demo/<slug>")
    @allow_framing
    def embed(slug):
        return f"<p>{slug}</p>"

    @allow_framing  # above the route decorator works as well
    @demo.route("/embed-demo-2")
    def embed_two():
        return "<p>two</p>"

    app.register_blueprint(demo)
    client = app.test_client()
    for path in ("/embed-demo/x", "/embed-demo-2"):
        response = client.get(path)
        assert response.status_code == 200
        assert "X-Frame-Options" not in response.headers
        assert csp(response) == {**CSP, "frame-ancestors": "*"}
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/").headers["X-Frame-Options"] == "DENY"
    assert csp(client.get("/"))["frame-ancestors"] == "'none'"


# ---------------------------------------------------------------- the session cookie


def session_cookie(response, name="session"):
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return {part.strip().split("=")[0].lower(): part.strip() for part in cookies[0].split(";")}


def logging_in(app, base_url="http://localhost"):
    """The answer to a login: the first that sets a session cookie (public pages set none)."""
    confirmed_account(app)
    return app.test_client().post("/account/login", base_url=base_url, data={"email": "org@example.org", "password": PASSWORD})


def test_the_session_cookie_is_httponly_and_samesite_lax(app, client):
    # The session comes with a login; a visitor's language choice is a cookie of its own, made alike.
    for cookie in (session_cookie(logging_in(app)), session_cookie(client.get("/?lang=en"), "lang")):
        assert "httponly" in cookie and cookie["samesite"] == "SameSite=Lax"
        assert "secure" not in cookie  # BASE_URL is http://localhost: a Secure cookie would never come back


def test_the_session_cookie_is_secure_when_the_site_is_https(tmp_path):
    """BASE_URL is what the deployment sets; the cookie must follow it without a second setting."""
    app = fresh_app(tmp_path, BASE_URL="https://petitions.example.org")
    https = "https://petitions.example.org"
    for cookie in (session_cookie(logging_in(app, https)), session_cookie(app.test_client().get("/?lang=en", base_url=https), "lang")):
        assert "secure" in cookie and "httponly" in cookie and cookie["samesite"] == "SameSite=Lax"


def test_the_session_cookie_is_secure_when_asked(tmp_path):
    app = fresh_app(tmp_path, BASE_URL="https://petitions.example.org", SESSION_COOKIE_SECURE=True)
    https = "https://petitions.example.org"
    for cookie in (session_cookie(logging_in(app, https)), session_cookie(app.test_client().get("/?lang=en", base_url=https), "lang")):
        assert "secure" in cookie and "httponly" in cookie and cookie["samesite"] == "SameSite=Lax"


# ---------------------------------------------------------------- CSRF


@pytest.fixture
def csrf_app(tmp_path):
    app = fresh_app(tmp_path, WTF_CSRF_ENABLED=True)
    yield app
    with app.app_context():
        db.engine.dispose()


def csrf_token(page):
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', page)
    assert found, "no CSRF token in the page"
    return found.group(1) or found.group(2)


SIGNER = {"name": "Anna de Vries", "email": "anna@example.org", "city": "Leiden", "consent": "y"}


def test_csrf_is_enforced_on_the_sign_form(csrf_app):
    """The sign form needs no session: its token is signed for the campaign (any visitor's page gives
    a good one) and a cross-site POST is refused whatever it carries (see tests/test_public_cache.py)."""
    slug = add_campaign(csrf_app)
    other_slug = add_campaign(csrf_app, slug="other-campaign")
    client = csrf_app.test_client()
    assert client.post(f"/campaigns/{slug}/sign", data=SIGNER).status_code == 400
    assert client.post(f"/campaigns/{slug}/sign", data={**SIGNER, "csrf_token": "forged"}).status_code == 400
    for_another_campaign = csrf_token(client.get(f"/campaigns/{other_slug}").text)
    assert client.post(f"/campaigns/{slug}/sign", data={**SIGNER, "csrf_token": for_another_campaign}).status_code == 400
    token = csrf_token(csrf_app.test_client().get(f"/campaigns/{slug}").text)  # another visitor's page
    cross_site = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
    assert client.post(f"/campaigns/{slug}/sign", headers=cross_site, data={**SIGNER, "csrf_token": token}).status_code == 403
    assert rows(csrf_app, "signatures") == 0

    response = client.post(f"/campaigns/{slug}/sign", headers={"Sec-Fetch-Site": "same-origin"}, data={**SIGNER, "csrf_token": token})
    assert response.status_code == 303
    assert rows(csrf_app, "signatures") == 1


def test_a_confirmation_needs_no_session_but_refuses_a_cross_site_post(csrf_app):
    """The confirmation form has no CSRF token and sets no cookie: only the holder of the mail knows the
    token in its path. A POST a browser marks as cross-site, or from another Origin, is refused."""
    slug = add_campaign(csrf_app)
    client = csrf_app.test_client()
    token = csrf_token(client.get(f"/campaigns/{slug}").text)
    client.post(f"/campaigns/{slug}/sign", data={**SIGNER, "csrf_token": token}, follow_redirects=True)  # as a browser
    path = verify_path(read_outbox(csrf_app)[-1])

    page = client.get(path)
    assert page.status_code == 200 and "Set-Cookie" not in page.headers and 'name="csrf_token"' not in page.text
    for evil in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}, {"Origin": "https://evil.example"}):
        assert client.post(path, headers=evil).status_code == 403
    with csrf_app.app_context():
        assert db.session.execute(db.text("SELECT confirmed_at FROM signatures")).scalar() is None
    confirmed = client.post(path, headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"})
    assert confirmed.status_code == 303 and "Set-Cookie" not in confirmed.headers
    with csrf_app.app_context():
        assert db.session.execute(db.text("SELECT confirmed_at FROM signatures")).scalar() is not None


def test_withdrawing_works_with_csrf_on_and_refuses_a_post_without_its_token(csrf_app):
    """The withdraw page keeps Flask-WTF's token: its form must carry it, and a POST without it changes nothing."""
    slug = add_campaign(csrf_app)
    client = csrf_app.test_client()
    token = csrf_token(client.get(f"/campaigns/{slug}").text)
    client.post(f"/campaigns/{slug}/sign", data={**SIGNER, "csrf_token": token})
    client.post(verify_path(read_outbox(csrf_app)[-1]))
    path = link_to(csrf_app, "/withdraw/")
    assert client.post(path).status_code == 400
    with csrf_app.app_context():
        assert db.session.execute(db.text("SELECT confirmed_count FROM campaigns")).scalar() == 1
    page = client.get(path)
    withdrawn = client.post(path, data={"csrf_token": csrf_token(page.text)})
    assert withdrawn.status_code == 200 and "Je handtekening is ingetrokken" in withdrawn.text  # in the signer's Dutch
    with csrf_app.app_context():
        assert db.session.execute(db.text("SELECT confirmed_count FROM campaigns")).scalar() == 0


def test_csrf_is_enforced_on_answers(csrf_app):
    slug = add_campaign(csrf_app)
    client = csrf_app.test_client()
    answer = respond_path(csrf_app, slug)
    with csrf_app.app_context():
        demand = db.session.execute(db.text("SELECT MIN(id) FROM demands")).scalar()
    assert client.post(answer, data={f"status_{demand}": "rejected"}).status_code == 400
    assert rows(csrf_app, "answers") == 0


def test_csrf_over_https_needs_the_referer(csrf_app):
    """Why Referrer-Policy is same-origin: over HTTPS Flask-WTF also wants a same-origin Referer, which
    a no-referrer policy would take away from every form with a session (here: a recipient's answers).
    The sign and confirmation forms have no session and check Origin/Sec-Fetch-Site instead."""
    slug = add_campaign(csrf_app)
    client = csrf_app.test_client()
    https = "https://localhost"
    url = respond_path(csrf_app, slug)
    with csrf_app.app_context():
        demand = db.session.execute(db.text("SELECT MIN(id) FROM demands")).scalar()
    token = csrf_token(client.get(url, base_url=https).text)
    data = {"csrf_token": token, f"status_{demand}": "rejected", "language": "en"}
    assert client.post(url, base_url=https, data=data).status_code == 400
    evil = {"Referer": "https://evil.example/"}
    assert client.post(url, base_url=https, headers=evil, data=data).status_code == 400
    assert rows(csrf_app, "answers") == 0
    saved = client.post(url, base_url=https, headers={"Referer": f"https://localhost{url}"}, data=data)
    assert saved.status_code == 200 and rows(csrf_app, "answers") == 1


def test_the_json_api_cannot_be_driven_by_a_cross_site_form(csrf_app):
    """The API is exempt from CSRF tokens; a page elsewhere can only send it a form or text/plain without
    a CORS preflight, and the API reads nothing but application/json."""
    slug = add_campaign(csrf_app)
    client = csrf_app.test_client()
    url = f"/api/v1/campaigns/{slug}/signatures"
    body = '{"name": "Forged", "email": "victim@example.org", "consent": true}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        response = client.post(url, data=body, content_type=content_type, headers={"Origin": "https://evil.example"})
        assert 400 <= response.status_code < 500, content_type
        assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options(url, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert rows(csrf_app, "signatures") == 0


# ---------------------------------------------------------------- redirects


def test_every_redirect_in_the_code_goes_to_url_for():
    """Or through accounts.routes.safe_next, which only lets a path on this site through (tested with
    the login in test_accounts)."""
    calls = []
    for path in (PROJECT_ROOT / "petition_app").rglob("*.py"):
        for match in re.finditer(r"\bredirect\(\s*([^\s,)]*)", path.read_text(encoding="utf-8")):
            calls.append((str(path.relative_to(PROJECT_ROOT)), match.group(1)))
    assert calls, "expected at least the redirect after signing"
    assert [c for c in calls if not c[1].startswith(("url_for(", "safe_next(url_for("))] == []


def same_site(response):
    location = response.headers.get("Location")
    return location is None or urlsplit(location).netloc in ("", "localhost")


def test_next_parameters_lead_nowhere(app, client, campaign):
    evil = "next=https://evil.example&return_to=//evil.example&redirect=https:evil.example"
    path = confirmation_path(app, client, campaign)
    responses = [
        client.get(f"/?{evil}"),
        client.get(f"/campaigns/{campaign}?{evil}"),
        client.get(f"/privacy?{evil}"),
        client.get(f"/campaigns/{campaign}/check-your-email?{evil}"),
        client.get(f"{path}?{evil}"),
        client.post(f"{path}?{evil}"),
        client.post(f"/campaigns/{campaign}/sign?{evil}", data={**SIGNER, "email": "n@example.org", "next": "//evil.example"}),
        client.post(f"/unsubscribe/x.y.z?{evil}"),
    ]
    for response in responses:
        assert same_site(response), response.headers.get("Location")
        assert "evil.example" not in response.headers.get("Location", "")
    assert responses[6].status_code == 303
    assert responses[6].headers["Location"].endswith(f"/campaigns/{campaign}/check-your-email")


@pytest.mark.parametrize(
    "path, status, location",
    [
        ("//evil.example/", 404, None),
        ("//evil.example/%2e%2e", 404, None),
        ("/\\evil.example", 404, None),
        ("/campaigns//evil.example", 308, "http://localhost/campaigns/evil.example"),  # slashes merged, same host
        ("/privacy/", 404, None),
    ],
)
def test_odd_paths_never_redirect_to_another_site(client, path, status, location):
    response = client.get("/", environ_overrides={"PATH_INFO": path})
    assert response.status_code == status
    assert response.headers.get("Location") == location
    assert same_site(response)


# ---------------------------------------------------------------- link tokens


def test_links_in_mails_carry_a_full_signature(app, client, campaign):
    for path in (confirmation_path(app, client, campaign), respond_path(app, campaign)):
        token = path.rsplit("/", 1)[1].split("?")[0]
        signature = token.split(".")[-1]
        assert len(signature) >= 11, token  # >= 64 bits; itsdangerous' HMAC-SHA1 gives 27 characters (160 bits)
        assert re.fullmatch(r"[A-Za-z0-9_\-]+", signature)


def test_links_in_mails_ignore_the_host_of_the_request(app, client, campaign):
    """A forged Host header must not put an attacker's site into someone's confirmation mail."""
    client.post(f"/campaigns/{campaign}/sign", data={**SIGNER, "email": "host@example.org"}, headers={"Host": "evil.example"})
    message = read_outbox(app)[-1]
    assert "evil.example" not in mail_text(message)
    assert "http://localhost/verify/" in mail_text(message)


# ---------------------------------------------------------------- no page shows who signed


def test_no_page_ever_shows_a_signers_email_address(app, client, campaign):
    address = "Unique.Signer-7f3a9c@Example.ORG"
    local = "unique.signer-7f3a9c"
    seen = []

    def look(response, body=None):
        seen.append(response)
        body = (response.get_data(as_text=True) if body is None else body).lower()
        assert local not in body, (response.request.method, response.request.path)
        for value in response.headers.values():
            assert local not in value.lower(), (response.request.path, value)

    def typed_only(response, typed):
        """"Check your email" right after the sign form names the address as its sender typed it (issue 20:
        a typo can be seen), to them alone (no-store), and nothing else: the same whether it signed before."""
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
        body = response.get_data(as_text=True)
        assert body.count(typed) == 1 and f'<strong class="address" translate="no">{typed}</strong>' in body
        look(response, body.replace(typed, "[typed]"))

    look(sign(client, campaign, follow=False, email=address, name="Visible Name", public=True, updates=True))
    typed_only(client.get(f"/campaigns/{campaign}/check-your-email"), address)
    look(client.get(f"/campaigns/{campaign}/check-your-email"))  # once only
    path = verify_path(read_outbox(app)[-1])
    look(client.get(path))
    look(client.post(path))
    look(client.get(path))  # already confirmed
    # a second attempt with the same address answers the same way and shows nothing either
    typed_only(sign(client, campaign, follow=True, email=address.upper(), name="Visible Name"), address.upper())
    look(client.post(f"/api/v1/campaigns/{campaign}/signatures", json={"name": "Visible Name", "email": address, "consent": True}))
    for lang in ("nl", "en"):
        look(client.get(f"/?lang={lang}"))
        look(client.get(f"/campaigns/{campaign}?lang={lang}"))
        look(client.get(f"/privacy?lang={lang}"))
    look(client.get(f"/api/v1/campaigns/{campaign}"))
    look(client.get("/api/v1/openapi.json"))
    look(client.get("/campaigns/nope"))
    look(client.get(respond_path(app, campaign)))
    assert all(r.status_code < 500 for r in seen)
    assert rows(app, "signatures") == 1
