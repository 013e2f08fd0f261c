"""Acceptance: every mail goes out from a job queued after the commit, never over SMTP inside a request.

With a real worker and an SMTP server that refuses every mail (451) for a while: registering, asking
for a password reset, inviting a co-organizer, submitting for review, approving, rejecting, taking a
campaign offline and sending the letters each answer normally (no 5xx), and every one of those mails
arrives exactly once after the server accepts again, to the right address and in its language.
"""
import re
from collections import Counter
from pathlib import Path

import pytest

from helpers import (
    CAMPAIGN, PASSWORD, RECIPIENTS, drain_queues, jobs_in_flight, login, mail_text, recipients_seen, rows, stop_process,
    subject, wait_for, wait_until_idle,
)
from petition_app.extensions import db

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres]

# Long enough to outlast the outage, short enough that a mail goes out seconds after it ends.
RETRY_INTERVALS = [1, 1, 2, 2, 3, 3, 5, 5, 5, 5]

ORGANIZER = "org@example.org"  # an organizer who writes in English
MODERATOR = "mod@example.org"  # `flask admin create` makes moderators Dutch
NEWCOMER = "nieuw@example.org"  # registers on the Dutch page
FRIEND = "friend@example.org"

# (slug, English title, Dutch title)
APPROVED = ("safe-leiden-now", "Safe Leiden now", "Veilig Leiden nu")
REJECTED = ("lit-bike-paths", "Lit bike paths", "Verlichte fietspaden")
HIDDEN = ("consent-lessons", "Consent lessons", "Lessen over instemming")

# (recipient, subject, something the reader sees in the text)
EXPECTED = [
    (NEWCOMER, "Bevestig je account", "/account/confirm/"),
    (ORGANIZER, "You already have an account", "/account/reset"),
    (ORGANIZER, "Reset your password", "/account/reset/"),
    (FRIEND, f"Join the campaign “{APPROVED[1]}”", "/organize/join/"),
    *[(MODERATOR, f"Te beoordelen: {nl}", "/admin/") for _, _, nl in (APPROVED, REJECTED, HIDDEN)],
    (ORGANIZER, f"Your campaign is live: {APPROVED[1]}", f"/campaigns/{APPROVED[0]}"),
    (ORGANIZER, f"Your campaign needs changes: {REJECTED[1]}", "Please remove the name."),
    (ORGANIZER, f"Your campaign is live: {HIDDEN[1]}", f"/campaigns/{HIDDEN[0]}"),
    (ORGANIZER, f"Your campaign was taken offline: {HIDDEN[1]}", "Reported as harassment."),
    *[(email, f"Petitie: {APPROVED[2]}" if language == "nl" else f"Petition: {APPROVED[1]}", "/respond/")
      for _, email, language in RECIPIENTS],
]


def make_users(app):
    """A confirmed English organizer and a Dutch moderator, straight in the database: no mail."""
    from petition_app.accounts.models import User
    from petition_app.accounts.operations import create_admin
    from petition_app.timeutil import utcnow

    with app.app_context():
        organizer = User(name="Safe Leiden", email=ORGANIZER, role="organizer", locale="en", email_confirmed_at=utcnow())
        organizer.set_password(PASSWORD)
        db.session.add(organizer)
        moderator, _ = create_admin(MODERATOR, "Moderator")
        moderator.set_password(PASSWORD)
        db.session.commit()


def draft(app, organizer, campaign, recipients):
    """A complete draft written through the organizer's forms; returns its slug."""
    slug, title_en, title_nl = campaign
    response = organizer.post("/organize/new?lang=en", data={**CAMPAIGN, "title_en": title_en, "title_nl": title_nl})
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"].split("/organize/")[1].split("/")[0] == slug
    for name, email, language in recipients:
        organizer.post(f"/organize/{slug}/recipients", data={"name": name, "email": email, "language": language})
    with app.app_context():
        ids = db.session.execute(
            db.text("SELECT r.id FROM recipients r JOIN campaigns c ON c.id = r.campaign_id WHERE c.slug = :s"), {"s": slug}
        ).scalars().all()
    assert len(ids) == len(recipients)
    for recipient_id in ids:
        organizer.post(f"/organize/{slug}/recipients/{recipient_id}?action=add_demand",
                       data={"text_nl": "Meer licht.", "text_en": "More light."})
    return slug


def failed_jobs(app):
    from petition_app.jobs import QUEUES, get_queue

    with app.app_context():
        return sum(get_queue(name).failed_job_registry.count for name in QUEUES)


def worker_log(worker):
    return "\n".join(Path(worker.log_path).read_text().splitlines()[-40:])


