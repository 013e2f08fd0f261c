"""Issue 20, minor experience findings (part B), over HTTP: "check your email" names the address the
mail went to without any cached page holding it; the share step has one copy button and a plain word
for Signal; the home page says who runs the platform; the embed's bar shows one signature. What a
person sees in a browser is in tests/e2e/test_finishing_touches.py."""
import logging
import re

from helpers import sign

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
    from helpers import add_campaign

    other = add_campaign(app, slug="other-campaign")
    sign(client, campaign, follow=False, lang="nl", email=ADDRESS)
    elsewhere = client.get(f"/campaigns/{other}/check-your-email")
    assert ADDRESS not in elsewhere.text
    assert ADDRESS not in client.get(f"/campaigns/{campaign}/check-your-email").text  # taken out all the same

    dutch = sign(client, campaign, follow=True, lang="nl", email=ADDRESS)
    assert "We hebben een mail gestuurd naar:" in dutch.text and ADDRESS in dutch.text


def test_a_bot_in_the_honeypot_sees_the_same_answer(client, campaign):
    from helpers import sign_form

    data = {**sign_form(email=ADDRESS), "website": "http://spam.example"}
    answer = client.post(f"/campaigns/{campaign}/sign?lang=en", data=data, follow_redirects=True)
    assert answer.status_code == 200 and ADDRESS in answer.text
