"""DKIM (issue 23, point 2): with DKIM_SELECTOR and DKIM_PRIVATE_KEY set, every mail (built one by one or
assembled as bytes for bulk mail) carries a signature that dkimpy verifies against the record `flask
mail dns` prints; without them mail goes unsigned."""
import re
import shutil
import subprocess
from pathlib import Path

import dkim
import pytest

from helpers import add_campaign, read_outbox, seed_signers, sign
from petition_app import mail
from petition_app.extensions import db

DOMAIN = "petities.example.org"


@pytest.fixture(scope="module")
def private_key(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test key")
    path = tmp_path_factory.mktemp("dkim") / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(path), "2048"], check=True, capture_output=True)
    return path


@pytest.fixture
def signing_app(app, private_key):
    app.config.update(MAIL_DEFAULT_SENDER=f"noreply@{DOMAIN}", DKIM_SELECTOR="mail2026", DKIM_PRIVATE_KEY=str(private_key))
    return app


def published_records(app):
    """The records as `flask mail dns` prints them: {name: TXT value, the quoted strings joined}."""
    result = app.test_cli_runner().invoke(args=["mail", "dns"])
    assert result.exit_code == 0, result.output
    records = {}
    for line in result.output.splitlines():
        if line.startswith(";") or not line.strip():
            continue
        name, _, kind, value = line.split(" ", 3)
        assert kind == "TXT", line
        records[name.rstrip(".")] = "".join(re.findall(r'"([^"]*)"', value))
    return records


def stub_dns(records):
    def dnsfunc(name, timeout=5):
        return records.get(name.decode().rstrip(".")).encode()
    return dnsfunc


def test_every_mail_is_signed_and_verifies_against_the_record_flask_mail_dns_prints(signing_app):
    records = published_records(signing_app)
    assert records[f"mail2026._domainkey.{DOMAIN}"].startswith("v=DKIM1; k=rsa; p=MIIB")
    assert records[DOMAIN].startswith("v=spf1 ")
    assert records[f"_dmarc.{DOMAIN}"].startswith("v=DMARC1; p=")

    slug = add_campaign(signing_app)
    sign(signing_app.test_client(), slug, email="anna@example.org")  # a confirmation mail, built one by one
    seed_signers(signing_app, slug, [{"email": f"fan{i}@example.org", "wants_updates": True} for i in range(3)])
    with signing_app.app_context():
        from petition_app.campaigns.queries import public_campaign
        from petition_app.organizers.models import Update
        from petition_app.organizers.tasks import announce_update

        update = Update(campaign_id=public_campaign(slug).id, body_nl="Nieuws", body_en="News")
        db.session.add(update)
        db.session.commit()
        announce_update(update.id)  # bulk copies, assembled as bytes
    files = outbox_files(signing_app)
    assert len(files) == 4
    for path in files:
        data = path.read_bytes()
        assert data.count(b"DKIM-Signature:") == 1
        assert dkim.verify(data, dnsfunc=stub_dns(records)), path.name
        tags = signature_tags(data)
        assert tags["c"] == "relaxed/relaxed" and tags["d"] == DOMAIN and tags["s"] == "mail2026"
        signed = set(tags["h"].lower().split(":"))
        assert {"from", "to", "subject", "date", "message-id"} <= signed
        if b"List-Unsubscribe-Post" in data:
            assert {"list-unsubscribe", "list-unsubscribe-post"} <= signed
        # Changing the subject on the way breaks it.
        tampered = re.sub(rb"\nSubject:", b"\nSubject: Re:", data, count=1)
        assert tampered != data and not dkim.verify(tampered, dnsfunc=stub_dns(records))
    assert sum(1 for m in read_outbox(signing_app) if m["List-Unsubscribe"]) == 3


def outbox_files(app):
    return sorted((Path(app.instance_path) / "outbox").glob("*.eml"))


def signature_tags(data):
    value = re.sub(rb"\s", b"", data.split(b"DKIM-Signature:", 1)[1].split(b"\r\n", 1)[0]
                   + b"".join(re.findall(rb"\r\n([ \t][^\r\n]*)", data.split(b"DKIM-Signature:", 1)[1].split(b"\r\n\r\n")[0])))
    return dict(part.split("=", 1) for part in value.decode().strip(";").split(";"))


def test_a_record_from_another_key_does_not_verify_and_without_a_key_nothing_is_signed(signing_app, tmp_path):
    other = tmp_path / "other.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(other), "2048"], check=True, capture_output=True)
    records = published_records(signing_app)
    signing_app.config["DKIM_PRIVATE_KEY"] = str(other)
    slug = add_campaign(signing_app)
    sign(signing_app.test_client(), slug, email="anna@example.org")
    files = outbox_files(signing_app)
    assert not dkim.verify(files[-1].read_bytes(), dnsfunc=stub_dns(records))

    signing_app.config.update(DKIM_SELECTOR=None, DKIM_PRIVATE_KEY=None)
    sign(signing_app.test_client(), slug, email="bo@example.org")
    files = outbox_files(signing_app)
    assert b"DKIM-Signature" not in files[-1].read_bytes()
    result = signing_app.test_cli_runner().invoke(args=["mail", "dns"])
    assert "_domainkey" not in result.output and "DKIM_SELECTOR" in result.output
    with signing_app.app_context():
        assert mail.sender_domain() == DOMAIN
