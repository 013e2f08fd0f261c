"""Issue 18, point 5: the web process dying costs nobody a bare gateway page. Debian's nginx with
deploy/nginx.conf in front of a real gunicorn (tests/deploy_stack.py); gunicorn is killed outright
(SIGKILL, master and workers) and started again. A public page seen before is shown from nginx's kept
copy meanwhile; everything else (a form sent, a private page, a page never kept) gets our own page in
Dutch and English with status 503 and Retry-After; once gunicorn is back, fresh pages are. Plus the
systemd units that bring it back at once."""
import configparser
import random
import re
import secrets

import pytest

from deploy_stack import Client, hidden_token, loopback_address, production_env, sign_through
from helpers import add_campaign, free_port, rows, wait_for
from petition_app.config import PROJECT_ROOT
from petition_app.extensions import db

CACHE_SECONDS = 1
SERVICES = [pytest.mark.postgres, pytest.mark.redis]
DUTCH = "Sorry, de site is even niet bereikbaar"
ENGLISH = "Sorry, we could not reach the site for a moment"


@pytest.fixture
def site(committed_pg_app, redis_url, queue_prefix, stack):
    """nginx in front of one gunicorn with two workers; PUBLIC_CACHE_SECONDS=1, so that kept copies
    expire within the test."""
    slug = add_campaign(committed_pg_app)
    env = production_env(committed_pg_app.config["SQLALCHEMY_DATABASE_URI"], redis_url, queue_prefix, f"http://127.0.0.1:{free_port()}",
                         PUBLIC_CACHE_SECONDS=CACHE_SECONDS, MAIL_SERVER="")
    app_port = stack.start_gunicorn(env)
    port = stack.start_nginx([app_port])
    return {"port": port, "app_port": app_port, "env": env, "slug": slug, "app": committed_pg_app, "seed": random.randrange(10**6)}


def set_count(app, slug, count):
    with app.app_context():
        db.session.execute(db.text("UPDATE campaigns SET confirmed_count = :n WHERE slug = :s"), {"n": count, "s": slug})
        db.session.commit()


def assert_our_unavailable_page(response, what):
    assert response.status == 503, (what, response.status, response.text[:300])
    assert response.header("Retry-After") == "30", what
    assert response.header("Content-Type") == "text/html; charset=utf-8", what
    assert response.header("Cache-Control") == "no-store", what
    assert DUTCH in response.text and ENGLISH in response.text, what
    assert '<html lang="nl">' in response.text and 'lang="en"' in response.text, what
    assert "Bad Gateway" not in response.text and "<center>nginx" not in response.text, what  # nginx's own page
    assert response.body == (PROJECT_ROOT / "static" / "unavailable.html").read_bytes(), what


