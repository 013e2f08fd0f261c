"""A bounce is never silent (issue 23, point 3). With MAIL_BOUNCE_ADDRESS every mail's envelope sender is
a VERP address whose signed token names the mail; a delivery status notification (RFC 3464) piped to
`flask mail bounce --to <that address>` is recorded: a letter that did not arrive is shown on the
organizers' dashboard with its date and mailed to them and to the moderators; a signer's address that
bounced for good gets no more updates; soft bounces are counted. Nothing of it shows on a public page,
and no address is kept."""
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from petition_app.config import PROJECT_ROOT
from helpers import (
    add_campaign, add_organizer, hand_over_letters, logged_in, read_outbox, rows, seed_signers, subject, wait_for,
)
from petition_app import mail
from petition_app.campaigns.models import Campaign
from petition_app.extensions import db
from petition_app.timeutil import utcnow

BOUNCES = "bounces@petities.example.org"


def dsn(recipient, action="failed", status="5.1.1", original=None):
    """A delivery status notification as Postfix writes one (RFC 3464: multipart/report)."""
    return (
        "From: MAILER-DAEMON@mx.petities.example.org (Mail Delivery System)\r\n"
        f"To: {BOUNCES}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"\r\n'
        "\r\n"
        "--B1\r\n"
        "Content-Type: text/plain\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n\r\n"
        "--B1\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.petities.example.org\r\n"
        "Arrival-Date: Mon,  7 Dec 2026 04:10:00 +0000 (UTC)\r\n"
        "\r\n"
        + (f"Original-Recipient: rfc822;{original}\r\n" if original else "")
        + f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        "Remote-MTA: dns; mx.example.org\r\n"
        f"Diagnostic-Code: smtp; 550 {status} <{recipient}>: Recipient address rejected\r\n"
        "\r\n"
        "--B1\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        f"To: {recipient}\r\nSubject: whatever\r\n\r\n"
        "--B1--\r\n"
    ).encode()


def return_path(message_bytes):
    first = message_bytes.split(b"\r\n", 1)[0].decode()
    assert first.startswith("Return-Path: <"), first
    return first[len("Return-Path: <"):-1]


def outbox_files(app):
    return sorted((Path(app.instance_path) / "outbox").glob("*.eml"))


def envelope_of(app, to):
    """The Return-Path of the newest mail in the outbox to `to`."""
    for path in reversed(outbox_files(app)):
        data = path.read_bytes()
        if f"\r\nTo: {to}\r\n".encode() in data:
            return return_path(data)
    raise AssertionError(f"no mail to {to}")


def pipe(app, envelope, data):
    result = app.test_cli_runner().invoke(args=["mail", "bounce", "--to", envelope], input=data)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def bounce_app(app):
    app.config.update(MAIL_BOUNCE_ADDRESS=BOUNCES, MAIL_DEFAULT_SENDER="noreply@petities.example.org",
                      UPDATE_INTERVAL=timedelta(0))
    return app


def test_the_envelope_names_the_mail_in_a_signed_token_and_a_forged_one_is_dropped(bounce_app):
    slug = add_campaign(bounce_app)
    ids = seed_signers(bounce_app, slug, [{"email": "anna@example.org", "wants_updates": True}])
    with bounce_app.app_context():
        address = mail.envelope_sender((mail.About.SIGNATURE, ids[0]))
        assert address.startswith("bounces+s") and address.endswith("@petities.example.org")
        assert len(address.split("@")[0]) <= 64
        assert mail.read_bounce_token(address) == (mail.About.SIGNATURE, ids[0])
        forged = address.replace(f"+s{ids[0]}.", f"+s{ids[0] + 1}.")
        assert mail.read_bounce_token(forged) is None
        assert mail.read_bounce_token(BOUNCES) is None
    assert "recorded 0" in pipe(bounce_app, forged, dsn("anna@example.org"))
    assert "recorded 0" in pipe(bounce_app, BOUNCES, dsn("anna@example.org"))
    assert "recorded 0" in pipe(bounce_app, address, b"Subject: I am on holiday\r\n\r\nBack on Monday.\r\n")
    assert rows(bounce_app, "mail_bounces") == 0
    assert "recorded 1" in pipe(bounce_app, address, dsn("anna@example.org", "delayed", "4.2.2"))
    with bounce_app.app_context():
        kept = db.session.execute(sa.text("SELECT about, ref_id, address_hash, type, status FROM mail_bounces")).one()
    assert kept == ("s", ids[0], kept.address_hash, "soft", "4.2.2")
    assert "anna" not in kept.address_hash and len(kept.address_hash) == 64


