"""Issue 18: the database keeps every promise until it is kept. An outbox row stays until its job has
run to the end; a job handed over twice runs once; what Redis lost is handed over again by the worker
alone; check-then-act pairs cannot both pass; `flask sweep` runs exactly the schedule."""
import ast
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from helpers import add_campaign, read_outbox, rows, sign, signature_token, subject, verify_path, wait_for
from petition_app.config import PROJECT_ROOT
from petition_app.extensions import db


def outbox_rows(app):
    with app.app_context():
        return db.session.execute(sa.text("SELECT id, attempts, status, args FROM outbox_jobs ORDER BY id")).all()


def set_claim(app, row_id, seconds_from_now):
    from petition_app.timeutil import utcnow

    with app.app_context():
        db.session.execute(
            sa.text("UPDATE outbox_jobs SET claimed_until = :t WHERE id = :id"),
            {"t": utcnow() + timedelta(seconds=seconds_from_now), "id": row_id},
        )
        db.session.commit()


# ---------------------------------------------------------------- a job handed over twice runs once


def test_a_row_held_by_a_live_run_is_left_alone_and_handed_over_again_once_its_run_died(app, campaign, monkeypatch):
    from petition_app import jobs
    from petition_app.signing.tasks import send_signature_mail

    with monkeypatch.context() as patched:  # Redis took the job: nothing runs in this process
        patched.setattr(jobs, "dispatch", lambda job_fn, *args, outbox_row=None: True)
        sign(app.test_client(), campaign, lang="en")
    (row,) = outbox_rows(app)
    set_claim(app, row.id, 60)  # a worker runs it right now

    with app.app_context():
        assert jobs.dispatch_outbox(older_than=timedelta(0)) == 0  # the reconciliation leaves it
        jobs.dispatch(send_signature_mail, *row.args, outbox_row=row.id)  # a second copy from RQ
    assert read_outbox(app) == []  # the live run holds the row: the copy did nothing
    assert rows(app, "outbox_jobs") == 1

    set_claim(app, row.id, -1)  # that worker died: its lease ran out with the row still owed
    with app.app_context():
        assert jobs.dispatch_outbox(older_than=timedelta(0)) == 1
        jobs.dispatch(send_signature_mail, *row.args, outbox_row=row.id)  # and a late copy from RQ
    (message,) = read_outbox(app)
    assert subject(message).startswith("Confirm your signature")
    assert rows(app, "outbox_jobs") == 0


_CRASHES = []


def _mail_then_crash_once(to: str) -> None:
    """A job that sends its mail and then fails, as when PostgreSQL restarts before the job's commit."""
    from petition_app import mail

    mail.send([mail.build_message(to, "stories_code", "en", lambda: "Your private code", code="ABCD",
                                  status_url="http://localhost/s", campaign_title="T")])
    if not _CRASHES:
        _CRASHES.append(1)
        raise RuntimeError("server closed the connection unexpectedly")


@pytest.mark.postgres
def test_a_mail_the_server_accepted_is_not_sent_again_when_the_job_runs_again(committed_pg_app):
    """The soak's one mail sent twice: the job's commit failed after its mail went out, and its retry
    sent it again. Each mail is written down on the outbox row the moment the server accepted it
    (PostgreSQL: SQLite, the demo's database, has one write lock, held by the job itself)."""
    from petition_app import jobs

    app = committed_pg_app

    crashing = jobs.job("mail", retry="MAIL_RETRY_INTERVALS")(_mail_then_crash_once)
    app.config["MAIL_RETRY_INTERVALS"] = [0]
    _CRASHES.clear()
    with app.app_context():
        row_id = db.session.execute(
            sa.text("INSERT INTO outbox_jobs (path, args, created_at, attempts, status, mails_sent) "
                    "VALUES ('x', '[]', CURRENT_TIMESTAMP, 0, 'pending', 0) RETURNING id")
        ).scalar_one()
        db.session.commit()
        assert not jobs.dispatch(crashing, "anna@example.org", outbox_row=row_id)  # sent, then failed
        assert outbox_rows(app)[0].attempts == 1
        assert jobs.dispatch(crashing, "anna@example.org", outbox_row=row_id)  # the retry
    assert [str(m["To"]) for m in read_outbox(app)] == ["anna@example.org"]  # once
    assert rows(app, "outbox_jobs") == 0


