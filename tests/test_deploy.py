"""Issue 12, point 2: the production recipe runs. Debian's nginx with deploy/nginx.conf in front of a real
gunicorn (deploy/gunicorn.conf.py, APP_ENV=production, PROXY_COUNT=1) on PostgreSQL and Redis: public
pages come from nginx's cache for at most PUBLIC_CACHE_SECONDS, static files from nginx itself, the
client's own address reaches the app, and private pages are never cached."""
import http.client
import random
import re
import time

import pytest

from deploy_stack import Client, Response, hidden_token, loopback_address, production_env, sign_through
from helpers import add_campaign, add_organizer, confirmed_account, free_port, rows, signature_link
from petition_app.config import PROJECT_ROOT, Config
from petition_app.rules.paper import MAX_PAPER_BODY
from petition_app.extensions import db

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
CACHE_SECONDS = 2


@pytest.fixture
def site(committed_pg_app, redis_url, queue_prefix, stack):
    """nginx in front of one gunicorn with two workers; returns (nginx port, the app for the database)."""
    slug = add_campaign(committed_pg_app)
    nginx_port = free_port()  # the port BASE_URL names; nginx is started on its own free port below
    env = production_env(committed_pg_app.config["SQLALCHEMY_DATABASE_URI"], redis_url, queue_prefix, f"http://127.0.0.1:{nginx_port}",
                         PUBLIC_CACHE_SECONDS=CACHE_SECONDS, SIGN_RATE_LIMIT="3 per minute", MAIL_SERVER="")
    app_port = stack.start_gunicorn(env)
    port = stack.start_nginx([app_port])
    return {"port": port, "app_port": app_port, "slug": slug, "app": committed_pg_app, "seed": random.randrange(10**6)}


def from_the_cache(client, path, headers=None):
    """The page asked for again right after a first answer: from nginx's cache. nginx finishes writing
    its cache entry just after the client has the last byte, so a request sent at once may still miss
    it: a few tries within 0.3 s (far less than the page may be kept) tell a kept page from a page never kept."""
    for _ in range(6):
        page = client.get(path, headers=headers)
        if page.header("X-Cache-Status") == "HIT":
            return page
        time.sleep(0.05)
    return page


def set_count(app, slug, count):
    with app.app_context():
        db.session.execute(db.text("UPDATE campaigns SET confirmed_count = :n WHERE slug = :s"), {"n": count, "s": slug})
        db.session.commit()


def test_public_pages_come_from_the_cache_and_are_at_most_n_seconds_old(site):
    client, slug = Client(site["port"]), site["slug"]
    english = {"Accept-Language": "en-GB,en;q=0.9"}
    first = client.get(f"/campaigns/{slug}", headers=english)
    assert first.status == 200 and "0 have signed" in first.text
    assert first.header("X-Cache-Status") == "MISS"
    assert first.header("Cache-Control") == f"public, max-age={CACHE_SECONDS}"
    assert first.header("Set-Cookie") is None
    fetched = time.monotonic()  # the copy was made before this moment
    set_count(site["app"], slug, 321)
    second = from_the_cache(client, f"/campaigns/{slug}", headers=english)
    assert second.header("X-Cache-Status") == "HIT"
    assert "0 have signed" in second.text  # kept: the change is not shown yet ...
    # ... until the copy expires. An age is taken when a request is sent: an old count in the answer to a
    # request sent `age` seconds after the copy was made shows the copy lived that long at least, however
    # long a busy machine then takes to answer; so no bound here depends on how fast the machine is.
    seen = []
    while True:
        age = time.monotonic() - fetched
        page = client.get(f"/campaigns/{slug}", headers=english)
        if "321 have signed" in page.text:
            break
        seen.append((round(age, 2), page.header("X-Cache-Status")))
        # nginx counts expiry in whole seconds: a copy lives at most one second longer than max-age.
        assert age <= CACHE_SECONDS + 1.2, f"the count is older than PUBLIC_CACHE_SECONDS: {seen}"
        time.sleep(0.1)
    assert seen and seen[-1][0] >= CACHE_SECONDS - 1, seen  # kept for about max-age (whole seconds, polled)
    assert page.header("X-Cache-Status") in ("EXPIRED", "MISS")

    # Each language its own copy; the Dutch one from the cache the second time as well.
    dutch = client.get(f"/campaigns/{slug}", headers={"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.8"})
    assert "321 mensen hebben getekend" in dutch.text
    assert from_the_cache(client, f"/campaigns/{slug}", headers={"Accept-Language": "nl"}).header("X-Cache-Status") == "HIT"
    for path in ("/", f"/campaigns/{slug}/signers", f"/embed/{slug}", f"/campaigns/{slug}/share", "/api/v1/campaigns"):
        client.get(path)
        again = from_the_cache(client, path)
        assert again.status == 200 and again.header("X-Cache-Status") == "HIT", path
        assert again.header("Set-Cookie") is None, path
    assert client.cookies == {}


