"""Issue 14, points 1, 2 and 9 without a browser: the ways in (header links, the moderators' mail and
landing), the confirmation step before every irreversible button (nothing happens and nothing is sent
on the first POST), and the error summary with its "Error:"/"Fout:" title."""
import re

import sqlalchemy as sa

from helpers import add_campaign, mail_text, read_outbox, subject
from helpers import (
    add_organizer,
    campaign_status,
    login,
    logged_in,
    make_admin,
    make_organizer,
    rows,
    seed_signers,
    write_campaign,
)
from petition_app.extensions import db


def title(html):
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def set_locale(app, email, locale):
    with app.app_context():
        db.session.execute(sa.text("UPDATE users SET locale = :l WHERE email = :e"), {"l": locale, "e": email})
        db.session.commit()


# ---------------------------------------------------------------- 1. ways in


def test_the_header_offers_start_and_log_in_to_visitors_without_touching_the_session(app, campaign):
    for path, language, start, log_in in (("/", "en", "Start a campaign", "Log in"), (f"/campaigns/{campaign}", "nl", "Start een campagne", "Inloggen")):
        visitor = app.test_client()
        response = visitor.get(path, headers={"Accept-Language": language})
        header = response.text.split("</header>")[0]
        assert f'href="/start">{start}</a>' in header
        assert f'href="/account/login">{log_in}</a>' in header
        assert "Set-Cookie" not in response.headers, path  # the anonymous header needs no session
    # "Start a campaign" leads a visitor to the login, and from there back to the new campaign
    response = visitor.get("/organize/new")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_the_header_of_a_logged_in_organizer_names_the_account_and_its_campaigns(app, campaign):
    organizer = logged_in(app, "noor@example.org", name="Noor Jansen")
    for path in ("/?lang=en", f"/campaigns/{campaign}?lang=en", "/organize/?lang=en"):
        header = organizer.get(path).text.split("</header>")[0]
        assert "Noor Jansen" in header and ">My campaigns</a>" in header and "Start a campaign" in header
        assert "Log out" in header and ">Log in</a>" not in header and "Review queue" not in header


def test_a_moderator_lands_on_the_review_queue_and_an_organizer_on_their_campaigns(app):
    make_admin(app)
    fresh = app.test_client()
    response = login(fresh, "mod@example.org")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    assert "Review queue" in fresh.get("/admin/?lang=en").text.split("</header>")[0]
    # a `next` still wins, and an organizer still lands on their campaigns
    assert login(app.test_client(), "mod@example.org", next="/organize/new").headers["Location"].endswith("/organize/new")
    make_organizer(app, email="org@example.org")
    assert login(app.test_client(), "org@example.org").headers["Location"].endswith("/organize/")


def test_every_moderator_gets_a_mail_in_their_language_with_a_link_to_the_queue_for_each_submission(app):
    make_admin(app, "mod-nl@example.org")
    make_admin(app, "mod-en@example.org")
    set_locale(app, "mod-en@example.org", "en")
    organizer = make_organizer(app)
    slug = write_campaign(app, organizer)
    before = len(read_outbox(app))
    assert organizer.post(f"/organize/{slug}/submit").status_code == 302
    mails = {m["To"]: m for m in read_outbox(app)[before:]}
    assert set(mails) == {"mod-nl@example.org", "mod-en@example.org"}
    assert subject(mails["mod-nl@example.org"]) == "Te beoordelen: Veilig Leiden"
    assert subject(mails["mod-en@example.org"]) == "To review: Safe Leiden now"
    assert "wacht op beoordeling" in mail_text(mails["mod-nl@example.org"])
    assert "waits for review" in mail_text(mails["mod-en@example.org"])
    for message in mails.values():
        assert "http://localhost/admin/" in mail_text(message)
    # submitting again without a change sends nothing more
    organizer.post(f"/organize/{slug}/submit")
    assert len(read_outbox(app)) == before + 2


# ---------------------------------------------------------------- 2. safe buttons


