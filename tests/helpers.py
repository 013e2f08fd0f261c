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


# ---------------------------------------------------------------- organizers and moderators

PASSWORD = "correct horse battery"
CAMPAIGN_FORM = {
    "organizer_name": "Safe Leiden",
    "title_nl": "Veilig Leiden", "title_en": "Safe Leiden now",
    "summary_nl": "Studenten vragen om actie.", "summary_en": "Students ask for action.",
    "body_nl": "**Doe mee.**", "body_en": "**Join us.**",
    "goals": "3 5",
}


def logged_in(app, email, name="Safe Leiden", role="organizer"):
    """A confirmed English account made straight in the database (no mail), and a client logged in with it."""
    from petition_app.accounts.models import User
    from petition_app.timeutil import utcnow

    with app.app_context():
        user = User(name=name, email=email, role=role, locale="en", email_confirmed_at=utcnow())
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    client = app.test_client()
    assert client.post("/account/login?lang=en", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def write_campaign(app, organizer, recipients=(("Leiden University", "board@example.org", "nl"),), **fields):
    """A complete draft written through the organizer's forms, each recipient with two demands; returns its slug."""
    response = organizer.post("/organize/new?lang=en", data={**CAMPAIGN_FORM, **fields})
    assert response.status_code == 302, response.status_code
    slug = response.headers["Location"].split("/organize/")[1].split("/")[0]
    for name, email, language in recipients:
        assert organizer.post(f"/organize/{slug}/recipients", data={"name": name, "email": email, "language": language}).status_code == 302
    with app.app_context():
        ids = db.session.execute(sa.text(
            "SELECT r.id FROM recipients r JOIN campaigns c ON c.id = r.campaign_id WHERE c.slug = :s ORDER BY r.position"
        ), {"s": slug}).scalars().all()
    for index, recipient_id in enumerate(ids):
        for n in range(2):
            organizer.post(f"/organize/{slug}/recipients/{recipient_id}?action=add_demand",
                           data={"text_nl": f"Eis {index}.{n}", "text_en": f"Demand {index}.{n}"})
    return slug


def publish(app, organizer, moderator, slug):
    """Submit a draft and approve the revision the moderators' queue offers; returns its number."""
    import re

    assert organizer.post(f"/organize/{slug}/submit").status_code == 302
    queue = moderator.get("/admin/?lang=en").text
    number = int(re.search(rf'/admin/{slug}/approve".*?name="revision" value="(\d+)"', queue, re.S).group(1))
    assert moderator.post(f"/admin/{slug}/approve", data={"revision": number}).status_code == 302
    assert app.test_client().get(f"/campaigns/{slug}").status_code == 200
    return number


def campaign_status(app, slug):
    with app.app_context():
        return db.session.execute(sa.text("SELECT status FROM campaigns WHERE slug = :s"), {"s": slug}).scalar_one()