def test_a_confirmation_leads_to_a_thank_you_page_from_the_cache_and_leaves_no_session(site):
    """Two signers confirm through nginx, from the links as mailed (with ?lang=): each POST reaches the
    app and counts, and the thank-you page it leads to is the same for everyone, so nginx keeps it (a
    session cookie would make nginx pass it on to the app every time) while telling the browser to keep
    nothing; neither signer gets a session (the confirmation page needs none)."""
    app, slug = site["app"], site["slug"]
    signers = [Client(site["port"], loopback_address(site["seed"], 10 + i)) for i in range(2)]
    for i, signer in enumerate(signers):
        assert sign_through(signer, slug, f"thanks{i}@example.org").status == 303
    with app.app_context():
        ids = db.session.execute(db.text("SELECT id FROM signatures ORDER BY id")).scalars().all()
    statuses = []
    for signer, signature_id in zip(signers, ids):
        path = signature_link(app, "verify", signature_id) + "?lang=en"
        page = signer.get(path)
        assert page.status == 200 and "Confirm my signature" in page.text
        confirmed = signer.post(path, {"submit": "confirm"}, headers={"Sec-Fetch-Site": "same-origin"})
        assert confirmed.status == 303 and confirmed.header("Cache-Control") == "no-store"
        thanks = signer.get(confirmed.header("Location"))
        assert thanks.status == 200 and "Thank you, your signature is confirmed" in thanks.text
        again = from_the_cache(signer, confirmed.header("Location"))  # a reload, straight after
        statuses.append(again.header("X-Cache-Status"))
        assert again.header("Cache-Control") == "no-store" and again.header("X-Accel-Expires") is None
        assert "session" not in signer.cookies and signer.cookies.get("lang") == "en"
    assert statuses == ["HIT", "HIT"]
    with app.app_context():
        assert db.session.execute(db.text("SELECT confirmed_count FROM campaigns WHERE slug = :s"), {"s": slug}).scalar_one() == 2


def test_static_files_are_served_by_nginx(site):
    response = Client(site["port"]).get("/static/style.css")
    assert response.status == 200
    assert response.body == (PROJECT_ROOT / "static" / "style.css").read_bytes()
    assert response.header("Server").startswith("nginx")
    assert response.header("Content-Security-Policy") is None  # the app adds one to everything it serves
    assert response.header("X-Cache-Status") is None  # never asked the app
    from_the_app = Client(site["app_port"]).get("/static/style.css")
    assert from_the_app.header("Content-Security-Policy") is not None
    assert Client(site["port"]).get("/static/../wsgi.py").status in (400, 404)


def test_the_client_address_reaches_the_app(site):
    """SIGN_RATE_LIMIT is 3 a minute per client address: one address is stopped after three, another
    still signs, and claiming another address in X-Forwarded-For does not help (nginx replaces it)."""
    slug = site["slug"]
    busy = Client(site["port"], loopback_address(site["seed"], 1))
    statuses = [sign_through(busy, slug, f"busy{i}@example.org").status for i in range(3)]
    assert statuses == [303, 303, 303]
    assert sign_through(busy, slug, "busy3@example.org").status == 429
    spoofed = busy.post(f"/campaigns/{slug}/sign", {"name": "x"}, headers={"X-Forwarded-For": "10.9.8.7"})
    assert spoofed.status == 429
    other = Client(site["port"], loopback_address(site["seed"], 2))
    assert sign_through(other, slug, "other@example.org").status == 303
    assert rows(site["app"], "signatures") == 4