def test_a_job_without_retry_settings_is_tried_again_and_given_up_only_after_its_last_try(app, campaign, monkeypatch):
    """Jobs that name no intervals of their own (compiling letters, planning a fan-out) use
    JOB_RETRY_INTERVALS: a database hiccup during one must not lose it."""
    from petition_app import jobs
    from petition_app.jobs.failures import failed_jobs
    from petition_app.letters import operations, tasks

    app.config["JOB_RETRY_INTERVALS"] = [0]
    calls = []

    def flaky(campaign_id, recipient_ids=None):
        calls.append(campaign_id)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(operations, "compile_letter_set", flaky)
    with app.app_context():
        jobs.enqueue_after_commit(tasks.compile_letters, 1)
        db.session.commit()  # runs in-process: the first try fails
        assert outbox_rows(app)[0].status == "pending" and failed_jobs() == []
        jobs.dispatch_outbox(older_than=timedelta(0))  # the second and last try fails too
        (failed,) = failed_jobs()
    assert calls == [1, 1] and "the database went away" in failed.error
    assert outbox_rows(app)[0].status == "given_up"


# ---------------------------------------------------------------- SMTP refusing, then Redis losing its data


@pytest.mark.worker
@pytest.mark.redis
@pytest.mark.postgres
def test_a_mail_refused_once_then_lost_by_redis_still_reaches_the_signer_without_a_command(
    committed_pg_app, own_redis, smtp_server, worker_env, start_worker
):
    """The soak's six signers without their mail: the first try met a refusing SMTP server, RQ scheduled
    the retry, and Redis then lost its data. The row stays owed, so the worker's reconciliation hands the
    job over again by itself, after the retry's wait."""
    from redis import Redis

    prefix = worker_env["QUEUE_PREFIX"]
    committed_pg_app.config.update(
        REDIS_URL=own_redis.url, QUEUE_PREFIX=prefix, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
        MAIL_RETRY_INTERVALS=[3, 3],  # travels with the job to the worker
    )
    worker_env.update(REDIS_URL=own_redis.url, PERIODIC_INTERVALS="outbox=1", OUTBOX_HANDOVER_AFTER="0")
    slug = add_campaign(committed_pg_app)
    smtp_server.refuse = 1
    start_worker()
    assert sign(committed_pg_app.test_client(), slug, lang="en", email="patient@example.org").status_code == 200
    wait_for(lambda: outbox_rows(committed_pg_app) and outbox_rows(committed_pg_app)[0].attempts == 1, what="the refused first try")
    assert smtp_server.messages == []
    Redis.from_url(own_redis.url).flushall()  # the scheduled retry is gone with everything else

    wait_for(lambda: smtp_server.recipients() == ["patient@example.org"], timeout=40, what="the confirmation mail")
    wait_for(lambda: rows(committed_pg_app, "outbox_jobs") == 0, what="nothing owed any more")
    assert smtp_server.recipients() == ["patient@example.org"]  # once
    assert subject(smtp_server.messages[0]).startswith("Confirm your signature")


@pytest.mark.worker
@pytest.mark.redis
@pytest.mark.postgres
def test_after_a_redis_outage_the_scheduler_of_retries_is_back_within_seconds(
    committed_pg_app, own_redis, worker_env, start_worker
):
    """RQ's scheduler process (it enqueues the retries that wait) ends with a Redis outage; RQ itself
    starts it again only in its maintenance run, a minute later. The worker's ticker does within seconds."""
    from redis import Redis

    from test_schedule import started_log
    from test_worker import children

    prefix = worker_env["QUEUE_PREFIX"]
    worker_env.update(REDIS_URL=own_redis.url)
    worker = start_worker()
    started_log(worker, "periodic work:")
    lock = f"rq:scheduler-lock:{prefix}mail"
    redis = Redis.from_url(own_redis.url)
    wait_for(lambda: redis.exists(lock), what="the scheduler to start")
    wait_for(lambda: children(worker.pid), what="the scheduler's process")
    started_log(worker, "Job OK")  # the first periodic job is done: the worker waits idle for the next
    own_redis.stop()
    wait_for(lambda: not children(worker.pid), timeout=60, what="the scheduler's process to end with the outage")
    own_redis.start()  # empty, as after a crash without persistence
    redis = Redis.from_url(own_redis.url)
    wait_for(lambda: redis.exists(lock), timeout=20, what="the scheduler to start again")
    assert worker.poll() is None


# ---------------------------------------------------------------- check-then-act pairs


