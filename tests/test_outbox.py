"""Losing nothing: a job is written in the same transaction as its cause and survives a dead Redis or
a dead mail server until the sweep hands it over."""
import subprocess
import sys

import pytest
import sqlalchemy as sa


from petition_app.config import PROJECT_ROOT
from helpers import free_port, read_outbox, rows, sign, wait_for


def test_a_mail_that_cannot_be_sent_waits_in_the_outbox_until_the_sweep(app, campaign, runner):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_RETRY_INTERVALS=[0])  # nothing listens there
    response = sign(app.test_client(), campaign, lang="en")
    assert response.status_code == 200 and "Check your email" in response.text
    assert rows(app, "signatures") == 1 and rows(app, "outbox_jobs") == 1
    with app.app_context():  # the failed try is written down with the row, which stays owed
        from petition_app.extensions import db

        row = db.session.execute(sa.text("SELECT attempts, status, last_error FROM outbox_jobs")).one()
    assert (row.attempts, row.status) == (1, "pending") and "ConnectionRefusedError" in row.last_error

    app.config.update(MAIL_SERVER=None)  # the mail server is back (here: the outbox folder)
    from datetime import timedelta

    from petition_app.jobs import dispatch_outbox

    with app.app_context():
        assert dispatch_outbox(older_than=timedelta(0)) == 1
    assert rows(app, "outbox_jobs") == 0
    (message,) = read_outbox(app)
    assert message["To"] == "anna@example.org"


def test_a_rolled_back_change_leaves_no_job(app, campaign):
    from petition_app.extensions import db
    from petition_app.jobs import enqueue_after_commit
    from petition_app.signing.tasks import send_signature_mail

    with app.app_context():
        enqueue_after_commit(send_signature_mail, 1, "confirm", 1)
        db.session.rollback()
        db.session.commit()
    assert rows(app, "outbox_jobs") == 0 and read_outbox(app) == []



def test_a_job_waits_for_the_real_commit_not_for_a_savepoint(app, campaign, monkeypatch):
    """SQLAlchemy 2.1 calls after_commit also when a SAVEPOINT is released: a job queued before one must
    still wait for the transaction's own commit, and go with its rollback."""
    from petition_app import jobs
    from petition_app.extensions import db
    from petition_app.signing.tasks import send_signature_mail

    handed = []
    monkeypatch.setattr(jobs, "dispatch", lambda job_fn, *args, outbox_row=None: handed.append(args) or True)
    with app.app_context():
        jobs.enqueue_after_commit(send_signature_mail, 1, "confirm", 1)
        with db.session.begin_nested():
            db.session.execute(sa.text("SELECT 1"))
        assert handed == []
        db.session.rollback()
        assert handed == []

        jobs.enqueue_after_commit(send_signature_mail, 2, "confirm", 2)
        with db.session.begin_nested():
            db.session.execute(sa.text("SELECT 1"))
        assert handed == []
        db.session.commit()
    assert handed == [(2, "confirm", 2)]
    assert rows(app, "outbox_jobs") == 1  # the first job went with its rollback

@pytest.mark.worker
def test_with_redis_stopped_fifty_signatures_are_stored_and_all_mails_arrive_after_it_returns(
    committed_pg_app, own_redis, smtp_server, worker_env, start_worker
):
    from helpers import add_campaign

    committed_pg_app.config.update(REDIS_URL=own_redis.url, QUEUE_PREFIX=worker_env["QUEUE_PREFIX"])
    worker_env["REDIS_URL"] = own_redis.url
    slug = add_campaign(committed_pg_app)
    own_redis.stop()

    client = committed_pg_app.test_client()
    for i in range(50):
        response = sign(client, slug, email=f"during-outage-{i}@example.org")
        assert response.status_code == 200
    assert rows(committed_pg_app, "signatures") == 50
    assert rows(committed_pg_app, "outbox_jobs") == 50

    own_redis.start()  # returns once the server answers
    swept = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "sweep"], cwd=PROJECT_ROOT,
        env={**worker_env, "OUTBOX_HANDOVER_AFTER": "3600"}, capture_output=True, text=True, timeout=120,
    )
    # younger than OUTBOX_HANDOVER_AFTER (an hour here, so that a slow machine cannot age them): the sweep
    # leaves them to the commit that is handing them over
    assert "handed over 0 job(s)" in swept.stdout
    from datetime import timedelta

    from petition_app.jobs import dispatch_outbox

    with committed_pg_app.app_context():
        assert dispatch_outbox(older_than=timedelta(0)) == 50
    start_worker()
    wait_for(lambda: len(smtp_server.messages) == 50, timeout=60, what="all fifty confirmation mails")
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(f"during-outage-{i}@example.org" for i in range(50))
    # a job's outbox row goes once the job is done, just after its mail was accepted
    wait_for(lambda: rows(committed_pg_app, "outbox_jobs") == 0, what="the outbox to be empty")