def test_private_pages_are_never_cached(site):
    app, slug = site["app"], site["slug"]
    confirmed_account(app, email="org@example.org")
    organizer = Client(site["port"], loopback_address(site["seed"], 3))
    login = organizer.get("/account/login?lang=en")
    answer = organizer.post("/account/login", {"email": "org@example.org", "password": "correct horse battery",
                                               "csrf_token": hidden_token(login.text)})
    assert answer.status == 302 and "session" in organizer.cookies
    for path in ("/organize/", "/organize/", f"/campaigns/{slug}", f"/campaigns/{slug}"):
        page = organizer.get(path)
        assert page.status == 200, path
        assert page.header("Cache-Control") == "no-store", path
        assert page.header("X-Cache-Status") != "HIT", path
    assert "Sign this petition" in page.text  # the public page, for someone logged in: never kept

    # my-data, behind a link in a mail (no session): no-store, so nginx never keeps it either.
    signer = Client(site["port"], loopback_address(site["seed"], 4))
    assert sign_through(signer, slug, "anna@example.org").status == 303
    with app.app_context():
        signature_id = db.session.execute(db.text("SELECT MIN(id) FROM signatures")).scalar_one()
    path = signature_link(app, "my_data", signature_id).replace("http://localhost", "")
    for _ in range(2):
        data = signer.get(path)
        assert data.status == 200 and b"anna@example.org" in data.body
        assert data.header("Cache-Control") == "no-store"
        assert data.header("X-Cache-Status") == "MISS"
    stranger = Client(site["port"], loopback_address(site["seed"], 5))
    assert stranger.get("/organize/").status == 302  # no session: the login, not someone's dashboard


# ---------------------------------------------------------------- the lang cookie in the cache key (issue 20, point 7)


def language_of(page):
    found = re.search(r'<html lang="(\w+)"', page.text)
    assert page.status == 200 and found, (page.status, page.text[:300])
    return found.group(1)


def get_with_cookie_headers(port, path, cookie_headers, accept_language=None):
    """A GET with each of cookie_headers as a Cookie header of its own (a dict of headers holds one)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("GET", path)
        for value in cookie_headers:
            connection.putheader("Cookie", value)
        if accept_language:
            connection.putheader("Accept-Language", accept_language)
        connection.endheaders()
        return Response(connection.getresponse())
    finally:
        connection.close()


def test_nginx_and_the_app_read_the_lang_cookie_alike(site):
    """nginx keeps a page per language; the language in its key must be the one the app rendered. The
    app reads only a cookie named exactly `lang` (the first, unquoted), nginx's $cookie_lang any case:
    with that in the key, `Cookie: Lang=en` put a Dutch page where `lang=en` then found it. Each visit
    below first sends a spelling the two could read differently, then the spellings browsers send
    must still get their own language. The plain spellings are kept (the key holds the cookie)."""
    port, slug = site["port"], site["slug"]
    odd_spellings = [
        # (Cookie headers of the first visitor, its Accept-Language, the language the app shows it)
        (["Lang=en"], None, "nl"),
        (["Lang=nl"], "en", "en"),
        (["lang=xx; lang=en"], None, "nl"),
        (["lang=en; lang=nl"], None, "en"),
        (['lang="en"'], None, "en"),
        (["lang = en"], None, "en"),
        (["x=1, lang=en"], None, "nl"),
        (["x=1", "lang=en"], None, "en"),  # two Cookie headers: one to the app, as nginx reads them
        (["x=1", "lang=nl"], "en", "nl"),
    ]
    for visit, (cookies, accept, shown) in enumerate(odd_spellings):
        path = f"/campaigns/{slug}?visit={visit}"
        first = get_with_cookie_headers(port, path, cookies, accept)
        assert language_of(first) == shown, cookies
        for cookie, accept_language, expected in (("lang=en", None, "en"), ("lang=nl", "en", "nl"), ("x=1; lang=en", "nl", "en"),
                                                  (None, None, "nl"), (None, "en", "en")):
            headers = {"Cookie": cookie} if cookie else {}
            if accept_language:
                headers["Accept-Language"] = accept_language
            page = from_the_cache(Client(port), path, headers=headers)
            assert language_of(page) == expected, (cookies, cookie, accept_language)
            assert page.header("X-Cache-Status") == "HIT", (cookies, cookie, accept_language)


# ---------------------------------------------------------------- bodies: 64 KiB, a scan up to 8 MB (issue 20, point 11)


def nginx_size(value):
    number, unit = re.fullmatch(r"(\d+)([km]?)", value).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit]


def test_nginx_takes_what_the_app_takes():
    """The limits have their home in the app (MAX_CONTENT_LENGTH, MAX_PAPER_BODY); nginx's must match."""
    site = (PROJECT_ROOT / "deploy" / "nginx.conf").read_text()
    limits = re.findall(r"client_max_body_size (\w+);", site)
    assert [nginx_size(limit) for limit in limits] == [Config.MAX_CONTENT_LENGTH, MAX_PAPER_BODY]
    upload = re.search(r"location ~ (\S+) \{\s*proxy_pass http://petitions_app;\s*client_max_body_size", site)
    assert upload and re.fullmatch(upload.group(1).strip("^$"), "/organize/safe-leiden/paper")