def test_signing_again_while_the_withdrawal_receipt_is_sent_keeps_the_new_signature(any_committed_app, monkeypatch):
    """The receipt job read the signature as withdrawn, sent the receipt, and then deleted the row
    unconditionally: a signature signed again in between was lost (1 in 3 tries in the soak)."""
    from petition_app import mail
    from petition_app.signing import operations

    app = any_committed_app
    slug = add_campaign(app)
    client = app.test_client()
    sign(client, slug, lang="en")
    (confirm,) = read_outbox(app)
    client.post(verify_path(confirm) + "?lang=en")
    with app.app_context():
        signature_id = db.session.execute(sa.text("SELECT id FROM signatures")).scalar_one()
    token = signature_token(app, "withdraw", signature_id)

    original = mail.send
    signed_again = []

    def send_then_sign_again(messages):
        original(messages)
        if not signed_again and any("withdrawn" in str(m["Subject"]) for m in messages):
            signed_again.append(sign(client, slug, lang="en", follow=False).status_code)

    monkeypatch.setattr(mail, "send", send_then_sign_again)
    with app.app_context():
        operations.withdraw(token)
        db.session.commit()  # the receipt runs in-process now, and the signer signs again meanwhile
    assert signed_again == [303]
    with app.app_context():
        (withdrawn_at,) = db.session.execute(sa.text("SELECT withdrawn_at FROM signatures")).one()
    assert withdrawn_at is None  # the new signature is there, waiting for its confirmation
    new_confirm = read_outbox(app)[-1]
    assert subject(new_confirm).startswith("Confirm your signature")
    assert "confirmed" in client.post(verify_path(new_confirm) + "?lang=en", follow_redirects=True).text.lower()
    with app.app_context():
        assert db.session.execute(sa.text("SELECT confirmed_count FROM campaigns")).scalar_one() == 1


@pytest.mark.postgres
def test_a_receipt_forgetting_the_row_between_the_two_statements_of_signing_again_loses_nothing(committed_pg_app, monkeypatch):
    """The other order: signing again found the address known (its INSERT conflicted), then the receipt
    deleted the row before the UPDATE, which found nothing. PostgreSQL only: SQLite's one write lock
    makes the two transactions take turns, so there the interleaving cannot happen."""
    from petition_app.signing import operations, tasks

    app = committed_pg_app
    slug = add_campaign(app)
    client = app.test_client()
    sign(client, slug, lang="en")
    with app.app_context():
        signature_id = db.session.execute(sa.text("SELECT id FROM signatures")).scalar_one()
    token = signature_token(app, "withdraw", signature_id)
    from petition_app import jobs

    with monkeypatch.context() as patched:  # the receipt waits in Redis for now
        patched.setattr(jobs, "dispatch", lambda job_fn, *args, outbox_row=None: True)
        with app.app_context():
            operations.withdraw(token)
            db.session.commit()

    original = operations._sign_known

    def receipt_first(*args, **kwargs):
        def receipt():
            with app.app_context():
                tasks.send_withdrawal_receipt(signature_id)

        worker = threading.Thread(target=receipt)
        worker.start()
        worker.join(timeout=30)
        return original(*args, **kwargs)

    monkeypatch.setattr(operations, "_sign_known", receipt_first)
    assert sign(client, slug, lang="en", follow=False).status_code == 303
    with app.app_context():
        (count,) = db.session.execute(sa.text("SELECT COUNT(*) FROM signatures WHERE withdrawn_at IS NULL")).one()
    assert count == 1  # signed anew, not lost
    subjects = [subject(m) for m in read_outbox(app)]
    assert any(s.startswith("Your signature is withdrawn") for s in subjects)
    assert subjects[-1].startswith("Confirm your signature")


