"""Periodic work is data, run by the worker: no cron, no sweep, and once per interval however many
workers run side by side."""
import json
import subprocess
import sys
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from petition_app.config import PROJECT_ROOT
from helpers import add_campaign, free_port, rows, wait_for

GOOD = {"name": "Anna de Vries", "consent": True, "updates": False, "public": False, "locale": "en"}


def test_every_entry_of_the_schedule_names_a_job_and_an_interval(app):
    from petition_app.jobs.schedule import SCHEDULE, Periodic

    names = [entry.name for entry in SCHEDULE]
    assert len(names) == len(set(names))
    for entry in SCHEDULE:
        assert entry.interval(app.config) > timedelta(0)
        assert entry.function().path == entry.job
    assert SCHEDULE[0].interval(app.config) == timedelta(seconds=30)  # the production default for the outbox
    with pytest.raises(ValueError, match="not an @job"):
        Periodic("bad", "petition_app.jobs.dispatch_outbox", timedelta(seconds=1)).function()
    with pytest.raises(ValueError, match="has no 'nope'"):
        Periodic("bad", SCHEDULE[0].job, "nope").interval(app.config)
    with pytest.raises(ValueError, match="positive"):
        Periodic("bad", SCHEDULE[0].job, timedelta(0)).interval(app.config)


def started_log(process, text, timeout=30):
    def found():
        log = Path(process.log_path).read_text()
        assert process.poll() is None, log[-3000:]
        return text in log

    wait_for(found, timeout=timeout, what=f"{text!r} in {process.log_path}")


@pytest.fixture
def start_gunicorn(tmp_path):
    """`gunicorn wsgi:app` as production runs it, on a free port; stopped at the end of the test."""
    processes = []

    def start(env):
        port = free_port()
        log = open(tmp_path / "gunicorn.log", "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        process.log_path = log.name
        processes.append(process)
        return f"http://127.0.0.1:{port}", process

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status == 200
    except OSError:  # refused, reset or timed out while gunicorn's workers still load the app
        return False


def post_json(url, body):
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


@pytest.mark.worker
@pytest.mark.redis
@pytest.mark.postgres
def test_signatures_taken_while_redis_was_down_get_their_mail_from_the_worker_alone(
    committed_pg_app, own_redis, smtp_server, worker_env, start_worker, start_gunicorn
):
    from redis import Redis
    from rq import Queue

    prefix = worker_env["QUEUE_PREFIX"]
    committed_pg_app.config.update(REDIS_URL=own_redis.url, QUEUE_PREFIX=prefix)
    worker_env.update(
        REDIS_URL=own_redis.url, RATELIMIT_ENABLED="false", PERIODIC_INTERVALS="outbox=1", OUTBOX_HANDOVER_AFTER="1"
    )
    slug = add_campaign(committed_pg_app)
    base_url, gunicorn = start_gunicorn(worker_env)
    wait_for(lambda: answers(f"{base_url}/api/v1/campaigns/{slug}"), timeout=60, what="gunicorn to answer")
    worker = start_worker()
    started_log(worker, "periodic work: outbox every 1s")

    # Redis goes away while the worker runs a job: RQ's own loop would end the process there.
    Queue(prefix + "default", connection=Redis.from_url(own_redis.url)).enqueue("time.sleep", 3)
    started_log(worker, "time.sleep(3)")
    own_redis.stop()

    for i in range(10):
        status = post_json(f"{base_url}/api/v1/campaigns/{slug}/signatures", {**GOOD, "email": f"outage{i}@example.org"})
        assert status == 202
    assert rows(committed_pg_app, "outbox_jobs") == 10  # none reached Redis: all wait in the outbox
    started_log(worker, "starting again once Redis answers")
    assert smtp_server.messages == []

    own_redis.start()  # an empty Redis, as after a crash without persistence
    wait_for(lambda: len(smtp_server.messages) == 10, timeout=120, what="all ten confirmation mails")
    assert sorted(str(m["To"]) for m in smtp_server.messages) == sorted(f"outage{i}@example.org" for i in range(10))
    wait_for(lambda: rows(committed_pg_app, "outbox_jobs") == 0, what="the outbox to be empty")
    assert worker.poll() is None and gunicorn.poll() is None
    from petition_app.jobs.schedule import stats

    with committed_pg_app.app_context():
        assert int(stats("outbox")["runs"]) >= 1


@pytest.mark.worker
@pytest.mark.redis
@pytest.mark.postgres
def test_two_workers_run_each_periodic_job_once_per_interval(live_app, worker_env, start_worker):
    from rq.job import Job
    from rq.registry import FinishedJobRegistry

    from petition_app.jobs import get_queue, redis_connection
    from petition_app.jobs.schedule import recent_slots, stats

    interval = 2
    worker_env["PERIODIC_INTERVALS"] = f"outbox={interval}"
    workers = [start_worker(), start_worker()]
    for worker in workers:
        started_log(worker, f"periodic work: outbox every {interval}s")
    with live_app.app_context():
        # Four slots at the least, rather than a number of seconds: a busy machine only makes it take longer.
        wait_for(lambda: int(stats("outbox").get("runs", 0)) >= 4, timeout=30, what="four runs")
        seconds, microseconds = redis_connection().time()
        now = seconds + microseconds / 1_000_000
        recorded, slots = stats("outbox"), recent_slots("outbox")
        runs = int(recorded["runs"])

        assert len(slots) == len(set(slots)) == runs, slots  # never two runs in one slot
        expected = (now - min(slots) * interval) / interval  # slots begun since the first run
        assert expected - 1 <= runs <= expected + 1, (runs, expected, slots)
        assert runs >= 4
        assert recorded["every"] == str(interval)

        # the other entries (hourly by default) ran once for both workers, never once per worker
        for name in ("announcements", "reminders", "purges", "letter-purges", "held-scans", "recount"):
            other = recent_slots(name)
            assert other and len(other) == len(set(other)) == int(stats(name)["runs"]), (name, other)

        # and each hand-over ran once in one of the workers: no more jobs finished than were handed over
        finished = FinishedJobRegistry(queue=get_queue("default"))

        def finished_hand_overs():
            jobs = Job.fetch_many(finished.get_job_ids(), connection=redis_connection())
            return sum(1 for job in jobs if job is not None and job.meta.get("periodic") == "outbox")

        wait_for(lambda: finished_hand_overs() == int(stats("outbox")["runs"]), timeout=10, what="every run to finish")
    assert all(worker.poll() is None for worker in workers)
