"""What production runs: PostgreSQL, Redis, a real `flask worker` process (rq) and a real SMTP server."""
import pytest

from conftest import add_campaign, subject, verify_path, wait_for
from helpers import api_count, rows, sign

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

    response = client.post(verify_path(message) + "?lang=en")
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
