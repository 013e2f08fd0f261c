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


MODERATOR_PASSWORD = "moderator passphrase 42"


def moderator_organizing(app, slug, email="mod@example.org"):
    """A client logged in as a moderator who also organizes the campaign `slug`: it can open every
    organizer and admin page. Made the way an operator does (`flask admin create`, then the link)."""
    import re

    from petition_app.accounts.models import User
    from petition_app.campaigns.queries import campaign_by_slug

    output = app.test_cli_runner().invoke(args=["admin", "create", email, "--name", "Moderator"]).output
    path = re.search(r"http://localhost(/account/reset/\S+)", output).group(1)
    app.test_client().post(path, data={"password": MODERATOR_PASSWORD, "password_repeat": MODERATOR_PASSWORD})
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        campaign = campaign_by_slug(slug)
        campaign.organizers.append(user)
        db.session.commit()
    client = app.test_client()
    assert client.post("/account/login", data={"email": email, "password": MODERATOR_PASSWORD}).status_code == 302
    return client
