"""Nothing lost when a part dies (issue 18, points 3 and 4).

Redis down: the campaign page, signing and the rate limits keep working (the page cache misses, the
limits are counted in each process's memory, the mail waits in the outbox) while /healthz says Redis is
down; once Redis is back a worker sends the mail with nobody lifting a finger. PostgreSQL restarted:
the next request gets a fresh connection (pool pre-ping). PostgreSQL down: a 503 "service unavailable"
page in the visitor's language, with Retry-After, that keeps what was typed and sends it again.

Every Redis and PostgreSQL stopped here is a private one of this test run, on a free port."""
import logging
import os
import re
import shutil
import subprocess
import tempfile
from html import unescape

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from helpers import add_campaign, app_with_tables, free_port, make_app, rows, service_missing, sign_form, wait_for
from petition_app.extensions import db

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SIGNER = sign_form(name='Anna & "Bo" de Vries', email="anna.outage@example.org")


def form_token(page):
    return TOKEN.search(page).group(1)


def truncate_and_dispose(app):
    with app.app_context():
        db.session.remove()
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


# ---------------------------------------------------------------- Redis down


@pytest.fixture
def redis_app(migrated_postgres_url, own_redis, queue_prefix, smtp_server, tmp_path):
    """The web app as production runs it, on a Redis of this test's own: RQ queues, the page cache
    (Flask-Caching's RedisCache) and the rate limits' counters all in that Redis, form tokens checked."""
    app = make_app(
        tmp_path, migrated_postgres_url,
        REDIS_URL=own_redis.url, QUEUE_PREFIX=queue_prefix, CACHE_TYPE="RedisCache",
        RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=own_redis.url, WTF_CSRF_ENABLED=True,
        MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
    )
    yield app
    truncate_and_dispose(app)


def redis_keys(url, pattern):
    from redis import Redis

    connection = Redis.from_url(url)
    try:
        return connection.keys(pattern)
    finally:
        connection.close()


@pytest.mark.worker
def test_with_redis_down_the_page_and_signing_work_and_the_mail_goes_once_it_is_back(
    redis_app, own_redis, queue_prefix, smtp_server, worker_env, start_worker, caplog
):
    slug = add_campaign(redis_app)
    client = redis_app.test_client()
    assert client.get(f"/campaigns/{slug}?lang=en").status_code == 200
    assert redis_keys(own_redis.url, f"{queue_prefix}cache:*"), "the page was not cached in Redis"

    own_redis.stop()
    caplog.set_level(logging.WARNING, logger="petition_app.extensions")
    for _ in range(3):
        page = client.get(f"/campaigns/{slug}?lang=en")
        assert page.status_code == 200
        assert "0 have signed" in page.text and 'name="email"' in page.text and "<!--petition:" not in page.text
    warnings = [r for r in caplog.records if r.name == "petition_app.extensions" and "page cache" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]  # one per outage, not one per request

    signed = client.post(f"/campaigns/{slug}/sign?lang=en", data={**SIGNER, "csrf_token": form_token(page.text)},
                         follow_redirects=True)
    assert signed.status_code == 200 and "Check your email" in signed.text
    assert rows(redis_app, "signatures") == 1
    assert rows(redis_app, "outbox_jobs") == 1  # the job waits in the outbox for Redis

    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "down", "checks": {"database": "ok", "redis": "down"}}

    own_redis.start()  # empty: it kept nothing
    worker_env.update(REDIS_URL=own_redis.url, PERIODIC_INTERVALS="outbox=1", OUTBOX_HANDOVER_AFTER="1")
    start_worker()
    wait_for(lambda: smtp_server.messages, timeout=60, what="the confirmation mail")
    (message,) = smtp_server.messages
    assert message["To"] == SIGNER["email"]
    wait_for(lambda: rows(redis_app, "outbox_jobs") == 0, timeout=30, what="the outbox to empty")
    assert client.get("/healthz").status_code == 200


