"""Bulk mail in batch jobs that every worker shares: each batch one SMTP connection and one INSERT of its
deliveries; each signer once, in their language, however often the fan-out runs."""
import collections
import re

import pytest

from helpers import add_campaign, header, mail_html, mail_text, read_outbox, rows, seed_signers, subject, wait_for
from petition_app.extensions import db


def add_milestone(app, slug, goal):
    from petition_app.campaigns.models import Milestone
    from petition_app.campaigns.queries import public_campaign
    from petition_app.timeutil import utcnow

    with app.app_context():
        milestone = Milestone(campaign_id=public_campaign(slug).id, goal=goal, reached_at=utcnow())
        db.session.add(milestone)
        db.session.commit()
        return milestone.id


def signers(count):
    """Opted-in signers, every third in English, with names a template must escape in HTML."""
    return [
        {"email": f"fan{i}@example.org", "name": f"Fan {i} <&>", "locale": "en" if i % 3 == 0 else "nl",
         "wants_updates": True}
        for i in range(count)
    ]


@pytest.mark.worker
def test_a_milestone_to_450_signers_goes_out_in_3_batch_jobs_shared_by_two_workers(
    live_app, smtp_server, start_worker, worker_env
):
    from rq.job import Job
    from rq.registry import FinishedJobRegistry

    from petition_app.jobs import dispatch, get_queue
    from petition_app.notifications.tasks import announce_milestone

    worker_env["FANOUT_BATCH_SIZE"] = "200"
    live_app.config["FANOUT_BATCH_SIZE"] = 200
    slug = add_campaign(live_app, goals=[450, 1000])
    seed_signers(live_app, slug, signers(450) + [{"email": "quiet@example.org", "wants_updates": False}])
    milestone_id = add_milestone(live_app, slug, 450)
    workers = [start_worker(), start_worker()]
    wait_for(lambda: all("Listening on" in open(w.log_path).read() for w in workers), what="two workers")
    sessions_before = smtp_server.connections

    with live_app.app_context():
        dispatch(announce_milestone, milestone_id)
    bulk = lambda: [m for m in smtp_server.messages if m["List-Unsubscribe"]]  # noqa: E731
    wait_for(lambda: len(bulk()) >= 450, timeout=60, what="450 milestone mails")
    wait_for(lambda: rows(live_app, "deliveries") == 450, what="450 delivery records")

    by_address = collections.defaultdict(list)
    for message in bulk():
        by_address[str(message["To"])].append(message)
    assert sorted(by_address) == sorted(f"fan{i}@example.org" for i in range(450))
    assert all(len(mails) == 1 for mails in by_address.values())
    for i in (0, 1, 299, 449):
        (message,) = by_address[f"fan{i}@example.org"]
        if i % 3 == 0:
            assert subject(message).startswith("450 signatures:")
            assert f"Hello Fan {i} <&>," in mail_text(message) and "has reached 450 signatures" in mail_text(message)
        else:
            assert subject(message).startswith("450 handtekeningen:")
            assert "heeft 450 handtekeningen bereikt" in mail_text(message)
        assert f"Fan {i} &lt;&amp;&gt;" in mail_html(message)
        assert re.fullmatch(r"<http://localhost/unsubscribe/[\w.\-]+\?lang=(nl|en)>", header(message, "List-Unsubscribe"))
    assert len({m["Message-ID"] for m in bulk()}) == 450
    assert len([m for m in smtp_server.messages if m["To"] == "organizers@example.org"]) == 1
    # the organizers' mail and one connection per batch
    assert smtp_server.connections - sessions_before == 1 + 3

    with live_app.app_context():
        registry = FinishedJobRegistry(queue=get_queue("milestones"))
        wait_for(lambda: registry.count == 4, what="the announcement and its 3 batches to finish")
        jobs = Job.fetch_many(registry.get_job_ids(), connection=get_queue("milestones").connection)
        batches = [j for j in jobs if j.func_name.endswith("announce_milestone_batch")]
        ranges = sorted(tuple(j.args[1:]) for j in batches)  # (first_id, last_id) of each batch
        assert len(ranges) == 3 and all(a[1] < b[0] for a, b in zip(ranges, ranges[1:]))  # apart, in id order
        assert len({j.worker_name for j in batches}) == 2  # both workers took a share
        wait_for(lambda: db.session.execute(db.text(
            "SELECT announced_at FROM milestones WHERE id = :id"), {"id": milestone_id}).scalar(), what="announced")
        db.session.rollback()

        # running everything again sends nothing: the announcement and each batch, even as if unfinished
        db.session.execute(db.text("UPDATE milestones SET announced_at = NULL WHERE id = :id"), {"id": milestone_id})
        db.session.commit()
        dispatch(announce_milestone, milestone_id)
        for job in batches:
            get_queue("milestones").enqueue(job.func_name, *job.args)
        wait_for(lambda: registry.count == 4 + 1 + 3, what="the second run to finish")
    assert len(bulk()) == 450
    assert rows(live_app, "deliveries") == 450


