"""Small helpers the tests share: signing through the web form, reading counts as a visitor would, and
plain factories for the data tests start from (signers, organizers, moderators, milestones)."""
import re

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


# ---------------------------------------------------------------- accounts: organizers and moderators

PASSWORD = "correct horse battery"


def register(client, email="org@example.org", password=PASSWORD, name="Safe Leiden", lang="en"):
    return client.post(f"/account/register?lang={lang}", data={
        "name": name, "email": email, "password": password, "password_repeat": password,
    })


def login(client, email="org@example.org", password=PASSWORD, next=None, ip=None):
    """The login form, as a browser at client address `ip` posts it (with ?next= when given)."""
    url = "/account/login?lang=en" + (f"&next={next}" if next is not None else "")
    environ = {"REMOTE_ADDR": ip} if ip else {}
    return client.post(url, data={"email": email, "password": password}, environ_base=environ)


def confirmed_account(app, email="org@example.org", password=PASSWORD, name="Safe Leiden", role="organizer"):
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


def account_link(message, path):
    """The /account/<path>/<token> link in an account mail (confirm or reset)."""
    from conftest import mail_text

    found = re.search(rf"http://localhost(/account/{path}/[\w.\-]+)", mail_text(message))
    assert found, f"no /account/{path}/ link in the mail"
    return found.group(1)


def add_organizer(app, slug, email):
    """Make the account of `email` an organizer of the campaign `slug`."""
    from petition_app.models import Campaign, User

    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
        user = db.session.scalar(sa.select(User).where(User.email == email))
        assert campaign is not None and user is not None, (slug, email)
        campaign.organizers.append(user)
        db.session.commit()


def make_organizer(app, email="org@example.org", name="Safe Leiden", campaigns=()):
    """An organizer as one becomes one: registered, confirmed through the mailed link and logged in.
    Returns the logged-in client; the account organizes the campaigns named by slug in `campaigns`."""
    from conftest import read_outbox

    client = app.test_client()
    register(client, email=email, name=name)
    message = [m for m in read_outbox(app) if m["To"] == email][-1]
    client.post(account_link(message, "confirm"))
    assert login(client, email).status_code == 302
    for slug in campaigns:
        add_organizer(app, slug, email)
    return client


def make_admin(app, email="mod@example.org", name="Moderator"):
    """A moderator as one becomes one: `flask admin create`, a password chosen through the printed link,
    then logged in. Returns the logged-in client."""
    result = app.test_cli_runner().invoke(args=["admin", "create", email, "--name", name])
    found = re.search(r"http://localhost(/account/reset/\S+)", result.output)
    assert found, result.output
    app.test_client().post(found.group(1), data={"password": PASSWORD, "password_repeat": PASSWORD})
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


# ---------------------------------------------------------------- campaign history


def make_milestone(app, slug, goal, reached_at=None):
    """A goal recorded as reached (as if the count had crossed it), without announcing it."""
    from petition_app.campaigns.queries import public_campaign
    from petition_app.models import Milestone

    with app.app_context():
        campaign = public_campaign(slug)
        fields = {"reached_at": reached_at} if reached_at is not None else {}
        milestone = Milestone(campaign_id=campaign.id, goal=goal, **fields)
        db.session.add(milestone)
        db.session.commit()
        return milestone.id


# A campaign as an organizer types it into the editor, and its recipients.
CAMPAIGN = {
    "organizer_name": "Safe Leiden",
    "title_nl": "Veilig Leiden", "title_en": "Safe Leiden now",
    "summary_nl": "Studenten vragen om actie.", "summary_en": "Students ask for action.",
    "body_nl": "**Doe mee.**", "body_en": "**Join us.**",
    "goals": "3 5",
}
CAMPAIGN_FORM = CAMPAIGN
RECIPIENTS = [("Leiden University", "board@example.org", "nl"), ("Mayor of Leiden", "mayor@example.org", "nl"),
              ("Leiden Police", "police@example.org", "en")]


def moderator_organizing(app, slug, email="mod@example.org"):
    """A client logged in as a moderator who also organizes the campaign `slug`: it can open every
    organizer and admin page."""
    client = make_admin(app, email)
    add_organizer(app, slug, email)
    return client



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
    assert moderator.post(f"/admin/{slug}/approve", data={"revision": number, "confirm": "1"}).status_code == 302
    assert app.test_client().get(f"/campaigns/{slug}").status_code == 200
    return number


def campaign_status(app, slug):
    with app.app_context():
        return db.session.execute(sa.text("SELECT status FROM campaigns WHERE slug = :s"), {"s": slug}).scalar_one()


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


def moderator_client(app, email="mod@example.org"):
    """A client logged in as a moderator made with `flask admin create` (who then chose a password)."""
    return make_admin(app, email)