def test_a_soft_bounce_is_counted_and_a_hard_one_stops_updates_to_that_address_only(bounce_app):
    from petition_app.organizers.operations import send_update

    slug = add_campaign(bounce_app)
    seed_signers(bounce_app, slug, [{"email": f"{name}@example.org", "wants_updates": True} for name in ("anna", "bo", "cas")])

    def update(text):
        with bounce_app.app_context():
            send_update(db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug)), text, text)
            db.session.commit()
        return sorted(str(m["To"]) for m in read_outbox(bounce_app) if text in m.get_body(("plain",)).get_content())

    assert update("First news.") == ["anna@example.org", "bo@example.org", "cas@example.org"]
    pipe(bounce_app, envelope_of(bounce_app, "bo@example.org"), dsn("bo@example.org", "delayed", "4.4.1"))
    pipe(bounce_app, envelope_of(bounce_app, "anna@example.org"), dsn("anna@example.org"))
    assert update("Second news.") == ["bo@example.org", "cas@example.org"]


def test_a_letter_that_bounces_is_shown_and_mailed_to_the_organizers_and_moderators_once(bounce_app):
    from petition_app.letters.operations import send_letters

    slug = add_campaign(bounce_app)
    organizer = logged_in(bounce_app, "org@example.org")
    add_organizer(bounce_app, slug, "org@example.org")
    logged_in(bounce_app, "mod@example.org", name="Moderator", role="admin")
    with bounce_app.app_context():
        send_letters(db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug)).id)
        db.session.commit()
    envelope = envelope_of(bounce_app, "mayor@example.org")
    assert pipe(bounce_app, envelope, dsn("mayor@example.org")).startswith("recorded 1 bounce(s) [hard 5.1.1]")
    pipe(bounce_app, envelope, dsn("mayor@example.org"))  # the MTA delivered the same DSN twice
    told = [m for m in read_outbox(bounce_app) if subject(m).startswith("A letter did not arrive")]
    assert sorted(str(m["To"]) for m in told) == ["mod@example.org", "org@example.org"]
    today = date.today()
    text = told[0].get_body(("plain",)).get_content()
    assert "the Mayor of Leiden did not arrive" in text and f"{today:%B} {today.day}, {today.year}" in text and "5.1.1" in text
    page = organizer.get(f"/organize/{slug}?lang=en").text
    assert "did not arrive" in page and f"returned on {today:%Y-%m-%d}" in page


def test_a_recipient_whose_letter_bounced_for_good_gets_no_reminders_and_a_delayed_one_does(bounce_app):
    slug = add_campaign(bounce_app)
    hand_over_letters(bounce_app, slug)
    pipe(bounce_app, envelope_of(bounce_app, "mayor@example.org"), dsn("mayor@example.org"))
    pipe(bounce_app, envelope_of(bounce_app, "police@example.org"),
         dsn("police@example.org", action="delayed", status="4.4.1"))
    with freeze_time(utcnow() + timedelta(days=15)):
        assert "sent 2 reminder(s)" in bounce_app.test_cli_runner().invoke(args=["sweep"]).output
    reminded = sorted(str(m["To"]) for m in read_outbox(bounce_app) if subject(m).startswith(("Reminder", "Herinnering")))
    assert reminded == ["board@example.org", "police@example.org"]


