"""Every page a visitor, an organizer, a moderator and a recipient see, and every mail, in Dutch at a
count of 1 (issue 14, point 4): no "1 mensen", and none of a fixed list of English words that leaked
before (a recipient's English name, the English platform name). Text marked lang="en" (the English half
of the share kit, an English demand beside the Dutch one in the organizers' forms) is English on
purpose and not read."""
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from helpers import PASSWORD, add_campaign, login, mail_html, mail_text, read_outbox, verify_path
from petition_app import mail
from petition_app.accounts.models import User
from petition_app.accounts.operations import register, request_password_reset
from petition_app.admin import operations as moderation
from petition_app.campaigns.models import Campaign
from petition_app.campaigns.operations import snapshot
from petition_app.config import PROJECT_ROOT
from petition_app.extensions import db
from petition_app.letters.mailing import answer_url
from petition_app.letters.operations import send_letters
from petition_app.organizers.operations import invite, propose_correction, send_update, submit_for_review
from petition_app.responses.operations import claim_due_reminders
from petition_app.rules.revisions import ChangeLine
from petition_app.timeutil import utcnow

LEAKS = ("Mayor", "University", "Petitions")
ONE_PEOPLE = re.compile(r"\b1\s+mensen\b")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
MAIL_TEMPLATES = sorted(p.stem for p in (PROJECT_ROOT / "templates" / "email").glob("*.txt") if not p.stem.startswith("_"))


