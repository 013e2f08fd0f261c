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


ACCOUNT_PASSWORD = "correct horse battery"


def confirmed_account(app, email="org@example.org", password=ACCOUNT_PASSWORD, name="Safe Leiden", role="organizer"):
    """A confirmed account made directly (no mails); returns its id. Its password hash is a cheap one
    (a check reads the method from the hash), so that the many logins of the tests stay fast."""
    from werkzeug.security import generate_password_hash

    from petition_app.accounts.models import User
    from petition_app.timeutil import utcnow

    with app.app_context():
        user = User(email=email, name=name, role=role, locale="en", email_confirmed_at=utcnow())
        user.password_hash = generate_password_hash(password, method="pbkdf2:sha256:1000")
        db.session.add(user)
        db.session.commit()
        return user.id


def log_in(client, email="org@example.org", password=ACCOUNT_PASSWORD, next=None, ip=None):
    """The login form, as a browser at client address `ip` posts it."""
    url = "/account/login?lang=en" + (f"&next={next}" if next is not None else "")
    environ = {"REMOTE_ADDR": ip} if ip else {}
    return client.post(url, data={"email": email, "password": password}, environ_base=environ)