def test_two_updates_sent_at_the_same_moment_do_not_both_pass_the_limit(any_committed_app, monkeypatch):
    """One update per UPDATE_INTERVAL: two requests that both checked before either wrote used to both
    go out. The campaign's row is taken first, so the second sees the first."""
    from petition_app.campaigns.queries import campaign_by_slug
    from petition_app.organizers import updates as operations

    app = any_committed_app
    slug = add_campaign(app)
    both_checked = threading.Barrier(2, timeout=1)
    original = operations.next_update_at

    def checked_together(campaign):
        found = original(campaign)
        try:
            both_checked.wait()  # without the lock both get here before either writes
        except threading.BrokenBarrierError:
            pass
        return found

    monkeypatch.setattr(operations, "next_update_at", checked_together)
    outcomes = []

    def send(text):
        with app.app_context():
            try:
                operations.send_update(campaign_by_slug(slug), text, text)
                db.session.commit()
                outcomes.append("sent")
            except operations.UpdateTooSoon:
                db.session.rollback()
                outcomes.append("too soon")

    threads = [threading.Thread(target=send, args=(f"Nieuws {i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["sent", "too soon"]
    assert rows(app, "updates") == 1


# ---------------------------------------------------------------- one list of periodic work


def test_sweep_runs_exactly_the_schedule_in_its_order(app, runner):
    from petition_app.jobs.schedule import SCHEDULE

    result = runner.invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    assert [line.split(":")[0] for line in result.output.splitlines()] == [entry.name for entry in SCHEDULE]
    assert "stories: deleted 0 expired story submission(s)" in result.output  # left out before issue 18


def test_sweep_follows_the_schedule_when_an_entry_is_added(app, runner, monkeypatch):
    from petition_app.jobs import schedule

    extra = schedule.Periodic("again", "petition_app.jobs.schedule.hand_over_outbox", every="outbox", says="{} again")
    monkeypatch.setattr(schedule, "SCHEDULE", (*schedule.SCHEDULE, extra))
    from petition_app import cli

    monkeypatch.setattr(cli, "SCHEDULE", schedule.SCHEDULE)
    assert "again: 0 again" in runner.invoke(args=["sweep"]).output


def test_every_periodic_job_is_declared_in_the_schedule():
    """A job written as periodic ("Periodic: ..." in its docstring) but not in SCHEDULE would never run."""
    from petition_app.jobs.schedule import SCHEDULE

    declared = {entry.job for entry in SCHEDULE}
    periodic = set()
    for path in (PROJECT_ROOT / "petition_app").rglob("tasks.py"):
        module = "petition_app." + ".".join(path.relative_to(PROJECT_ROOT / "petition_app").with_suffix("").parts)
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and (ast.get_docstring(node) or "").startswith("Periodic:"):
                periodic.add(f"{module}.{node.name}")
    assert periodic and periodic <= declared, sorted(periodic - declared)


def test_two_moderators_approving_at_the_same_moment_publish_once_and_the_organizers_get_one_mail(any_committed_app, monkeypatch):
    from petition_app.admin import operations
    from petition_app.campaigns.queries import campaign_by_slug, pending_revision

    app = any_committed_app
    slug = add_campaign(app, status="pending")
    with app.app_context():
        number = pending_revision(campaign_by_slug(slug)).number
    both_read = threading.Barrier(2, timeout=1)
    original = operations.pending_revision

    def read_together(campaign):
        found = original(campaign)
        try:
            both_read.wait()  # without the lock both find the revision waiting
        except threading.BrokenBarrierError:
            pass
        return found

    monkeypatch.setattr(operations, "pending_revision", read_together)
    told = []
    queue = operations.enqueue_after_commit
    monkeypatch.setattr(operations, "enqueue_after_commit", lambda job, *args: told.append(args[1]) or queue(job, *args))
    outcomes = []

    def approve():
        with app.app_context():
            try:
                operations.approve(campaign_by_slug(slug), number)
                db.session.commit()
                outcomes.append("approved")
            except operations.RevisionOutdated:
                db.session.rollback()
                outcomes.append("already decided")

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["already decided", "approved"]
    assert told == ["campaign_approved"]  # the organizers are told once
    with app.app_context():
        statuses = db.session.execute(sa.text("SELECT status FROM campaign_revisions")).scalars().all()
    assert statuses == ["approved"]


@pytest.mark.redis
def test_rq_saying_a_job_waits_is_trusted_for_a_while_only(app, redis_url, queue_prefix):
    """The 10-minute soak's last owed rows: after Redis crashed and came back from its append-only file,
    RQ said their jobs were queued, but no queue held them. A row due for longer than JOB_LEASE_SECONDS
    is handed over again whatever RQ says (a second copy would run once: it claims the row first)."""
    from redis import Redis

    from petition_app import jobs
    from petition_app.timeutil import utcnow

    app.config.update(REDIS_URL=redis_url, QUEUE_PREFIX=queue_prefix, JOB_LEASE_SECONDS=60)
    redis = Redis.from_url(redis_url)
    with app.app_context():
        ids = []
        for age in (3600, 30):
            ids.append(db.session.execute(
                sa.text("INSERT INTO outbox_jobs (path, args, created_at, attempts, status, mails_sent) "
                        "VALUES ('petition_app.jobs.schedule.hand_over_outbox', '[]', :t, 0, 'pending', 0) RETURNING id"),
                {"t": utcnow() - timedelta(seconds=age)},
            ).scalar_one())
        db.session.commit()
        for row_id in ids:  # RQ says both wait in a queue, which holds neither
            redis.hset(f"rq:job:{jobs._rq_job_id(row_id)}", "status", "queued")
        try:
            assert jobs.dispatch_outbox(older_than=timedelta(seconds=10)) == 1  # the old one only
            queued, expected = jobs.get_queue("default").job_ids, [jobs._rq_job_id(ids[0])]
        finally:
            jobs.get_queue("default").empty()
            for row_id in ids:
                redis.delete(f"rq:job:{jobs._rq_job_id(row_id)}")
    assert queued == expected