@pytest.mark.postgres
@pytest.mark.redis
def test_pages_seen_before_stay_up_and_everything_else_gets_our_page_while_gunicorn_is_dead(site, stack):
    app, slug, port = site["app"], site["slug"], site["port"]
    reader = Client(port, loopback_address(site["seed"], 1))
    signer = Client(port, loopback_address(site["seed"], 2))
    first = reader.get(f"/campaigns/{slug}")
    assert first.status == 200 and "0 mensen hebben getekend" in first.text
    assert first.header("X-Cache-Status") == "MISS"
    form = signer.get(f"/campaigns/{slug}")  # the sign form, as it was on the page before the crash
    token = hidden_token(form.text)

    stack.kill_gunicorn(site["app_port"])
    set_count(app, slug, 321)  # a change the kept copy cannot show

    # (a) The campaign page seen before: from nginx's copy, whole, also once it has expired (STALE).
    statuses = []

    def shown_from_an_expired_copy():
        page = reader.get(f"/campaigns/{slug}")
        statuses.append(page.header("X-Cache-Status"))
        assert page.status == 200 and page.body == first.body, (statuses, page.status, page.text[:300])
        return page.header("X-Cache-Status") == "STALE"

    wait_for(shown_from_an_expired_copy, timeout=CACHE_SECONDS + 10, interval=0.2, what="the kept copy, expired")

    # (b) A signature sent, a private page and a page never kept: our page, never nginx's own.
    sent = signer.post(f"/campaigns/{slug}/sign", {"name": "Anna de Vries", "email": "anna@example.org", "consent": "y",
                                                   "csrf_token": token}, headers={"Sec-Fetch-Site": "same-origin"})
    assert_our_unavailable_page(sent, "the sign form")
    assert_our_unavailable_page(reader.get(f"/campaigns/{slug}/share"), "a page never kept")
    assert_our_unavailable_page(reader.get("/organize/"), "a private page")
    assert_our_unavailable_page(reader.get("/privacy"), "another page never kept")
    assert rows(app, "signatures") == 0
    # a link in a mail, followed meanwhile: nginx's error lines would name its token and who followed it
    link = f"/verify/{secrets.token_urlsafe(32)}"
    assert_our_unavailable_page(signer.get(link), "a link in a mail")
    logs = "".join(path.read_text() for path in stack.folder.glob("nginx*error.log"))
    assert link.split("/")[-1] not in logs and signer.source not in logs and f"/campaigns/{slug}/sign" not in logs

    # (c) gunicorn again (as systemd does, on the same port): fresh pages, and the form works again.
    stack.start_gunicorn(site["env"], port=site["app_port"])
    wait_for(lambda: "321 mensen hebben getekend" in (page := reader.get(f"/campaigns/{slug}")).text and page.status == 200,
             timeout=CACHE_SECONDS + 10, interval=0.2, what="the fresh campaign page")
    share = reader.get(f"/campaigns/{slug}/share")
    assert share.status == 200 and DUTCH not in share.text
    assert sign_through(signer, slug, "anna@example.org").status == 303
    assert rows(app, "signatures") == 1


@pytest.mark.postgres
@pytest.mark.redis
def test_a_campaign_taken_down_is_not_shown_from_an_old_copy_while_the_app_answers(site):
    """An expired copy is shown only while the app cannot answer: a campaign hidden by a moderator
    answers 404 once its copy has expired, every time (with proxy_cache_background_update nginx would
    go on showing the old copy, fetching the uncacheable 404 behind it on each visit)."""
    app, slug = site["app"], site["slug"]
    client = Client(site["port"])
    first = client.get(f"/campaigns/{slug}")
    assert first.status == 200
    with app.app_context():
        db.session.execute(db.text("UPDATE campaigns SET status = 'hidden' WHERE slug = :s"), {"s": slug})
        db.session.commit()
    wait_for(lambda: client.get(f"/campaigns/{slug}").status == 404, timeout=CACHE_SECONDS + 3, interval=0.1,
             what="the hidden campaign's 404")
    answers = [client.get(f"/campaigns/{slug}") for _ in range(5)]
    assert [a.status for a in answers] == [404] * 5
    assert all(a.body != first.body for a in answers)


# ---------------------------------------------------------------- the systemd units


def unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None)  # systemd repeats keys (ExecStartPre)
    parser.optionxform = str  # keys keep their case
    parser.read(PROJECT_ROOT / "deploy" / name)
    return parser


@pytest.mark.parametrize("name", ["petitions-web.service", "petitions-worker@.service"])
def test_the_units_come_back_at_once_and_are_never_locked_out(name):
    parsed = unit(name)
    assert parsed["Service"]["Restart"] == "always"
    assert 0 < float(parsed["Service"]["RestartSec"]) <= 1
    # systemd stops restarting a unit that failed StartLimitBurst times within StartLimitIntervalSec;
    # 0 switches that off, so a unit that fails for a while (PostgreSQL down) comes back when it can.
    assert parsed["Unit"]["StartLimitIntervalSec"] == "0"


def test_gunicorn_finishes_its_requests_within_the_units_stop_timeout():
    """A restart waits at most graceful_timeout for requests under way; systemd must not kill gunicorn
    before that, and the gap in which nginx shows its copies stays short."""
    settings: dict = {}
    exec(compile((PROJECT_ROOT / "deploy" / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), settings)
    stop = float(re.match(r"\d+", unit("petitions-web.service")["Service"]["TimeoutStopSec"]).group())
    assert settings["graceful_timeout"] <= 10
    assert settings["graceful_timeout"] < stop
    assert settings["timeout"] >= settings["graceful_timeout"]
