"""/metrics for Prometheus (behind a bearer token) and /healthz for load balancers."""
import os
import subprocess
import sys
from datetime import timedelta

from helpers import free_port, make_app, sign, verify_path
from petition_app.config import PROJECT_ROOT
from petition_app.extensions import db

TOKEN = "a-long-random-metrics-token"


def scrape(client, token=TOKEN):
    """The samples of /metrics as {(name, ((label, value), ...)): value}."""
    from prometheus_client.parser import text_string_to_metric_families

    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert response.content_type.startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples, metric, **labels):
    return samples.get((metric, tuple(sorted(labels.items()))), 0.0)


def test_metrics_answer_404_without_a_configured_token_and_refuse_a_missing_or_wrong_one(app):
    client = app.test_client()
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 404 and response.headers["Cache-Control"] == "no-store"

    app.config["METRICS_TOKEN"] = TOKEN
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 401  # no scheme
    assert client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    assert client.get("/metrics?token=" + TOKEN).status_code == 401  # a token in a URL ends up in logs
    for wrong in (TOKEN[:-1], TOKEN + "x", "x" * 5000, "\u00e9\u00e8" + TOKEN, TOKEN.upper()):
        response = client.get("/metrics", headers={"Authorization": f"Bearer {wrong}"})
        assert response.status_code == 403, wrong[:20]
        assert response.headers["Cache-Control"] == "no-store"
    samples = scrape(client)
    assert value(samples, "petition_up", service="database") == 1


def test_counters_move_after_a_signature_and_a_confirmation_and_queues_show_their_depth(live_app, smtp_server):
    from petition_app.jobs.worker import Worker

    from petition_app.jobs import get_queue

    live_app.config["METRICS_TOKEN"] = TOKEN
    from helpers import add_campaign

    slug = add_campaign(live_app, goals=[100])
    client = live_app.test_client()
    before = scrape(client)

    assert sign(client, slug, email="metrics@example.org", follow=False).status_code == 303
    after_sign = scrape(client)
    assert value(after_sign, "petition_sign_requests_total", via="form") == value(before, "petition_sign_requests_total", via="form") + 1
    assert value(after_sign, "petition_http_requests_total", endpoint="signing.sign_campaign", method="POST", status="303") == (
        value(before, "petition_http_requests_total", endpoint="signing.sign_campaign", method="POST", status="303") + 1)
    assert value(after_sign, "petition_http_request_duration_seconds_count", endpoint="signing.sign_campaign") >= 1
    assert value(after_sign, "petition_queue_jobs", queue="mail", state="queued") == 1  # no worker yet
    assert value(after_sign, "petition_up", service="redis") == 1

    with live_app.app_context():  # a worker in this process runs the mail job
        Worker([get_queue("mail")], connection=get_queue("mail").connection).work(burst=True)
    (message,) = smtp_server.messages
    after_mail = scrape(client)
    assert value(after_mail, "petition_queue_jobs", queue="mail", state="queued") == 0
    assert value(after_mail, "petition_mails_sent_total") == value(after_sign, "petition_mails_sent_total") + 1
    assert value(after_mail, "petition_mails_failed_total") == 0

    assert "Thank you, your signature is confirmed" in client.post(verify_path(message) + "?lang=en", follow_redirects=True).text
    after_confirm = scrape(client)
    assert value(after_confirm, "petition_confirmation_posts_total") == value(after_mail, "petition_confirmation_posts_total") + 1
    assert value(after_confirm, "petition_confirmed_signatures") == value(after_mail, "petition_confirmed_signatures") + 1
    assert "metrics@example.org" not in client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text


def test_a_failed_mail_is_counted(live_app, smtp_server):
    from petition_app.jobs.worker import Worker

    from petition_app.jobs import get_queue
    from helpers import add_campaign

    live_app.config.update(METRICS_TOKEN=TOKEN, MAIL_RETRY_INTERVALS=[])
    slug = add_campaign(live_app)
    smtp_server.refuse = 1
    sign(live_app.test_client(), slug, email="refused@example.org")
    with live_app.app_context():
        Worker([get_queue("mail")], connection=get_queue("mail").connection).work(burst=True)
    samples = scrape(live_app.test_client())
    assert value(samples, "petition_mails_failed_total") == 1
    assert value(samples, "petition_mails_sent_total") == 0
    assert value(samples, "petition_jobs_given_up") == 1  # its outbox row is the record, not RQ's registry
    assert value(samples, "petition_outbox_jobs") == 0


