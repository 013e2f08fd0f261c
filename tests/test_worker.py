"""What production runs: PostgreSQL, Redis, a real `flask worker` process (rq) and a real SMTP server."""
import pytest

from helpers import add_campaign, api_count, make_admin, rows, seed_signers, sign, subject, verify_path, wait_for

pytestmark = pytest.mark.worker


def test_sign_mail_confirm_and_milestone_through_the_real_worker(live_app, smtp_server, start_worker):
    from rq.registry import FinishedJobRegistry

    from petition_app.jobs import get_queue

    slug = add_campaign(live_app, goals=[1, 2])
    worker = start_worker()
    client = live_app.test_client()

    assert sign(client, slug, lang="en", email="Anna@Example.org").status_code == 200
    messages = wait_for(lambda: smtp_server.messages, what="the confirmation mail")
    (message,) = messages
    assert message["To"] == "anna@example.org"
    assert subject(message).startswith("Confirm your signature")
    assert api_count(client, slug) == 0

    response = client.post(verify_path(message) + "?lang=en", follow_redirects=True)
    assert "Thank you, your signature is confirmed" in response.text
    assert api_count(client, slug) == 1
    assert rows(live_app, "milestones") == 1
    with live_app.app_context():
        registry = FinishedJobRegistry(queue=get_queue("milestones"))
        wait_for(lambda: registry.count == 1, what="the milestone job to finish in the worker")
    assert worker.poll() is None


def test_a_refusing_smtp_server_causes_retries_and_no_lost_or_doubled_mail(live_app, smtp_server, start_worker):
    live_app.config["MAIL_RETRY_INTERVALS"] = [1, 1, 1, 1]
    slug = add_campaign(live_app)
    smtp_server.refuse = 2
    start_worker()
    client = live_app.test_client()
    for i in range(3):
        sign(client, slug, email=f"signer{i}@example.org")
    wait_for(lambda: len(smtp_server.messages) >= 3, timeout=30, what="all three mails after the retries")
    assert smtp_server.refuse == 0
    assert sorted(m["To"] for m in smtp_server.messages) == [f"signer{i}@example.org" for i in range(3)]


def test_jobs_wait_in_redis_until_a_worker_starts(live_app, smtp_server, start_worker):
    slug = add_campaign(live_app)
    client = live_app.test_client()
    for i in range(5):
        sign(client, slug, email=f"early{i}@example.org")
    assert smtp_server.messages == []
    start_worker()
    wait_for(lambda: len(smtp_server.messages) == 5, what="five mails")
    assert len({m["To"] for m in smtp_server.messages}) == 5


def near_goal(app, opted_in=24, quiet=6, unconfirmed=4, goal=None):
    """A campaign one confirmation short of its goal, with signers in both languages."""
    confirmed = opted_in + quiet
    slug = add_campaign(app, goals=[goal or confirmed + 1])
    specs = [{"email": f"fan{i}@example.org", "locale": "nl" if i % 2 else "en", "wants_updates": True} for i in range(opted_in)]
    specs += [{"email": f"quiet{i}@example.org", "wants_updates": False} for i in range(quiet)]
    specs += [{"email": f"pending{i}@example.org", "wants_updates": True, "confirmed": False} for i in range(unconfirmed)]
    seed_signers(app, slug, specs)
    return slug, sorted([f"fan{i}@example.org" for i in range(opted_in)])


def cross_with_a_confirmation(app, slug, smtp_server):
    """The last signer signs with updates off and confirms: the milestone job goes to the worker."""
    client = app.test_client()
    sign(client, slug, email="last@example.org", updates=False)
    message = wait_for(lambda: [m for m in smtp_server.messages if m["To"] == "last@example.org"], what="the link")[0]
    assert client.post(verify_path(message), follow_redirects=True).status_code == 200


def milestone_recipients(smtp_server):
    return sorted(str(m["To"]) for m in smtp_server.messages if m["List-Unsubscribe"])


def test_a_goal_reached_mails_each_opted_in_signer_once_in_their_language(live_app, smtp_server, start_worker):
    slug, fans = near_goal(live_app)
    start_worker()
    cross_with_a_confirmation(live_app, slug, smtp_server)
    wait_for(lambda: len(milestone_recipients(smtp_server)) >= len(fans), what="the milestone mails")
    wait_for(lambda: rows(live_app, "deliveries") == len(fans), what="the delivery records")
    assert milestone_recipients(smtp_server) == fans
    announcements = [m for m in smtp_server.messages if m["List-Unsubscribe"]]
    assert len(announcements) == len(fans)
    for message in announcements:
        index = int(str(message["To"])[3:].split("@")[0])
        expected = "handtekeningen" if index % 2 else "signatures"
        assert expected in subject(message), (message["To"], subject(message))
    organizers = [m for m in smtp_server.messages if m["To"] == "organizers@example.org"]
    assert len(organizers) == 1
    # the organizers' mail, the link for the last signer, and one connection for the single batch
    assert smtp_server.connections == 3


