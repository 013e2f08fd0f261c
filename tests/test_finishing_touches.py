"""Issue 20, minor experience findings (part B), over HTTP: "check your email" names the address the
mail went to without any cached page holding it; the share step has one copy button and a plain word
for Signal; the home page says who runs the platform; the embed's bar shows one signature. What a
person sees in a browser is in tests/e2e/test_finishing_touches.py."""
import logging
import re
from datetime import timedelta

from helpers import add_campaign, make_organizer, seed_signers, sign, sign_form
from petition_app.timeutil import utcnow

ADDRESS = "Anna.Typo@Exampel.org"


def test_check_your_email_names_the_address_once_to_the_signer_alone(app, client, campaign, caplog):
    caplog.set_level(logging.DEBUG)
    answer = sign(client, campaign, follow=False, lang="en", email=ADDRESS)
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/campaigns/{campaign}/check-your-email")
    assert ADDRESS.lower() not in answer.headers["Location"].lower()  # never in a URL

    page = client.get(answer.headers["Location"])
    assert page.status_code == 200 and "Check your email" in page.text
    assert f'<strong class="address" translate="no">{ADDRESS}</strong>' in page.text  # as typed: a typo shows
    assert "Is this address wrong?" in page.text
    assert page.headers["Cache-Control"] == "no-store"  # the signer's alone: kept by no cache, nginx included
    assert "X-Accel-Expires" not in page.headers and "ETag" not in page.headers
    assert client.get_cookie("session") is None  # taken out of the session: the cookie is gone

    again = client.get(answer.headers["Location"])  # a reload, or anyone else: the public page
    assert ADDRESS not in again.text and "the address you gave" in again.text
    assert again.headers["Cache-Control"] == "no-store" and again.headers["X-Accel-Expires"]  # nginx keeps it
    assert again.headers.getlist("Set-Cookie") == []
    assert ADDRESS.lower() not in caplog.text.lower()  # never in a log line


def test_the_address_shows_only_on_the_campaign_it_was_signed_for(app, client, campaign):
    other = add_campaign(app, slug="other-campaign")
    sign(client, campaign, follow=False, lang="nl", email=ADDRESS)
    elsewhere = client.get(f"/campaigns/{other}/check-your-email")
    assert ADDRESS not in elsewhere.text
    assert ADDRESS not in client.get(f"/campaigns/{campaign}/check-your-email").text  # taken out all the same

    dutch = sign(client, campaign, follow=True, lang="nl", email=ADDRESS)
    assert "We hebben een mail gestuurd naar:" in dutch.text and ADDRESS in dutch.text


def test_the_address_waits_for_the_very_next_page_only(client, campaign):
    sign(client, campaign, follow=False, lang="en", email=ADDRESS)  # a client that does not follow the 303
    assert client.get_cookie("session") is not None
    assert ADDRESS not in client.get(f"/campaigns/{campaign}?lang=en").text
    assert client.get_cookie("session") is None  # gone unread
    assert ADDRESS not in client.get(f"/campaigns/{campaign}/check-your-email").text


def test_a_bot_in_the_honeypot_sees_the_same_answer(client, campaign):
    data = {**sign_form(email=ADDRESS), "website": "http://spam.example"}
    answer = client.post(f"/campaigns/{campaign}/sign?lang=en", data=data, follow_redirects=True)
    assert answer.status_code == 200 and ADDRESS in answer.text


# ---------------------------------------------------------------- the home page


def test_the_home_page_says_who_runs_it_how_review_works_and_what_happens_to_a_signature(app, client, campaign):
    english = client.get("/?lang=en").text
    assert "This platform is run by its moderators, independently of the groups that campaign on it." in english
    assert "a moderator reads each one, and every later correction, before it goes public" in english
    assert "It counts once you confirm it" in english and "never see your email address" in english
    assert '<a href="/privacy">Read the privacy statement</a>' in english
    assert english.index("Reviewed first.") < english.index("Together for a safe Leiden")  # before the list

    dutch = client.get("/?lang=nl").text
    assert "Dit platform wordt beheerd door zijn moderatoren" in dutch and "Lees de privacyverklaring" in dutch

    app.config["PLATFORM_OPERATOR"] = "Stichting Veilig Leiden"
    named = client.get("/?lang=en").text
    assert "This platform is run by Stichting Veilig Leiden, independently of the groups" in named


# ---------------------------------------------------------------- the embed and the dashboard's chart


def test_the_embed_shows_one_signature_on_its_bar(app, client, campaign):
    seed_signers(app, campaign, [{"email": "one@example.org"}])
    html = client.get(f"/embed/{campaign}?lang=en").text
    assert "<progress" not in html  # a native bar at 1 of 1,500 fills less than a pixel
    fill = re.search(r'<rect class="bar-fill" x="0" y="0" width="(\d+)"', html)
    assert fill and int(fill.group(1)) >= 40  # at least 4 %: 8 px in the narrowest frame
    assert 'aria-labelledby="embed-count"' in html


def test_the_dashboard_draws_a_narrow_chart_for_phones(app):
    from petition_app.rules.chart import NARROW_WIDTH, daily_chart

    slug = add_campaign(app, slug="chart-campaign")
    seed_signers(app, slug, [{"email": f"c{i}@example.org", "confirmed_at": utcnow() - timedelta(days=i % 20)} for i in range(40)])
    page = make_organizer(app, campaigns=[slug]).get(f"/organize/{slug}?lang=nl").text
    narrow = re.search(r'<svg class="chart chart-narrow" viewBox="0 0 (\d+) (\d+)".*?</svg>', page, re.S)
    assert narrow and int(narrow.group(1)) == NARROW_WIDTH
    dates = re.findall(r">(\d{4}-\d\d-\d\d)</text>", narrow.group(0))
    assert len(dates) == 2  # the first and the last day: room for them at 11 px and more on a phone
    assert 'id="chart-titlenarrow"' in narrow.group(0) and "<title>20" not in narrow.group(0)
    assert '<ul class="chart-legend">' in page and "die dag bevestigd (linkeras)" in page  # the legend in HTML
    assert daily_chart([]) is None
