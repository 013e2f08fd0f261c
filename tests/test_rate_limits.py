"""Hard rate limits as a person meets them: a 429 says in words, in their language, when to try again,
and carries Retry-After; production counts the limits in Redis, shared by every process, and refuses to
start without it."""
import math
import os
import re
import subprocess
import sys
import uuid

import pytest
from flask import Blueprint
from werkzeug.exceptions import TooManyRequests

from helpers import add_campaign, app_with_tables, read_outbox, require_redis, rows, sign, verify_path
from petition_app import create_app
from petition_app.config import PROJECT_ROOT, TestConfig
from petition_app.extensions import db


def limited_app(tmp_path, **config):
    app = app_with_tables(tmp_path, RATELIMIT_ENABLED=True, **config)
    app.slug = add_campaign(app)
    return app


def retry_after(response):
    value = response.headers["Retry-After"]
    assert value.isdigit(), value  # seconds, as every client reads it
    return int(value)


def test_a_429_says_when_to_try_again_in_dutch_and_english_and_carries_retry_after(tmp_path):
    app = limited_app(tmp_path, SIGN_RATE_LIMIT="2 per minute", SIGN_SOFT_LIMITS="100 per minute")
    client = app.test_client()
    for i in range(2):
        assert sign(client, app.slug, email=f"s{i}@example.org").status_code == 200

    dutch = sign(client, app.slug, email="nl@example.org", lang="nl")
    assert dutch.status_code == 429
    seconds = retry_after(dutch)
    assert 1 <= seconds <= 60
    assert "Te veel verzoeken" in dutch.text
    assert "Er is niets opgeslagen" in dutch.text
    assert re.search(rf"Probeer het over {seconds} seconden? opnieuw\.", dutch.text)

    english = sign(client, app.slug, email="en@example.org", lang="en")
    assert english.status_code == 429
    seconds = retry_after(english)
    assert "Too many requests" in english.text and "nothing has been saved" in english.text
    assert re.search(rf"Please try again in {seconds} seconds?\.", english.text)
    assert english.headers["Cache-Control"] == "no-store"  # a POST answer

    api = client.post(f"/api/v1/campaigns/{app.slug}/signatures", json={"name": "A", "email": "api@example.org", "consent": True})
    assert api.status_code == 429 and api.get_json() == {"error": "too_many_requests"}
    assert 1 <= retry_after(api) <= 60
    assert rows(app, "signatures") == 2


def test_a_long_wait_is_told_in_minutes(tmp_path):
    app = limited_app(tmp_path, SIGN_RATE_LIMIT="1 per hour", SIGN_SOFT_LIMITS="100 per minute")
    client = app.test_client()
    assert sign(client, app.slug, email="first@example.org").status_code == 200
    response = sign(client, app.slug, email="second@example.org", lang="en")
    assert response.status_code == 429
    seconds = retry_after(response)
    assert 3000 < seconds <= 3600
    assert f"Please try again in {math.ceil(seconds / 60)} minutes." in response.text


def test_links_in_mails_answer_429_with_retry_after_too(tmp_path):
    app = limited_app(tmp_path, LINK_RATE_LIMIT="2 per minute", SIGN_SOFT_LIMITS="100 per minute")
    client = app.test_client()
    sign(client, app.slug, email="anna@example.org")
    path = verify_path(read_outbox(app)[-1])
    statuses = [client.get(f"{path}?lang=en").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = client.get(f"{path}?lang=en")
    assert 1 <= retry_after(response) <= 60 and "Please try again in" in response.text
    assert response.headers["Cache-Control"] == "no-store"  # a private link's page, even as a 429


def test_a_429_raised_by_a_view_keeps_its_own_retry_after(app):
    """Throttles of our own (login delays) say how long themselves; a bare 429 says a minute."""
    demo = Blueprint("throttle_demo", __name__)

    @demo.route("/throttle-demo/<int:seconds>")
    def throttled(seconds):
        raise TooManyRequests(retry_after=seconds or None)

    app.register_blueprint(demo)
    client = app.test_client()
    response = client.get("/throttle-demo/300?lang=en")
    assert response.status_code == 429 and retry_after(response) == 300
    assert "Please try again in 5 minutes." in response.text
    response = client.get("/throttle-demo/0?lang=nl")
    assert response.status_code == 429 and retry_after(response) == 60
    assert "Probeer het over 60 seconden opnieuw." in response.text


# ---------------------------------------------------------------- production: limits shared through Redis


def test_production_refuses_to_start_without_redis(tmp_path):
    with pytest.raises(RuntimeError, match="REDIS_URL must be set when APP_ENV=production"):
        create_app(TestConfig, instance_path=tmp_path / "instance", APP_ENV="production", REDIS_URL=None)


def test_production_without_redis_url_stops_the_process_with_a_clear_message(tmp_path):
    """As gunicorn or `flask` would load it: the environment alone, no REDIS_URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "DATABASE_", "MAIL_"))}
    env.update(APP_ENV="production", SECRET_KEY="a-long-random-secret-for-this-test", DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}",
               STORIES_KEY="c3Rvcmllcy1rZXktZm9yLXRoZS1wcm9kdWN0aW9uLXRlc3Q")  # production needs it too
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert "REDIS_URL must be set when APP_ENV=production" in result.stderr
    env["REDIS_URL"] = "redis://127.0.0.1:6379/0"  # nothing is asked of Redis at start-up
    started = subprocess.run([sys.executable, "-c", "import wsgi; print(wsgi.app.config['RATELIMIT_STORAGE_URI'])"],
                             cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "redis://127.0.0.1:6379/0"


def test_in_production_the_limits_are_counted_in_redis(tmp_path):
    from redis import Redis

    url = require_redis()
    prefix = f"test-limits-{uuid.uuid4().hex[:8]}"
    app = create_app(
        TestConfig, instance_path=tmp_path / "instance", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'test.db'}",
        APP_ENV="production", REDIS_URL=url, RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=prefix,
        SIGN_RATE_LIMIT="2 per minute", SIGN_SOFT_LIMITS="100 per minute",
    )
    app.config["REDIS_URL"] = None  # mails in-process for this test; the limits stay in Redis
    assert app.config["RATELIMIT_STORAGE_URI"] == url  # not memory://, which each process would count apart
    with app.app_context():
        db.create_all()
    slug = add_campaign(app)
    redis = Redis.from_url(url)
    try:
        statuses = [sign(app.test_client(), slug, email=f"r{i}@example.org").status_code for i in range(3)]
        assert statuses == [200, 200, 429]
        assert redis.keys(f"*{prefix}*"), "the counter is not in Redis"
    finally:
        for key in redis.keys(f"*{prefix}*"):
            redis.delete(key)
        redis.close()
