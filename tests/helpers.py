"""Small helpers the tests share: signing through the web form, reading counts as a visitor would."""
import sqlalchemy as sa

from petition_app.extensions import db


def sign_form(name="Anna de Vries", email="anna@example.org", city="Leiden", consent=True, updates=False, public=False):
    data = {"name": name, "email": email, "city": city}
    if consent:
        data["consent"] = "y"
    if updates:
        data["updates"] = "y"
    if public:
        data["public"] = "y"
    return data


def sign(client, slug, follow=True, lang=None, **fields):
    url = f"/campaigns/{slug}/sign" + (f"?lang={lang}" if lang else "")
    return client.post(url, data=sign_form(**fields), follow_redirects=follow)


def api_count(client, slug):
    response = client.get(f"/api/v1/campaigns/{slug}")
    assert response.status_code == 200
    return response.get_json()["signature_count"]


def rows(app, table):
    with app.app_context():
        return db.session.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


def seed_signers(app, slug, specs):
    """Insert signatures directly, each spec a dict of Signature fields; confirmed ones raise the count.
    Returns the ids in order."""
    from petition_app.campaigns.queries import public_campaign
    from petition_app.signing.models import Signature
    from petition_app.timeutil import utcnow

    with app.app_context():
        campaign = public_campaign(slug)
        signatures = []
        for i, spec in enumerate(specs):
            fields = {"name": f"Signer {i}", "email": f"signer{i}@example.org", "locale": "nl", **spec}
            if fields.pop("confirmed", True):
                fields.setdefault("confirmed_at", utcnow())
            signatures.append(Signature(campaign_id=campaign.id, **fields))
        db.session.add_all(signatures)
        campaign.confirmed_count += sum(1 for s in signatures if s.confirmed_at is not None)
        db.session.commit()
        return [s.id for s in signatures]


LINK_PATHS = {"verify": "verify", "withdraw": "withdraw", "my_data": "my-data", "unsubscribe": "unsubscribe"}


def signature_token(app, purpose, signature_id):
    """The token of a link from a signer's mails (verify, withdraw, my_data, unsubscribe), as we would
    mail it, for a signature inserted directly; a confirmation link confirms the signature's own details."""
    from petition_app.signing.mailing import link_token, verify_token
    from petition_app.signing.models import Signature
    from petition_app.signing.operations import request_from_signature

    with app.app_context():
        signature = db.session.get(Signature, signature_id)
        if purpose != "verify":
            return link_token(signature, purpose)
        token = verify_token(signature, request_from_signature(signature))
        db.session.commit()
        return token


def signature_link(app, purpose, signature_id):
    """The path of such a link, e.g. /withdraw/<token>."""
    return f"/{LINK_PATHS[purpose]}/{signature_token(app, purpose, signature_id)}"


MODERATOR_PASSWORD = "correct horse battery"


def moderator_client(app, email="mod@example.org"):
    """A client logged in as a moderator made with `flask admin create` (who then chose a password)."""
    import re

    result = app.test_cli_runner().invoke(args=["admin", "create", email])
    path = re.search(r"http://localhost(/account/reset/\S+)", result.output).group(1)
    app.test_client().post(path, data={"password": MODERATOR_PASSWORD, "password_repeat": MODERATOR_PASSWORD})
    client = app.test_client()
    client.post("/account/login?lang=en", data={"email": email, "password": MODERATOR_PASSWORD})
    return client