def test_with_redis_down_the_rate_limits_are_counted_in_each_process_and_still_answer_429(tmp_path, own_redis, caplog):
    app = app_with_tables(
        tmp_path, CACHE_TYPE="RedisCache", REDIS_URL=own_redis.url, RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=own_redis.url, SIGN_RATE_LIMIT="3 per minute", SIGN_SOFT_LIMITS="1 per minute",
    )
    slug = add_campaign(app)
    app.config["REDIS_URL"] = None  # the mails in-process (to the outbox folder); cache and limits stay in Redis
    own_redis.stop()
    caplog.set_level(logging.WARNING, logger="flask-limiter")

    client = app.test_client()
    answers = [
        client.post(f"/campaigns/{slug}/sign?lang=en", data=sign_form(email=f"limit{i}@example.org"))
        for i in range(4)
    ]
    assert [a.status_code for a in answers] == [303, 303, 303, 429]
    switched = [r for r in caplog.records if r.name == "flask-limiter" and "falling back to in-memory" in r.getMessage()]
    assert len(switched) == 1  # said once, in the log, not in silence
    refused = answers[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Too many requests" in refused.text and "nothing has been saved" in refused.text
    assert rows(app, "signatures") == 3
    with app.app_context():
        flagged = db.session.execute(sa.text("SELECT COUNT(*) FROM signatures WHERE review_flag = 'rate'")).scalar_one()
    assert flagged == 2  # the soft limit (1 a minute) still flags the second and third, counted here
    assert client.get(f"/campaigns/{slug}?lang=en").status_code == 200

    own_redis.start()  # the limiter finds its storage again by itself (it checks now and then)
    with app.app_context():
        db.engine.dispose()


def test_with_redis_down_a_page_that_still_needs_it_answers_503_not_500(tmp_path, own_redis):
    """The moderators' list of failed jobs reads RQ's registries in Redis: with Redis down it cannot be
    shown, and says so like any part that is down."""
    from helpers import logged_in

    app = app_with_tables(tmp_path, REDIS_URL=own_redis.url)
    moderator = logged_in(app, "mod.outage@example.org", role="admin")
    assert moderator.get("/admin/jobs?lang=en").status_code == 200
    own_redis.stop()
    page = moderator.get("/admin/jobs?lang=en")
    assert page.status_code == 503 and "the service is unavailable" in page.text
    assert page.headers["Retry-After"].isdigit() and page.headers["Cache-Control"] == "no-store"
    with app.app_context():
        db.engine.dispose()


# ---------------------------------------------------------------- PostgreSQL restarted or down


class PrivatePostgres:
    """A PostgreSQL cluster of this test module's own (initdb and pg_ctl in a temporary directory, on a
    free port), so that it can be stopped, restarted and started again. As root it runs as `postgres`."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="petition-pg-")
        self.data = os.path.join(self.root, "data")
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/petition"
        self.as_postgres = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            self.as_postgres = ["runuser", "-u", "postgres", "--"]

    def run(self, *command):
        subprocess.run([*self.as_postgres, *command], check=True, capture_output=True, timeout=120)

    def init(self):
        self.run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()
        admin = sa.create_engine(self.url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE petition"))
        admin.dispose()

    def pg_ctl(self, action, *options):
        self.run("pg_ctl", "-D", self.data, "-w", "-l", os.path.join(self.root, "log"), *options, action)

    def start(self):
        self.pg_ctl("start", "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off")

    def stop(self):
        self.pg_ctl("stop", "-m", "fast")

    def restart(self, mode="fast"):
        self.pg_ctl("restart", "-m", mode, "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off")

    def remove(self):
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def private_postgres(tmp_path_factory):
    if not shutil.which("initdb") or not shutil.which("pg_ctl"):
        service_missing("PostgreSQL's initdb and pg_ctl", "not on PATH")
    cluster = PrivatePostgres()
    try:
        cluster.init()
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        cluster.remove()
        service_missing("a private PostgreSQL cluster", getattr(exc, "stderr", exc))
    from flask_migrate import upgrade

    app = make_app(tmp_path_factory.mktemp("private-pg"), cluster.url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield cluster
    cluster.remove()


@pytest.fixture
def private_pg_app(private_postgres, tmp_path):
    """The app on the private cluster, with the engine options of production (Config's): no override."""
    app = make_app(tmp_path, private_postgres.url, WTF_CSRF_ENABLED=True)
    yield app
    if not _answers(private_postgres.url):
        private_postgres.start()
    truncate_and_dispose(app)


def _answers(url):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def test_after_a_postgresql_restart_the_next_request_gets_a_fresh_connection(private_pg_app, private_postgres):
    assert private_pg_app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping") is True
    slug = add_campaign(private_pg_app)
    client = private_pg_app.test_client()
    page = client.get(f"/campaigns/{slug}?lang=en")
    assert page.status_code == 200  # the pool now holds a connection to the old server process

    private_postgres.restart()
    page = client.get(f"/campaigns/{slug}?lang=en")
    assert page.status_code == 200 and "0 have signed" in page.text

    private_postgres.restart()
    signed = client.post(f"/campaigns/{slug}/sign?lang=en", data={**SIGNER, "csrf_token": form_token(page.text)})
    assert signed.status_code == 303
    assert rows(private_pg_app, "signatures") == 1


def retry_form(page):
    """The action and the hidden fields of the 503 page's "Try again" form, as a browser would send them."""
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', page, re.S)
    assert form, "no retry form on the page"
    fields = [(unescape(n), unescape(v)) for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', form.group(2))]
    return unescape(form.group(1)), fields


@pytest.mark.parametrize("lang, unavailable, try_again", [
    ("nl", "de dienst is niet beschikbaar", "Opnieuw proberen"),
    ("en", "the service is unavailable", "Try again"),
])
def test_with_postgresql_down_a_sign_answers_503_and_keeps_what_was_typed_to_send_again(
    private_pg_app, private_postgres, lang, unavailable, try_again
):
    slug = add_campaign(private_pg_app)
    client = private_pg_app.test_client()
    token = form_token(client.get(f"/campaigns/{slug}?lang={lang}").text)
    typed = {**SIGNER, "csrf_token": token, "password": "not-carried-back"}

    private_postgres.stop()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["checks"] == {"database": "down", "redis": "ok"}
    page = client.get(f"/campaigns/{slug}?lang={lang}")
    assert page.status_code == 503 and unavailable in page.text
    assert page.headers["Retry-After"].isdigit() and page.headers["Cache-Control"] == "no-store"

    answer = client.post(f"/campaigns/{slug}/sign?lang={lang}", data=typed)
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0 and answer.headers["Cache-Control"] == "no-store"
    assert unavailable in answer.text and try_again in answer.text
    assert "Anna &amp; &#34;Bo&#34; de Vries" in answer.text and '"Bo"' not in answer.text  # shown, escaped
    assert SIGNER["email"] in answer.text
    action, fields = retry_form(answer.text)
    assert action == f"/campaigns/{slug}/sign?lang={lang}"
    assert ("name", SIGNER["name"]) in fields and ("email", SIGNER["email"]) in fields
    assert ("csrf_token", token) in fields and ("consent", "y") in fields
    assert "password" not in dict(fields) and "not-carried-back" not in answer.text
    api = client.post(f"/api/v1/campaigns/{slug}/signatures", json={"name": "A", "email": "api@example.org", "consent": True})
    assert api.status_code == 503 and api.get_json() == {"error": "service_unavailable"} and "Retry-After" in api.headers

    private_postgres.start()
    again = client.post(action, data=MultiDict(fields), follow_redirects=True)
    assert again.status_code == 200 and again.request.path == f"/campaigns/{slug}/check-your-email"
    with private_pg_app.app_context():
        name, email = db.session.execute(sa.text(
            "SELECT r.name, s.email FROM sign_requests r JOIN signatures s ON s.id = r.signature_id"
        )).one()
    assert (name, email) == (SIGNER["name"], SIGNER["email"])


def test_with_postgresql_down_a_logged_in_organizer_gets_the_503_page_not_a_500(private_pg_app, private_postgres):
    from helpers import logged_in

    private_pg_app.config["WTF_CSRF_ENABLED"] = False  # the login form without its token, for brevity
    client = logged_in(private_pg_app, "org.outage@example.org")
    assert client.get("/organize/?lang=en").status_code == 200
    private_postgres.stop()
    page = client.get("/organize/?lang=en")
    assert page.status_code == 503 and "the service is unavailable" in page.text


def test_a_connection_lost_earlier_in_the_request_is_a_503_wherever_it_surfaces(app):
    """The soak's one 500: PostgreSQL restarted in the middle of a request, and what surfaced was not the
    driver's error itself but SQLAlchemy's "Can't reconnect until invalid transaction is rolled back", or
    an error raised from the lost connection. Both are the database being away: 503, our page."""
    import sqlalchemy.exc as sa_exc

    def pending_rollback():
        raise sa_exc.PendingRollbackError("Can't reconnect until invalid transaction is rolled back.", None, None)

    def raised_from_a_lost_connection():
        lost = sa_exc.OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"),
                                       connection_invalidated=True)
        raise RuntimeError("could not read the signature") from lost

    def plain_bug():
        raise RuntimeError("a bug")

    for name, view in (("pending", pending_rollback), ("chained", raised_from_a_lost_connection), ("bug", plain_bug)):
        app.add_url_rule(f"/test-outage/{name}", name, view)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: an error is answered, not raised to the test
    client = app.test_client()
    for name in ("pending", "chained"):
        response = client.get(f"/test-outage/{name}?lang=en")
        assert response.status_code == 503 and response.headers["Retry-After"]
        assert "Sorry, the service is unavailable" in response.text
    response = client.get("/test-outage/bug?lang=en")
    assert response.status_code == 500 and "<html" in response.text.lower()  # our page, not werkzeug's


def test_a_connection_lost_after_the_answer_was_made_still_gives_the_answer(private_pg_app, private_postgres):
    """The soak's one bare 500 (seed 537841): the view had read what it needed and made its page, then
    PostgreSQL restarted (immediate mode) before the request's end, and the session's rollback at teardown
    met the dead connection. Flask-SQLAlchemy raised that to gunicorn, which answered its own bare 500
    instead of the page. Nothing is lost there (the transaction is gone, the answer complete): the page
    goes out, and the next request reconnects."""
    slug = add_campaign(private_pg_app)

    def read_then_restart():
        found = db.session.execute(sa.text("SELECT slug FROM campaigns")).scalar_one()
        private_postgres.restart("immediate")
        return f"read {found}"

    private_pg_app.add_url_rule("/test-outage/read-then-restart", "read_then_restart", read_then_restart)
    private_pg_app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    client = private_pg_app.test_client()
    response = client.get("/test-outage/read-then-restart")
    assert response.status_code == 200 and response.text == f"read {slug}"
    assert client.get(f"/campaigns/{slug}?lang=en").status_code == 200