def test_an_update_is_shown_with_its_audience_and_both_mails_and_sent_only_when_confirmed(app, campaign):
    seed_signers(app, campaign, [
        {"email": "a@example.org", "locale": "nl", "wants_updates": True},
        {"email": "b@example.org", "locale": "en", "wants_updates": True},
        {"email": "c@example.org", "locale": "en", "wants_updates": True},
        {"email": "quiet@example.org", "locale": "en", "wants_updates": False},
    ])
    organizer = make_organizer(app, campaigns=[campaign])
    before = len(read_outbox(app))
    data = {"body_nl": "Wij spraken de rector.", "body_en": "We met the rector."}
    page = organizer.post(f"/organize/{campaign}/updates?lang=en", data=data)
    assert page.status_code == 200
    html = page.text
    assert "It goes to 3 signers" in html and "1 signer gets it in Dutch" in html and "2 signers get it in English" in html
    dutch = html.split('lang="nl" aria-label="In Dutch"')[1].split("</section>")[0]
    english = html.split('lang="en" aria-label="In English"')[1].split("</section>")[0]
    assert "Nieuws:" in dutch and "Wij spraken de rector." in dutch and "Hallo" in dutch
    assert "News:" in english and "We met the rector." in english and "No more updates" in english
    assert "@example.org" not in html  # organizers never see an address
    assert 'name="confirm" value="1"' in html and "Send the update to 3 signers" in html
    assert rows(app, "updates") == 0 and len(read_outbox(app)) == before  # nothing sent yet
    sent = organizer.post(f"/organize/{campaign}/updates?lang=en", data={**data, "confirm": "1"})
    assert sent.status_code == 302
    assert rows(app, "updates") == 1
    assert sorted(m["To"] for m in read_outbox(app)[before:]) == ["a@example.org", "b@example.org", "c@example.org"]


def test_closing_shows_what_it_means_and_closes_only_when_confirmed(app, campaign):
    organizer = make_organizer(app, campaigns=[campaign])
    page = organizer.post(f"/organize/{campaign}/close?lang=nl")
    assert page.status_code == 200 and title(page.text).startswith("Campagne sluiten?")
    assert "Er wordt geen mail verstuurd" in page.text
    assert campaign_status(app, campaign) == "open"
    assert organizer.post(f"/organize/{campaign}/close", data={"confirm": "1"}).status_code == 302
    assert campaign_status(app, campaign) == "closed"


def test_the_letters_page_shows_each_recipients_mail_and_hides_the_private_answer_link(app, campaign):
    organizer = make_organizer(app, campaigns=[campaign])
    html = organizer.get(f"/organize/{campaign}/letters/send?lang=en").text
    assert html.count('class="mail-preview"') >= 2
    assert "Geachte" in html and "/respond/" not in html
    assert "(de persoonlijke link van de ontvanger om te antwoorden)" in html
    assert not [m for m in read_outbox(app) if m.get_content_type() == "multipart/mixed"]


def pending_campaign(app, slug):
    slug = add_campaign(app, slug=slug, status="pending")
    organizer = make_organizer(app, email=f"{slug}@example.org")
    add_organizer(app, slug, f"{slug}@example.org")
    set_locale(app, f"{slug}@example.org", "nl")
    return slug, organizer


def test_approving_sending_back_and_taking_offline_show_the_organizers_mail_first(app):
    moderator = make_admin(app)
    approved, _ = pending_campaign(app, "to-approve")
    rejected, _ = pending_campaign(app, "to-reject")
    before = len(read_outbox(app))

    page = moderator.post(f"/admin/{approved}/approve?lang=en", data={"revision": 1})
    assert page.status_code == 200
    assert "Revision 1 goes online now" in page.text and "goes to 1 organizer" in page.text
    assert "Je campagne is online" in page.text.split('aria-label="In Dutch"')[1]
    assert "Your campaign is live" in page.text.split('aria-label="In English"')[1]
    assert 'name="revision" value="1"' in page.text and 'name="confirm" value="1"' in page.text
    assert campaign_status(app, approved) == "pending"

    page = moderator.post(f"/admin/{rejected}/reject?lang=nl", data={"revision": 1, "reason": "accusation", "note": "Geen namen."})
    assert page.status_code == 200 and "Noemt of beschuldigt een persoon" in page.text and "Geen namen." in page.text
    assert campaign_status(app, rejected) == "pending"
    assert len(read_outbox(app)) == before  # nothing decided, nothing sent

    moderator.post(f"/admin/{approved}/approve", data={"revision": 1, "confirm": "1"})
    moderator.post(f"/admin/{rejected}/reject", data={"revision": 1, "reason": "accusation", "note": "Geen namen.", "confirm": "1"})
    assert campaign_status(app, approved) == "open" and campaign_status(app, rejected) == "draft"
    assert len(read_outbox(app)) == before + 2

    page = moderator.post(f"/admin/{approved}/hide?lang=en", data={"note": "Reported as harassment."})
    assert page.status_code == 200 and "Reported as harassment." in page.text and "signers get no mail" in page.text
    assert campaign_status(app, approved) == "open" and len(read_outbox(app)) == before + 2
    moderator.post(f"/admin/{approved}/hide", data={"note": "Reported as harassment.", "confirm": "1"})
    assert campaign_status(app, approved) == "hidden" and len(read_outbox(app)) == before + 3