class DutchText(HTMLParser):
    """The text of a page as a Dutch reader meets it: without scripts, styles and lang="en" parts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.parts = [], []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        # A textarea holds what is being edited (the English summary in a correction form), not the page's words.
        skip = (self.stack and self.stack[-1][1]) or tag in ("script", "style", "textarea") or dict(attrs).get("lang") == "en"
        self.stack.append((tag, bool(skip)))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not (self.stack and self.stack[-1][1]):
            self.parts.append(data)


def dutch_text(html):
    parser = DutchText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def assert_dutch(where, text):
    assert not ONE_PEOPLE.search(text), f"{where}: {ONE_PEOPLE.search(text).group(0)!r} in …{text[max(0, ONE_PEOPLE.search(text).start() - 80):ONE_PEOPLE.search(text).end() + 40]}…"
    for word in LEAKS:
        at = text.find(word)
        assert at < 0, f"{where}: {word!r} in …{text[max(0, at - 80):at + 60]}…"


@pytest.fixture
def rendered_mails(monkeypatch):
    """The template of every mail built from here on."""
    used = []
    build = mail.build_message

    def recording(to, template, locale, subject, headers=None, **context):
        used.append((template, locale))
        return build(to, template, locale, subject, headers, **context)

    monkeypatch.setattr(mail, "build_message", recording)
    return used


def dutch_user(email, role="organizer", name="Sanne"):
    user = User(name=name, email=email, role=role, locale="nl", email_confirmed_at=utcnow())
    user.set_password(PASSWORD)
    db.session.add(user)
    return user


def test_every_page_and_every_mail_in_dutch_counts_formally_and_leaks_no_english(app, rendered_mails):
    slug = add_campaign(app, goals=[1, 2], closes_at=date.today() + timedelta(days=60))
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
        campaign.organizer_language = "nl"
        campaign.organizers.append(dutch_user("sanne@example.org"))
        dutch_user("mod@example.org", role="admin", name="Moderator")
        db.session.commit()
    pages = {}
    visitor = app.test_client()

    def page(client, name, path, status=200):
        response = client.get(path)
        assert response.status_code == status, (name, path, response.status_code)
        if response.mimetype == "text/html":  # the signer's data comes as JSON
            pages[name] = response.text
        return response.text

    # ------------------------------------------------ a visitor signs (twice), confirms and reaches goal 1
    page(visitor, "home", "/?lang=nl")
    page(visitor, "campaign-0", f"/campaigns/{slug}")
    sign = {"name": "Anna de Vries", "email": "anna@example.org", "city": "Leiden", "consent": "y", "updates": "y", "public": "y"}
    visitor.post(f"/campaigns/{slug}/sign", data=sign)
    page(visitor, "check-your-email", f"/campaigns/{slug}/check-your-email")
    confirm = next(m for m in read_outbox(app) if "/verify/" in mail_text(m))
    page(visitor, "verify", verify_path(confirm))
    response = visitor.post(verify_path(confirm), follow_redirects=True)
    pages["confirmed"] = response.text
    assert response.status_code == 200 and "1 persoon heeft getekend" in response.text
    visitor.post(f"/campaigns/{slug}/sign", data=sign)  # "you have already signed"
    for name, path in (("privacy", "/privacy"), ("share", f"/campaigns/{slug}/share"), ("signers", f"/campaigns/{slug}/signers"),
                       ("embed", f"/embed/{slug}")):
        page(visitor, name, path)
    page(visitor, "not-found", "/campaigns/no-such-campaign", status=404)
    links = {path: re.search(rf"https?://[^\s\"<>]+(/{path}/[^\s\"<>]+)", mail_text(m)) for m in read_outbox(app) for path in ("my-data", "unsubscribe", "withdraw")}
    for path, found in links.items():
        if found:
            page(visitor, f"signer-{path}", found.group(1))

    # ------------------------------------------------ the organizers: pages, news, an invitation, letters, a correction
    organizer = app.test_client()
    organizer.get("/?lang=nl")
    assert login(organizer, "sanne@example.org").status_code == 302
    for name, path in (("organizer-home", "/organize/"), ("dashboard", f"/organize/{slug}"), ("correct", f"/organize/{slug}/correct"),
                       ("send-letters", f"/organize/{slug}/letters/send"), ("organizer-preview", f"/organize/{slug}/preview")):
        page(organizer, name, path)
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
        send_update(campaign, "Er is nieuws.", "There is news.")
        invite(campaign, db.session.scalar(sa.select(User).where(User.email == "sanne@example.org")), "kees@example.org")
        db.session.commit()
        send_letters(campaign.id)
        db.session.commit()
        mayor = next(r for r in campaign.recipients if r.key == "mayor")
        respond = answer_url(mayor).split("//", 1)[1].split("/", 1)[1]
    recipient = app.test_client()
    page(recipient, "respond", "/" + respond)
    with app.app_context():
        first = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug)).recipients[1].demands[0].id
    assert recipient.post("/" + respond, data={f"status_{first}": "accepted", f"text_{first}": "Wij beginnen in januari.", "language": "nl"}).status_code == 200
    with app.app_context():
        claim_due_reminders(utcnow() + timedelta(days=60))
        db.session.commit()
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
        for change in ("(nu)", "(later)"):
            content = snapshot(campaign)
            content["title"] = {lang: f"{text} {change}" for lang, text in content["title"].items()}
            number = propose_correction(campaign, content)
            db.session.commit()
            if change == "(nu)":
                moderation.approve(campaign, number)
            else:
                moderation.reject(campaign, number, "incomplete", "Graag duidelijker.")
            db.session.commit()

    # ------------------------------------------------ moderators: the queue, a campaign approved, one sent back, one taken offline
    moderator = app.test_client()
    moderator.get("/?lang=nl")
    assert login(moderator, "mod@example.org").status_code == 302
    for n in range(3):
        add_campaign(app, slug=f"other-{n}", status="draft")
    with app.app_context():
        for n in range(3):
            other = db.session.scalar(sa.select(Campaign).where(Campaign.slug == f"other-{n}"))
            other.organizers.append(db.session.scalar(sa.select(User).where(User.email == "sanne@example.org")))
            submit_for_review(other)
        db.session.commit()
    for name, path in (("queue", "/admin/"), ("jobs", "/admin/jobs"), ("clusters", "/admin/clusters"),
                       ("moderator-preview", "/admin/other-0/preview"), ("invalidate", f"/admin/{slug}/invalidate")):
        page(moderator, name, path)
    # the registry of recipients (issue 21): the moderators' pages and the public ones
    registry = app.instance_path + "/registry.yaml"
    with open(registry, "w", encoding="utf-8") as file:
        file.write("- {key: leiden-university, name: {nl: Universiteit Leiden, en: Leiden University}, email: board@example.org}\n")
    assert app.test_cli_runner().invoke(args=["recipients", "import", registry]).exit_code == 0
    for name, path in (("registry", "/admin/recipients/"), ("registry-entry", "/admin/recipients/leiden-university"),
                       ("registry-new", "/admin/recipients/new"), ("registry-edit", "/admin/recipients/leiden-university/edit")):
        page(moderator, name, path)
    for name, path in (("recipients", "/recipients/"), ("recipient-page", "/recipients/leiden-university")):
        page(visitor, name, path)
    with app.app_context():
        approve, reject, hide = (db.session.scalar(sa.select(Campaign).where(Campaign.slug == f"other-{n}")) for n in range(3))
        moderation.approve(approve, 1)
        moderation.reject(reject, 1, "incomplete", "Graag duidelijker.")
        moderation.approve(hide, 1)
        db.session.commit()
        moderation.hide(hide, "Tijdelijk offline.")
        db.session.commit()

    # ------------------------------------------------ accounts in Dutch
    with app.app_context():
        register("Kees", "kees@example.org", PASSWORD, "nl")
        db.session.commit()
        register("Kees", "kees@example.org", PASSWORD, "nl")  # "you already have an account"
        db.session.commit()
        request_password_reset("sanne@example.org")
        db.session.commit()
    for name, path in (("login", "/account/login"), ("register", "/account/register"), ("reset-request", "/account/reset")):
        page(app.test_client(), name, path + "?lang=nl")

    # ------------------------------------------------ the campaign page with its answer and correction; the signer withdraws
    page(visitor, "campaign-1", f"/campaigns/{slug}")
    assert "De burgemeester van Leiden beantwoordde 1 van de 4 eisen" in pages["campaign-1"]
    assert "gecorrigeerd: de titel" in pages["campaign-1"]
    withdraw = links["withdraw"].group(1) if links.get("withdraw") else None
    if withdraw:
        visitor.post(withdraw)

    # ------------------------------------------------ the mails no flow above sends: stories and clusters
    with app.app_context(), app.test_request_context():
        title = "Samen voor een veilig Leiden"
        extra = [
            ("stories_code", {"code": "ABCD-EFGH", "status_url": "http://x/s", "campaign_title": title}),
            ("stories_new", {"name": "Sanne", "campaign_title": title, "queue_url": "http://x/q", "new": 2}),
            ("stories_overdue_team", {"name": "Sanne", "campaign_title": title, "number": 1, "deadline": date.today(), "submission_url": "http://x/1"}),
            ("stories_overdue_moderators", {"name": "Sanne", "campaign_title": title, "number": 1, "deadline": date.today(), "submission_url": "http://x/1"}),
            ("letter_bounced", {"name": "Sanne", "campaign_title": title, "bounced_at": utcnow(), "status": "5.1.1",
                                "recipient": SimpleNamespace(display_name=lambda locale: "de burgemeester van Leiden"),
                                "correct_url": "http://x/correct", "dashboard_url": "http://x/d"}),
            ("correction_to_signers", {
                "signature": SimpleNamespace(name="Sanne"), "organizer_name": "Veilig Leiden", "campaign_title": title,
                "lines": [ChangeLine("demand", "de burgemeester van Leiden", 1, "vóór 1 maart", "vóór 1 april")],
                "withdraw_url": "http://x/w", "campaign_url": "http://x/c", "unsubscribe_url": "http://x/u",
                "data_url": "http://x/d", "privacy_url": "http://x/p"}),
            ("clusters_found", {"name": "Sanne", "campaign_title": title, "minutes": 10, "clusters_url": "http://x/c",
                                "clusters": [SimpleNamespace(kind="ip", shown="1 adres", size=1)]}),
        ]
        built = [mail.build_message("x@example.org", template, "nl", lambda: "-", **context) for template, context in extra]

    # ------------------------------------------------ every page and every mail read in Dutch
    for name, html in pages.items():
        assert 'lang="nl"' in html[:200], name
        assert_dutch(f"page {name}", dutch_text(html))
    messages = read_outbox(app) + built
    for message in messages:
        if message["Content-Language"] != "nl":
            continue
        where = f"mail {message['Subject']!r} to {message['To']}"
        assert message["From"].startswith("Petities "), (where, message["From"])
        assert_dutch(where, message["Subject"] + " " + mail_text(message))
        assert_dutch(where + " (HTML)", dutch_text(mail_html(message)))
    # The count was 1 where it is written out: the letter's mail and the campaign page say so formally.
    assert any("De petitie heeft 1 handtekening, online en bevestigd." in mail_text(m) for m in messages)
    assert any("heeft 1 handtekening bereikt. Bedankt: het is de jouwe." in mail_text(m) for m in messages)
    assert any(m["Subject"].startswith("1 handtekening: ") for m in messages)
    assert any("heeft haar doel van 1 handtekening bereikt." in mail_text(m) for m in messages)
    assert "1 persoon heeft getekend" in dutch_text(pages["campaign-1"])
    dutch_templates = {template for template, locale in rendered_mails if locale == "nl"}
    assert dutch_templates == set(MAIL_TEMPLATES), sorted(set(MAIL_TEMPLATES) - dutch_templates)
