"""Issue 20, minor experience findings: the ways in. "Start a campaign" explains first and lets a
newcomer register and come back; an invitation link survives registering, and its page names the
campaign and who invited; the preview in the other language leaves the organizer's own language alone."""
import re

from helpers import PASSWORD, add_campaign, mail_text, make_organizer, read_outbox
from petition_app.extensions import db


def confirm_link(app, email):
    message = [m for m in read_outbox(app) if m["To"] == email][-1]
    found = re.search(r"http://localhost(/account/confirm/\S+)", mail_text(message))
    assert found, mail_text(message)
    return found.group(1).replace("&amp;", "&")


def test_start_a_campaign_explains_review_and_offers_log_in_and_register_in_both_languages(app):
    visitor = app.test_client()
    home = visitor.get("/?lang=en").text.split("</header>")[0]
    assert 'href="/start">Start a campaign</a>' in home
    page = app.test_client().get("/start", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "Set-Cookie" not in page.headers  # the same for every visitor: cacheable
    assert page.headers["Cache-Control"].startswith("public")
    text = page.text
    assert "A moderator checks it, usually within 3 working days" in text
    assert "It does not name or accuse a person." in text
    assert 'href="/account/register?next=/organize/new"' in text
    assert 'href="/account/login?next=/organize/new"' in text
    dutch = app.test_client().get("/start?lang=nl").text
    assert "Start een campagne" in dutch and "werkdag" in dutch


def test_a_newcomer_registers_from_start_and_lands_on_a_new_draft_after_the_login(app):
    newcomer = app.test_client()
    start = newcomer.get("/start?lang=en").text
    register_path = re.search(r'href="(/account/register\?next=[^"]+)"', start).group(1)
    form = newcomer.get(register_path).text
    assert 'href="/account/login?next=/organize/new"' in form  # "I already have an account" keeps it too
    response = newcomer.post(register_path, data={
        "name": "Noor Jansen", "email": "noor@example.org", "password": PASSWORD, "password_repeat": PASSWORD,
    })
    assert response.status_code == 200
    link = confirm_link(app, "noor@example.org")
    assert link.endswith("?next=/organize/new") or "next=%2Forganize%2Fnew" in link
    on_the_phone = app.test_client()  # the mail is opened elsewhere: the link itself carries the way back
    assert 'next=' in on_the_phone.get(link).text
    confirmed = on_the_phone.post(link)
    assert confirmed.status_code == 302 and "/account/login?next=" in confirmed.headers["Location"]
    login_page = confirmed.headers["Location"]
    logged_in = on_the_phone.post(login_page, data={"email": "noor@example.org", "password": PASSWORD})
    assert logged_in.status_code == 302 and logged_in.headers["Location"] == "/organize/new"
    assert on_the_phone.get("/organize/new").status_code == 200
    # with an account, "Start a campaign" goes straight to a new draft
    assert 'href="/organize/new">Start a campaign</a>' in on_the_phone.get("/?lang=en").text.split("</header>")[0]


def test_a_next_elsewhere_is_not_carried_into_the_mail(app):
    client = app.test_client()
    client.post("/account/register?lang=en&next=https://evil.example/x", data={
        "name": "Noor", "email": "noor@example.org", "password": PASSWORD, "password_repeat": PASSWORD,
    })
    assert "evil" not in confirm_link(app, "noor@example.org")


def test_an_invitation_survives_registering_and_its_page_names_the_campaign_and_who_invited(app):
    slug = add_campaign(app)
    organizer = make_organizer(app, email="org@example.org", name="Sanne de Wit", campaigns=[slug])
    assert organizer.post(f"/organize/{slug}/invite", data={"email": "friend@example.org"}).status_code == 302
    invitation = [m for m in read_outbox(app) if m["To"] == "friend@example.org"][-1]
    join = re.search(r"http://localhost(/organize/join/\S+)", mail_text(invitation)).group(1)

    friend = app.test_client()
    to_login = friend.get(join)
    assert to_login.status_code == 302 and "/account/login" in to_login.headers["Location"]
    login_page = friend.get(to_login.headers["Location"] + "&lang=en").text
    assert "Log in with the address the invitation was sent to" in login_page
    register_path = re.search(r'href="(/account/register\?next=[^"]+)"', login_page).group(1).replace("&amp;", "&")
    assert "/organize/join/" in register_path or "%2Forganize%2Fjoin%2F" in register_path
    friend.post(register_path, data={"name": "Friend", "email": "friend@example.org", "password": PASSWORD, "password_repeat": PASSWORD})
    link = confirm_link(app, "friend@example.org")
    assert "join" in link
    confirmed = friend.post(link)
    logged_in = friend.post(confirmed.headers["Location"], data={"email": "friend@example.org", "password": PASSWORD})
    assert logged_in.headers["Location"] == join
    page = friend.get(join + "?lang=en").text
    with app.app_context():
        from petition_app.campaigns.queries import campaign_by_slug
        title = campaign_by_slug(slug).title_en
    assert f"Sanne de Wit invited you to organize “{title}” together." in page.replace("&#34;", '"')
    assert "org@example.org" not in page and "friend@example.org" not in page
    assert friend.post(join).status_code == 302
    assert friend.get(f"/organize/{slug}").status_code == 200


def test_the_preview_in_the_other_language_leaves_the_organizers_language_alone(app):
    slug = add_campaign(app)
    organizer = make_organizer(app, campaigns=[slug])
    assert "Overzicht" in organizer.get(f"/organize/{slug}?lang=nl").text
    dashboard = organizer.get(f"/organize/{slug}").text
    english_preview = re.search(r'href="([^"]+)"[^>]*>Voorbeeld in het Engels', dashboard) or re.search(r'href="([^"]*preview[^"]*en)"', dashboard)
    preview = organizer.get(english_preview.group(1).replace("&amp;", "&"))
    with app.app_context():
        from petition_app.campaigns.queries import campaign_by_slug
        campaign = campaign_by_slug(slug)
        title_en, title_nl = campaign.title_en, campaign.title_nl
    assert preview.status_code == 200
    assert title_en in preview.text and '<html lang="en">' in preview.text
    # the organizer's own pages are still Dutch: nothing remembered the preview's language
    assert "Overzicht" in organizer.get(f"/organize/{slug}").text
    assert 'lang="nl"' in organizer.get("/organize/").text.split(">")[1]
    assert title_nl in organizer.get(f"/organize/{slug}/preview").text