def children(pid):
    """The processes whose parent is `pid` (Linux /proc)."""
    import pathlib

    found = []
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_a_worker_killed_mid_batch_is_followed_by_another_that_sends_the_rest_and_nobody_twice(
    live_app, smtp_server, start_worker, worker_env
):
    """Issue 18: each delivery is recorded the moment the server accepted it, and the batch's outbox row
    stays owed while the dead worker's claim runs out. A worker started afterwards hands the batch over
    again by itself (no command) and sends the rest: every signer gets the mail, nobody twice."""
    import collections
    import os
    import signal

    worker_env.update(
        FANOUT_BATCH_SIZE="10", FANOUT_LOCK_SECONDS="1", JOB_LEASE_SECONDS="2",
        PERIODIC_INTERVALS="outbox=1", OUTBOX_HANDOVER_AFTER="0",
    )
    slug, fans = near_goal(live_app, opted_in=30)
    worker = start_worker()
    smtp_server.hold_after = 1 + 1 + 12  # the link, the organizers' mail, then 12 signers: batch 2 half sent
    cross_with_a_confirmation(live_app, slug, smtp_server)
    assert smtp_server.held.wait(timeout=30), "the fan-out never reached the 13th signer"
    scheduler = children(worker.pid)  # RQ's scheduler process, which a SIGKILL of its parent leaves running
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    for pid in scheduler:
        os.kill(pid, signal.SIGTERM)
    smtp_server.release()
    first_run = [str(m["To"]) for m in smtp_server.messages if m["List-Unsubscribe"]]  # in the order sent
    assert len(first_run) == 12
    assert rows(live_app, "deliveries") == 12  # each recorded as it went, the 13th never accepted
    assert rows(live_app, "outbox_jobs") >= 1  # the dead batch (and those still waiting) are owed

    start_worker()
    wait_for(lambda: rows(live_app, "deliveries") == len(fans), what="the delivery records")
    wait_for(lambda: rows(live_app, "outbox_jobs") == 0, what="nothing owed any more")
    received = collections.Counter(milestone_recipients(smtp_server))
    assert sorted(received) == fans  # everyone
    assert max(received.values()) == 1  # nobody twice
    assert len([m for m in smtp_server.messages if m["To"] == "organizers@example.org"]) == 1


def test_a_refusing_smtp_server_during_fan_out_is_retried_and_a_bounce_is_recorded(live_app, smtp_server, start_worker):
    live_app.config["MAIL_RETRY_INTERVALS"] = [1, 1, 1, 1, 1]
    slug, fans = near_goal(live_app, opted_in=10, quiet=0, unconfirmed=0)
    smtp_server.bounce = {"fan3@example.org"}
    smtp_server.refuse = 3  # the next three messages get "451 try again later"
    start_worker()
    cross_with_a_confirmation(live_app, slug, smtp_server)
    delivered = [f for f in fans if f != "fan3@example.org"]
    wait_for(lambda: milestone_recipients(smtp_server) == delivered, timeout=30, what="all mails after the retries")
    wait_for(lambda: rows(live_app, "deliveries") == len(fans), what="the delivery records")
    with live_app.app_context():
        from petition_app.extensions import db

        failed = db.session.execute(db.text("SELECT status, error FROM deliveries WHERE status = 'failed'")).all()
    assert len(failed) == 1 and "550" in failed[0].error
    assert smtp_server.refuse == 0


def test_a_mail_that_fails_for_good_is_listed_for_admins_and_can_be_retried(live_app, smtp_server, start_worker):
    import re as _re

    live_app.config["MAIL_RETRY_INTERVALS"] = [1]
    slug = add_campaign(live_app)
    smtp_server.refuse = 2  # the first try and its one retry
    start_worker()
    sign(live_app.test_client(), slug, email="patient@example.org")
    admin = make_admin(live_app)

    def listed():
        page = admin.get("/admin/jobs?lang=en").text
        return "send_signature_mail" in page and page

    page = wait_for(listed, timeout=30, what="the failed job in the admin list")
    assert "451" in page and "patient@example.org" not in page
    job_id = _re.search(r'name="job" value="([^"]+)"', page).group(1)
    assert smtp_server.messages == []
    admin.post("/admin/jobs/retry", data={"job": job_id})
    wait_for(lambda: [m for m in smtp_server.messages if m["To"] == "patient@example.org"], what="the retried mail")
    assert "No failed jobs." in admin.get("/admin/jobs?lang=en").text



def test_a_worker_stops_listening_for_commands_within_seconds(live_app):
    """systemctl stop, or the end of a burst: RQ 3.0 listened for its commands in 60-second waits, and
    redis-py 8 waits for that listener to end, so once the listener had read the reply to its
    unsubscribing, a stop took a minute (then systemd, or a test, killed the worker)."""
    import threading

    from petition_app.jobs import get_queue
    from petition_app.jobs.worker import Worker

    with live_app.app_context():
        queue = get_queue("mail")
        worker = Worker([queue], connection=queue.connection)
        worker.subscribe()
        wait_for(lambda: worker.pubsub.subscribed, what="the subscription")
        worker.pubsub.unsubscribe()
        wait_for(lambda: not worker.pubsub.subscribed, what="the listener to read the reply")
        stopping = threading.Thread(target=worker.unsubscribe)
        stopping.start()
        stopping.join(timeout=10)
        assert not stopping.is_alive(), "the listener still ran 10 s after the worker stopped listening"