@pytest.mark.worker
@pytest.mark.redis
@pytest.mark.postgres
def test_with_a_real_worker_a_bounced_letter_reaches_the_organizers_and_a_bounced_signer_gets_no_updates(
    live_app, smtp_server, start_worker, worker_env
):
    """The mails go over SMTP from a real worker; the DSN is piped to the real command, as Postfix's
    pipe transport would run it; the mail to the organizers is sent by the worker."""
    from petition_app.letters.operations import send_letters
    from petition_app.organizers.operations import send_update

    for config in (live_app.config, worker_env):
        config.update(MAIL_BOUNCE_ADDRESS=BOUNCES, MAIL_DEFAULT_SENDER="noreply@petities.example.org")
    live_app.config["UPDATE_INTERVAL"] = timedelta(0)
    slug = add_campaign(live_app)
    seed_signers(live_app, slug, [{"email": f"{name}@example.org", "wants_updates": True, "is_public": True, "name": name.title()}
                                  for name in ("anna", "bo")])
    organizer = logged_in(live_app, "org@example.org")
    add_organizer(live_app, slug, "org@example.org")
    logged_in(live_app, "mod@example.org", name="Moderator", role="admin")
    start_worker()

    def received(to, text=""):
        return [(m, sender) for m, sender in zip(list(smtp_server.messages), list(smtp_server.senders))
                if str(m["To"]) == to and text in str(m["Subject"]) + m.get_body(("plain",)).get_content()]

    def flask_mail_bounce(envelope, data):
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "mail", "bounce", "--to", envelope],
            cwd=PROJECT_ROOT, env=worker_env, input=data, capture_output=True, timeout=60,
        )
        assert result.returncode == 0, result.stderr.decode()
        return result.stdout.decode()

    with live_app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
        send_letters(campaign.id)
        send_update(campaign, "Eerste nieuws.", "First news.")
        db.session.commit()
    letter, envelope = wait_for(lambda: next(iter(received("mayor@example.org")), None), what="the letter to the mayor")
    assert envelope.startswith("bounces+h") and envelope.endswith("@petities.example.org")
    _, anna_envelope = wait_for(lambda: next(iter(received("anna@example.org", "Eerste nieuws.")), None), what="the update to anna")
    assert anna_envelope.startswith("bounces+s")

    assert "recorded 1" in flask_mail_bounce(envelope, dsn("mayor@example.org"))
    assert "recorded 1" in flask_mail_bounce(anna_envelope, dsn("anna@example.org", status="5.2.1"))

    today = date.today()
    for person in ("org@example.org", "mod@example.org"):
        told, _ = wait_for(lambda: next(iter(received(person, "A letter did not arrive")), None), what=f"the bounce mail to {person}")
        assert f"{today.year}" in told.get_body(("plain",)).get_content()
    page = organizer.get(f"/organize/{slug}?lang=en").text
    assert "did not arrive" in page and f"returned on {today:%Y-%m-%d}" in page

    with live_app.app_context():
        send_update(db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug)), "Tweede nieuws.", "Second news.")
        db.session.commit()
    wait_for(lambda: received("bo@example.org", "Tweede nieuws."), what="the second update to bo")
    wait_for(lambda: rows(live_app, "deliveries") == 4, what="the second update recorded for both signers")
    assert len(received("anna@example.org", "nieuws.")) == 1

    # Nothing about any bounce on a public page, and the organizers never see a signer's address.
    visitor = live_app.test_client()
    for path in (f"/campaigns/{slug}?lang=en", f"/campaigns/{slug}/signers?lang=en", f"/api/v1/campaigns/{slug}",
                 f"/embed/{slug}?lang=en", f"/api/v1/campaigns/{slug}/stats/daily"):
        shown = visitor.get(path).text.lower()
        for word in ("bounce", "did not arrive", "returned", "anna@", "5.2.1"):
            assert word not in shown, (path, word)
    assert "anna@example.org" not in page and "5.2.1" not in page