def test_the_outbox_and_the_periodic_work_are_shown(live_app):
    from petition_app.jobs.models import OutboxJob
    from petition_app.jobs.schedule import Ticker
    from petition_app.timeutil import utcnow

    live_app.config["METRICS_TOKEN"] = TOKEN
    with live_app.app_context():
        db.session.add(OutboxJob(path="petition_app.jobs.schedule.hand_over_outbox", args=[],
                                 created_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        Ticker(live_app).tick()
    samples = scrape(live_app.test_client())
    assert value(samples, "petition_outbox_jobs") == 1
    assert 3600 <= value(samples, "petition_outbox_oldest_age_seconds") < 3700
    assert value(samples, "petition_periodic_runs_total", name="outbox") == 1
    assert value(samples, "petition_periodic_last_run_timestamp_seconds", name="outbox") > utcnow().timestamp() - 60
    assert value(samples, "petition_queue_jobs", queue="default", state="queued") >= 1


def test_healthz_answers_ok_when_the_database_and_redis_answer(live_app, app):
    for each in (live_app, app):  # with Redis, and without (a demo, where nothing needs Redis)
        response = each.test_client().get("/healthz")
        assert response.status_code == 200
        assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
        assert response.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in response.headers


def test_healthz_answers_503_when_redis_is_unreachable(pg_app, tmp_path):
    pg_app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    response = pg_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "down", "checks": {"database": "ok", "redis": "down"}}
    assert response.headers["Cache-Control"] == "no-store"

    pg_app.config["METRICS_TOKEN"] = TOKEN
    samples = scrape(pg_app.test_client())  # what can be read still is
    assert value(samples, "petition_up", service="redis") == 0
    assert value(samples, "petition_up", service="database") == 1


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    app = make_app(tmp_path, database_url=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "down", "redis": "ok"}


COUNT_REQUESTS = """
import sys
from petition_app import create_app
from petition_app.config import TestConfig
app = create_app(TestConfig, instance_path=sys.argv[1], SQLALCHEMY_DATABASE_URI="sqlite:///" + sys.argv[1] + "/x.db",
                 METRICS_TOKEN="t")
with app.app_context():
    from petition_app.extensions import db
    db.create_all()
client = app.test_client()
for _ in range(int(sys.argv[2])):
    client.get("/privacy")
if sys.argv[3] == "scrape":
    print(client.get("/metrics", headers={"Authorization": "Bearer t"}).text)
"""


def test_in_multiprocess_mode_metrics_add_up_the_requests_of_every_process(tmp_path):
    """gunicorn runs several processes: with PROMETHEUS_MULTIPROC_DIR each writes its counters there and
    any of them answers /metrics with the sum."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "PYTHONPATH": str(PROJECT_ROOT)}
    runs = [(3, "quiet"), (4, "scrape")]
    outputs = [
        subprocess.run([sys.executable, "-c", COUNT_REQUESTS, str(tmp_path), str(n), mode], env=env, cwd=PROJECT_ROOT,
                       capture_output=True, text=True, timeout=120)
        for n, mode in runs
    ]
    assert all(o.returncode == 0 for o in outputs), outputs[-1].stderr[-2000:]
    line = next(line for line in outputs[1].stdout.splitlines()
                if line.startswith("petition_http_requests_total{") and 'endpoint="campaigns.privacy"' in line)
    assert float(line.rsplit(" ", 1)[1]) == 7.0


def test_made_up_methods_and_paths_add_no_series(app):
    """A scan with made-up HTTP methods or paths must not grow /metrics by a series per word: methods
    other than GET, HEAD and POST count as "other", requests no route matched as "unmatched"."""
    app.config["METRICS_TOKEN"] = TOKEN
    client = app.test_client()

    def series():
        return {key for key in scrape(client) if key[0].startswith("petition_http_request")}

    client.open("/privacy", method="FOO0")  # each series once: a made-up method, a path no route has, both
    client.get("/made-up-0")
    client.open("/made-up-0", method="FOO0")
    series()  # (a scrape counts itself once it has answered)
    before = series()
    for n in range(1, 51):
        assert client.open("/privacy", method=f"FOO{n}").status_code == 405
        assert client.open(f"/made-up-{n}", method=f"FOO{n}").status_code in (404, 405)
        client.get(f"/made-up-{n}")
    after = series()
    assert after == before
    labels = {dict(key[1]).get("method") for key in after} - {None}
    assert labels <= {"GET", "HEAD", "POST", "other"}
    samples = scrape(client)
    assert value(samples, "petition_http_requests_total", endpoint="unmatched", method="other", status="405") >= 51
    assert value(samples, "petition_http_requests_total", endpoint="unmatched", method="GET", status="404") >= 51