def test_a_scan_of_paper_signatures_reaches_the_app_and_a_large_form_is_refused_by_our_page(site):
    app, slug = site["app"], site["slug"]
    confirmed_account(app, email="org@example.org")
    add_organizer(app, slug, "org@example.org")
    organizer = Client(site["port"], loopback_address(site["seed"], 6))
    login = organizer.get("/account/login?lang=en")
    assert organizer.post("/account/login", {"email": "org@example.org", "password": "correct horse battery",
                                             "csrf_token": hidden_token(login.text)}).status == 302
    log = organizer.get(f"/organize/{slug}/paper?lang=en")
    assert log.status == 200
    fields = {"signatures": "40", "collected_on": "2026-01-05", "place": "Market square, Leiden", "csrf_token": hidden_token(log.text)}
    scan = b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024)
    recorded = organizer.post_multipart(f"/organize/{slug}/paper?lang=en", fields, {"scan": ("sheets.png", "image/png", scan)},
                                        headers={"Sec-Fetch-Site": "same-origin"})
    assert recorded.status == 303, recorded.text[:500]  # the app's answer: recorded
    with app.app_context():
        stored = db.session.execute(db.text("SELECT octet_length(scan) FROM paper_entries")).scalars().all()
    assert stored == [len(scan)]

    too_large = (PROJECT_ROOT / "static" / "too-large.html").read_bytes()
    huge = organizer.post_multipart(f"/organize/{slug}/paper?lang=en", fields,
                                    {"scan": ("sheets.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * (9 * 1024 * 1024))},
                                    headers={"Sec-Fetch-Site": "same-origin"})
    assert huge.status == 413 and huge.body == too_large

    # Everywhere else 64 KiB: a 1 MB signature is refused by nginx, with our page in both languages.
    signer = Client(site["port"], loopback_address(site["seed"], 7))
    page = signer.get(f"/campaigns/{slug}")
    refused = signer.post(f"/campaigns/{slug}/sign", {"name": "A" * (1024 * 1024), "email": "anna@example.org", "consent": "y",
                                                      "csrf_token": hidden_token(page.text)}, headers={"Sec-Fetch-Site": "same-origin"})
    assert refused.status == 413 and refused.body == too_large and refused.header("Content-Type") == "text/html; charset=utf-8"
    assert "Dat was te veel in één keer" in refused.text and "That was too much at once" in refused.text
    assert rows(app, "signatures") == 0
    assert rows(app, "paper_entries") == 1