def test_a_copy_made_from_the_rendered_language_says_what_a_mail_built_alone_says(app):
    """BulkMail fills in a mail rendered once per language; signing.mailing.signer_message builds one
    per signer. Both must say the same, headers and links included."""
    from email import message_from_bytes, policy

    from flask_babel import gettext

    from petition_app.notifications.mailing import BulkMail
    from petition_app.signing.mailing import signer_message
    from petition_app.signing.models import Signature

    slug = add_campaign(app)
    ids = seed_signers(app, slug, [
        {"email": "ann@example.org", "name": "Ann \"O'Neil\" <b>", "locale": "en", "wants_updates": True},
        {"email": "bo@example.org", "name": "Bo & Co", "locale": "nl", "wants_updates": True},
    ])
    with app.test_request_context():
        def subject_of(title):
            return gettext("%(goal)s signatures: %(title)s", goal="7", title=title)

        bulk = BulkMail("milestone_signer", subject_of, lambda locale: {"goal": 7, "next_goal": None, "online": 5, "paper": 2})
        for signature_id in ids:
            signature = db.session.get(Signature, signature_id)
            copy = bulk.compose(signature)
            fast = message_from_bytes(copy.data, policy=policy.default)
            slow = signer_message(signature, "milestone_signer", subject_of, bulk=True, goal=7, next_goal=None, online=5, paper=2)
            assert copy.to == signature.email
            for name in ("Subject", "From", "To", "Content-Language", "List-Unsubscribe", "List-Unsubscribe-Post",
                         "Auto-Submitted", "Precedence"):
                assert header(fast, name) == header(slow, name), name
            assert mail_text(fast) == mail_text(slow)
            assert mail_html(fast) == mail_html(slow)


def test_an_update_reaches_each_opted_in_signer_once_in_batches_and_a_second_run_sends_nothing(any_committed_app):
    """Without Redis the batch jobs run one after another in-process; the deliveries are the same."""
    from petition_app.organizers.models import Update
    from petition_app.organizers.tasks import announce_update

    any_committed_app.config["FANOUT_BATCH_SIZE"] = 4
    slug = add_campaign(any_committed_app)
    seed_signers(any_committed_app, slug, signers(10) + [
        {"email": "quiet@example.org", "wants_updates": False},
        {"email": "pending@example.org", "wants_updates": True, "confirmed": False},
    ])
    with any_committed_app.app_context():
        from petition_app.campaigns.queries import public_campaign

        update = Update(campaign_id=public_campaign(slug).id, body_nl="Nieuws voor iedereen", body_en="News for all")
        db.session.add(update)
        db.session.commit()
        update_id = update.id
        announce_update(update_id)
        announce_update(update_id)  # again: plans nothing
    mails = [m for m in read_outbox(any_committed_app) if m["List-Unsubscribe"]]
    assert sorted(str(m["To"]) for m in mails) == sorted(f"fan{i}@example.org" for i in range(10))
    english = next(m for m in mails if m["To"] == "fan0@example.org")
    dutch = next(m for m in mails if m["To"] == "fan1@example.org")
    assert "News for all" in mail_text(english) and "Nieuws voor iedereen" in mail_text(dutch)
    assert rows(any_committed_app, "deliveries") == 10