# ---------------------------------------------------------------- 9. the error summary


def test_a_failed_form_shows_a_summary_linking_each_problem_and_the_title_says_error(app, campaign):
    client = app.test_client()
    html = client.post("/account/register?lang=en", data={"name": "", "email": "no address"}).text
    assert title(html).startswith("Error: ")
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert 'tabindex="-1"' in summary and "autofocus" in summary and "There is a problem" in summary
    for field in ("name", "email", "password"):
        assert f'href="#{field}"' in summary
    assert 'src="/static/errors.js"' in html
    dutch = client.post(f"/campaigns/{campaign}/sign?lang=nl", data={"name": ""}).text
    assert title(dutch).startswith("Fout: ")
    assert 'href="#email"' in dutch and "Er is een probleem" in dutch
    # no summary and no "Error:" before anything was submitted
    assert not title(client.get("/account/register?lang=en").text).startswith("Error")
    assert "error-summary" not in client.get("/account/login?lang=en").text


def test_an_update_or_invitation_with_a_mistake_comes_back_with_what_was_typed(app, campaign):
    """The dashboard's forms follow GOV.UK's pattern too: the error summary at the top links to the
    field, and the organizer's text is still there to correct; nothing is sent."""
    organizer = make_organizer(app, campaigns=[campaign])
    before = len(read_outbox(app))
    update = organizer.post(f"/organize/{campaign}/updates?lang=en",
                            data={"body_nl": "Een lang bericht dat niet verloren mag gaan.", "body_en": ""})
    assert update.status_code == 422 and "<title>Error:" in update.text
    assert 'href="#body_en"' in update.text and 'id="body_en-error"' in update.text
    assert "Een lang bericht dat niet verloren mag gaan.</textarea>" in update.text
    invited = organizer.post(f"/organize/{campaign}/invite?lang=en", data={"email": "friend@@example.org"})
    assert invited.status_code == 422 and 'href="#email"' in invited.text and 'value="friend@@example.org"' in invited.text
    assert "Een lang bericht" not in invited.text  # only the form that was sent comes back filled in
    assert rows(app, "updates") == 0 and len(read_outbox(app)) == before


def test_no_confirmation_page_offers_what_cannot_happen(app, campaign):
    """An update before its 48 hours are over, or a revision that no longer waits: the first POST already
    says so, instead of a confirmation page whose final button would be refused."""
    organizer = make_organizer(app, campaigns=[campaign])
    data = {"body_nl": "Nieuws", "body_en": "News"}
    assert organizer.post(f"/organize/{campaign}/updates", data={**data, "confirm": "1"}).status_code == 302
    again = organizer.post(f"/organize/{campaign}/updates?lang=en", data={"body_nl": "Nog meer nieuws", "body_en": "More news"})
    assert again.status_code == 409 and "Check the update" not in again.text
    assert "There is a problem" in again.text and "You can send the next update after" in again.text
    assert "Nog meer nieuws</textarea>" in again.text and "More news</textarea>" in again.text  # kept for later
    assert rows(app, "updates") == 1

    moderator = make_admin(app)
    pending, _ = pending_campaign(app, "waiting-one")
    before = len(read_outbox(app))
    stale = moderator.post(f"/admin/{pending}/approve?lang=en", data={"revision": 7}, follow_redirects=True)
    assert "read revision 1 first" in stale.text and "Yes, publish" not in stale.text
    assert campaign_status(app, pending) == "pending" and len(read_outbox(app)) == before