def test_without_redis_a_failed_job_is_listed_for_admins_and_retried_from_the_outbox(app, campaign):
    from petition_app.jobs import dispatch_outbox
    from petition_app.jobs.failures import failed_jobs, retry

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_RETRY_INTERVALS=[0])
    sign(app.test_client(), campaign)
    from datetime import timedelta

    with app.app_context():
        assert failed_jobs() == []  # one try failed; one more is due
        assert dispatch_outbox(older_than=timedelta(0)) == 0  # the second try fails too: given up
        assert dispatch_outbox(older_than=timedelta(0)) == 0  # a row given up is not handed over again
        (failed,) = failed_jobs()
        assert failed.name.endswith("send_signature_mail") and "ConnectionRefusedError" in failed.error
        app.config.update(MAIL_SERVER=None)
        assert retry(failed.id)
        assert failed_jobs() == []
    assert len(read_outbox(app)) == 1


def test_once_the_mail_server_accepts_a_mail_the_mails_waiting_for_their_next_try_go_at_once(app, campaign):
    """The 10-minute soak (seed 2937200): 37 signers still waited for their mail 3 minutes after the
    last outage. Each mail had failed in two outages (4 tries), so its next try was 5 minutes ahead,
    and Redis had lost RQ's earlier retry. A mail the server accepts says it is back: the others go now."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_RETRY_INTERVALS=[300, 300])
    sign(app.test_client(), campaign, email="waiting@example.org")  # the server is down: its next try in 5 minutes
    assert rows(app, "outbox_jobs") == 1 and read_outbox(app) == []

    app.config.update(MAIL_SERVER=None)  # the server is back (here: the outbox folder)
    sign(app.test_client(), campaign, email="next@example.org")
    assert sorted(m["To"] for m in read_outbox(app)) == ["next@example.org", "waiting@example.org"]
    assert rows(app, "outbox_jobs") == 0


@pytest.mark.worker
def test_a_signature_is_one_request_transaction_and_its_job_clears_its_own_outbox_row(live_app, smtp_server, start_worker):
    """Issue 12, the lean signing path: the request commits once (its row, its request, its job) and
    runs no second transaction for the outbox; the worker deletes the row with the job's own commit,
    and the sweep leaves a row alone while its job waits in RQ."""
    from datetime import timedelta

    from petition_app.extensions import db
    from petition_app.jobs import dispatch_outbox, get_queue

    from helpers import add_campaign

    slug = add_campaign(live_app)
    client = live_app.test_client()
    commits = []
    with live_app.app_context():
        engine = db.engine
    listener = lambda conn: commits.append(1)  # noqa: E731
    sa.event.listen(engine, "commit", listener)
    try:
        for i in range(3):
            assert sign(client, slug, follow=False, email=f"lean{i}@example.org").status_code == 303
    finally:
        sa.event.remove(engine, "commit", listener)
    assert len(commits) == 3  # one transaction per request
    assert rows(live_app, "signatures") == 3 and rows(live_app, "sign_requests") == 3
    assert rows(live_app, "outbox_jobs") == 3  # each row waits for its job
    with live_app.app_context():
        assert get_queue("mail").count == 3
        assert dispatch_outbox(older_than=timedelta(0)) == 0  # their jobs wait in RQ: nothing handed over twice
        assert get_queue("mail").count == 3

    start_worker()
    wait_for(lambda: len(smtp_server.messages) == 3, what="three confirmation mails")
    wait_for(lambda: rows(live_app, "outbox_jobs") == 0, what="the jobs to clear their outbox rows")
    assert sorted(m["To"] for m in smtp_server.messages) == [f"lean{i}@example.org" for i in range(3)]