@pytest.mark.redis
def test_a_batch_lock_is_extended_while_its_holder_sends_and_a_lost_lock_says_so(app, redis_url, queue_prefix):
    """FANOUT_LOCK_SECONDS bounds a dead worker's lock, not a live batch: keep() extends it, and says
    False once the lock ran out and another job took it."""
    import time

    from petition_app.jobs import exclusive, redis_connection

    app.config.update(REDIS_URL=redis_url, QUEUE_PREFIX=queue_prefix)
    with app.app_context():
        key = f"{queue_prefix}lock:fanout:test"
        with exclusive("fanout:test", 1.0) as hold:
            assert hold
            taken = time.monotonic()
            while time.monotonic() - taken < 1.5:  # longer than the lock lasts: kept all along
                # Each time Redis says the lock has aged (a third of it gone), keep() gives it a full second again.
                wait_for(lambda: redis_connection().pttl(key) < 700, timeout=5, interval=0.02, what="the lock to age")
                assert hold.keep()
                assert redis_connection().pttl(key) > 700
                with exclusive("fanout:test", 1.0) as other:
                    assert not other and not other.keep()
            redis_connection().set(key, "another job's token", px=1000)  # as if it had run out and been taken
            assert not hold.keep() and not hold
        assert redis_connection().get(key) == b"another job's token"  # the lost lock is not released by us
        redis_connection().delete(key)


def test_a_batch_that_lost_its_lock_stops_records_what_it_sent_and_the_retry_sends_the_rest(any_committed_app):
    from petition_app.notifications.fanout import BatchBusy, run_batch, send_batch
    from petition_app.organizers.models import Update
    from petition_app.organizers.tasks import update_subject
    from petition_app.notifications.mailing import BulkMail
    from petition_app.notifications.queries import opted_in

    slug = add_campaign(any_committed_app)
    ids = seed_signers(any_committed_app, slug, signers(6))
    with any_committed_app.app_context():
        from petition_app.campaigns.queries import public_campaign

        campaign = public_campaign(slug)
        update = Update(campaign_id=campaign.id, body_nl="Nieuws", body_en="News")
        db.session.add(update)
        db.session.commit()
        bulk = BulkMail("update_to_signers", update_subject, lambda locale: {"update_text": "News", "organizer_name": "Safe Leiden"})
        answers = iter([True, True, False])  # the lock is lost before the third mail
        with pytest.raises(BatchBusy):
            send_batch("update", update.id, opted_in(campaign.id), ids[0], ids[-1], bulk, still_mine=lambda: next(answers), every=1e-9)
        assert len(read_outbox(any_committed_app)) == 2
        assert rows(any_committed_app, "deliveries") == 2  # what it sent is recorded: the retry skips them
        assert run_batch("update", update.id, opted_in(campaign.id), ids[0], ids[-1], bulk) == (4, 0)
    received = collections.Counter(str(m["To"]) for m in read_outbox(any_committed_app))
    assert sorted(received) == sorted(f"fan{i}@example.org" for i in range(6)) and set(received.values()) == {1}


def test_a_record_lost_with_the_database_is_written_again_and_nobody_gets_the_mail_twice(any_committed_app, monkeypatch):
    """Issue 18: a batch records each mail as the server accepts it. When the database goes away in the
    middle (the soak restarts PostgreSQL), the worker still knows what it sent: it writes every mail of
    the batch again once the database answers, so a later run of the fan-out sends nobody twice."""
    import sqlalchemy.exc as sa_exc

    from petition_app.notifications import fanout
    from petition_app.organizers.models import Update
    from petition_app.organizers.tasks import announce_update

    app = any_committed_app
    app.config.update(FANOUT_BATCH_SIZE=10, DATABASE_RETRY_SECONDS=5)
    slug = add_campaign(app)
    seed_signers(app, slug, signers(6))
    original = fanout._Recorder._write
    failures = []

    def lose_the_fourth(recorder, connection, outcomes):
        if len(recorder.outcomes) == 4 and not failures:
            failures.append(1)  # as if PostgreSQL crashed and took the first records with it
            with db.engine.begin() as other:
                other.execute(db.text("DELETE FROM deliveries"))
            raise sa_exc.OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))
        return original(recorder, connection, outcomes)

    monkeypatch.setattr(fanout._Recorder, "_write", lose_the_fourth)
    with app.app_context():
        from petition_app.campaigns.queries import public_campaign

        update = Update(campaign_id=public_campaign(slug).id, body_nl="Nieuws", body_en="News")
        db.session.add(update)
        db.session.commit()
        announce_update(update.id)
        assert failures == [1]
        assert rows(app, "deliveries") == 6  # the lost records were written again
        announce_update(update.id)  # a later run of the fan-out
    mails = [str(m["To"]) for m in read_outbox(app) if m["List-Unsubscribe"]]
    assert sorted(mails) == sorted(f"fan{i}@example.org" for i in range(6))  # each once
