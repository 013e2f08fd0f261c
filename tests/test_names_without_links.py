"""A name with a web address in it is refused (issue 20, point 10): a signer's or organizer's display
name stands at the top of the mails we send ("Hello URGENT: verify your bank at https://..."), so the
sign form, the confirmation and change-details forms, registration and the campaign's group name refuse
it with a translated message and keep what was typed. One rule: rules.text.contains_link."""
import html

import pytest

from helpers import add_campaign, make_organizer, read_outbox, register, rows, seed_signers, sign, signature_link
from petition_app.rules import contains_link

PHISH = "URGENT: verify your bank at https://evil.example/login"


@pytest.mark.parametrize("name", [
    PHISH, "see www.evil.example", "WWW.EVIL.EXAMPLE", "evil.example/login", "hxxps://evil", "my-bank.com",
    "Anna (bank-verify.nl)", "ｗｗｗ．evil．example",  # full-width look-alikes fold to www.
])
def test_names_with_a_web_address_are_caught(name):
    assert contains_link(name)


@pytest.mark.parametrize("name", [
    "Anna de Vries", "J.R.R. Tolkien", "Anne-Marie v.d. Berg", "St.Clair", "Zoë O'Brien", "Dr. A. Smith", "محمد",
    "Safe Leiden", "Groep 3/4 Leiden", "Leiden-Noord",
])
def test_ordinary_names_pass(name):
    assert not contains_link(name)


def test_the_sign_form_refuses_the_name_in_both_languages_keeps_it_and_mails_nothing(app):
    slug = add_campaign(app)
    english = sign(app.test_client(), slug, follow=False, lang="en", name=PHISH, email="victim@example.org")
    assert english.status_code == 422
    assert "Please leave out web addresses (such as www. or https://)." in english.text
    assert f'value="{html.escape(PHISH, quote=True)}"' in english.text  # what was typed stays in the form
    dutch = sign(app.test_client(), slug, follow=False, lang="nl", name="Anna", city="www.evil.example", email="victim@example.org")
    assert dutch.status_code == 422 and "Laat webadressen weg (zoals www. of https://)." in dutch.text
    assert rows(app, "signatures") == 0 and read_outbox(app) == []


def test_the_api_refuses_it_too(app):
    slug = add_campaign(app)
    response = app.test_client().post(f"/api/v1/campaigns/{slug}/signatures?lang=en", json={
        "name": PHISH, "email": "victim@example.org", "consent": True,
    })
    assert response.status_code == 422 and rows(app, "signatures") == 0 and read_outbox(app) == []


def test_the_confirmation_and_change_details_forms_refuse_it(app):
    slug = add_campaign(app)
    [signature_id] = seed_signers(app, slug, [{"name": "Anna", "email": "anna@example.org", "confirmed": False}])
    client = app.test_client()
    verify = client.post(signature_link(app, "verify", signature_id) + "?lang=en",
                         data={"name": PHISH, "city": "", "language": "en"})
    assert verify.status_code == 422 and "Please leave out web addresses" in verify.text
    assert html.escape(PHISH, quote=True) in verify.text
    [confirmed_id] = seed_signers(app, slug, [{"name": "Bram", "email": "bram@example.org"}])
    change = client.post(signature_link(app, "my_data", confirmed_id) + "/change?lang=en",
                         data={"name": "Bram", "city": "Leiden www.evil.example", "language": "en"})
    assert change.status_code == 422 and "Please leave out web addresses" in change.text
    assert "Leiden www.evil.example" in change.text


def test_an_organizer_cannot_register_with_it(app):
    response = register(app.test_client(), email="org@example.org", name="Team https://evil.example")
    assert response.status_code == 422 and "Please leave out web addresses" in response.text
    assert rows(app, "users") == 0


def test_a_campaigns_group_name_refuses_it(app):
    organizer = make_organizer(app)
    draft = {"organizer_name": "Safe Leiden – www.evil.example", "title_nl": "Veilig Leiden", "title_en": "Safe Leiden now",
             "summary_nl": "Studenten vragen om actie.", "summary_en": "Students ask for action.", "goals": "3 5"}
    response = organizer.post("/organize/new?lang=en", data=draft)
    assert response.status_code == 422 and "Please leave out web addresses" in response.text
    assert "Safe Leiden – www.evil.example" in response.text and rows(app, "campaigns") == 0