def test_every_mail_outlasts_an_smtp_outage_and_arrives_exactly_once(live_app, smtp_server, start_worker, worker_env, tmp_path):
    # A request that fails answers 500, as in production, instead of raising into the test.
    live_app.config["PROPAGATE_EXCEPTIONS"] = False
    # The waits between attempts travel with each job from the process that queues it, the web app here.
    live_app.config["MAIL_RETRY_INTERVALS"] = RETRY_INTERVALS
    # For jobs the worker itself would queue; Config keeps its default unless it reads this variable.
    worker_env["MAIL_RETRY_INTERVALS"] = ",".join(map(str, RETRY_INTERVALS))
    smtp_server.outage = True
    worker = start_worker()

    make_users(live_app)
    organizer, moderator = live_app.test_client(), live_app.test_client()
    assert login(organizer, ORGANIZER).status_code == 302
    assert login(moderator, MODERATOR).status_code == 302
    slug = draft(live_app, organizer, APPROVED, RECIPIENTS)
    rejected = draft(live_app, organizer, REJECTED, RECIPIENTS[:1])
    hidden = draft(live_app, organizer, HIDDEN, RECIPIENTS[:1])

    # Every action while the server refuses; each answer is recorded, and all wrong ones reported together.
    problems = []

    def expect(step, response, text):
        statuses = [r.status_code for r in response.history] + [response.status_code]
        if response.status_code != 200 or text not in response.text:
            problems.append(f"{step}: answered {statuses}, expected 200 with {text!r}")

    visitor = live_app.test_client()
    newcomer_form = {"name": "Nieuwe Organisator", "email": NEWCOMER, "password": PASSWORD, "password_repeat": PASSWORD}
    expect("register a new address", visitor.post("/account/register?lang=nl", data=newcomer_form), "Kijk in je mail")
    taken_form = {"name": "Someone Else", "email": ORGANIZER, "password": "another long password",
                  "password_repeat": "another long password"}
    expect("register a taken address", live_app.test_client().post("/account/register?lang=nl", data=taken_form),
           "Kijk in je mail")
    expect("request a password reset", live_app.test_client().post("/account/reset?lang=en", data={"email": ORGANIZER}),
           "Check your email")
    for each in (slug, rejected, hidden):
        expect(f"submit {each} for review", organizer.post(f"/organize/{each}/submit?lang=en", follow_redirects=True),
               "A moderator will review your campaign")
    expect(f"approve {slug}", moderator.post(f"/admin/{slug}/approve?lang=en", data={"revision": 1, "confirm": "1"}, follow_redirects=True),
           "Published; the organizers are told.")
    expect("invite a co-organizer",
           organizer.post(f"/organize/{slug}/invite?lang=en", data={"email": FRIEND}, follow_redirects=True),
           "The invitation is sent.")
    reason = {"revision": 1, "reason": "accusation", "note": "Please remove the name.", "confirm": "1"}
    expect(f"reject {rejected}", moderator.post(f"/admin/{rejected}/reject?lang=en", data=reason, follow_redirects=True),
           "Sent back; the organizers are told why.")
    expect(f"approve {hidden}", moderator.post(f"/admin/{hidden}/approve?lang=en", data={"revision": 1, "confirm": "1"}, follow_redirects=True),
           "Published; the organizers are told.")
    note = {"note": "Reported as harassment.", "confirm": "1"}
    expect(f"take {hidden} offline", moderator.post(f"/admin/{hidden}/hide?lang=en", data=note, follow_redirects=True),
           "Taken offline; the organizers are told why.")
    seen = recipients_seen(organizer, slug)
    expect("send the letters", organizer.post(f"/organize/{slug}/letters/send?lang=en", data={"recipients_seen": seen},
                                              follow_redirects=True),
           "The letters are on their way to the recipients.")
    assert not problems, "answers during the SMTP outage:\n" + "\n".join(problems)
    assert smtp_server.messages == []
    with live_app.app_context():  # and each action did what it said
        statuses = dict(db.session.execute(db.text("SELECT slug, status FROM campaigns")).all())
        users = set(db.session.execute(db.text("SELECT email FROM users")).scalars())
    assert statuses == {slug: "open", rejected: "draft", hidden: "hidden"}
    assert users == {ORGANIZER, MODERATOR, NEWCOMER}
    assert rows(live_app, "handovers") == len(RECIPIENTS)

    # The worker meets the outage: every address is refused on a first try and again on a retry.
    addresses = {to for to, _, _ in EXPECTED}

    def refused_twice():
        tally = Counter(smtp_server.refused)
        return all(tally[a] >= 2 for a in addresses)

    try:
        wait_for(refused_twice, timeout=30, what="a first try and a retry of every address refused")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; refusals so far {dict(Counter(smtp_server.refused))}, expected at least 2 "
                             f"for each of {sorted(addresses)}\nworker log:\n{worker_log(worker)}") from None
    assert smtp_server.messages == []

    smtp_server.outage = False
    expected = Counter((to, title) for to, title, _ in EXPECTED)

    def arrived():
        return Counter((str(m["To"]), subject(m)) for m in list(smtp_server.messages))

    try:
        wait_for(lambda: not (expected - arrived()), timeout=60, what="every mail after the outage")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; missing {sorted(expected - arrived())}\nworker log:\n{worker_log(worker)}") from None
    wait_until_idle(live_app)
    assert worker.poll() is None  # the worker lived through the outage
    # Nothing is left that could send a mail twice: the worker stops (its last job done), and a burst
    # worker runs whatever its periodic work queued meanwhile.
    stop_process(worker)
    drain_queues(worker_env, tmp_path)
    assert jobs_in_flight(live_app) == 0

    assert arrived() == expected, f"unexpected: {arrived() - expected}, missing: {expected - arrived()}"
    assert failed_jobs(live_app) == 0, worker_log(worker)

    by_key = {(str(m["To"]), subject(m)): m for m in smtp_server.messages}
    for to, title, text in EXPECTED:
        assert text in mail_text(by_key[to, title]), (to, title)
    for _, email, language in RECIPIENTS:
        title = f"Petitie: {APPROVED[2]}" if language == "nl" else f"Petition: {APPROVED[1]}"
        attachments = [part.get_filename() for part in by_key[email, title].iter_attachments()]
        assert sorted(name.rsplit(".", 2)[1:] for name in attachments) == [["en", "pdf"], ["nl", "pdf"]], attachments

    # The links made in the worker work in the web app.
    def link(key, path):
        return re.search(rf"http://localhost(/{path}/\S+)", mail_text(by_key[key])).group(1)

    assert live_app.test_client().post(link((NEWCOMER, "Bevestig je account"), "account/confirm")).status_code == 302
    assert login(live_app.test_client(), NEWCOMER).status_code == 302
    assert live_app.test_client().get(link((ORGANIZER, "Reset your password"), "account/reset")).status_code == 200
