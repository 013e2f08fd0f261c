"""The owner of an address decides what their signature says: each mail's link confirms the details of
the request that caused that mail, the confirmation page shows them and takes corrections, and nobody
else's request ever puts a name on the wall or in a letter. On SQLite and PostgreSQL."""
import re

import pytest

from helpers import add_campaign, api_count, mail_html, mail_text, pdf_text, read_outbox, sign, subject, verify_path

VICTIM = "robin@example.org"


def letters_text(app, slug, out):
    result = app.test_cli_runner().invoke(args=["letters", "generate", slug, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return {path.name: pdf_text(path.read_bytes()) for path in sorted(out.glob("*.pdf"))}


def mails_to(app, address):
    return [m for m in read_outbox(app) if m["To"] == address]


def attacker_signs_as_the_victim(client, slug, **extra):
    """Through the API, with the victim's address, a name of the attacker's choice, shown publicly."""
    body = {"name": "Sam Survivor", "email": VICTIM, "city": "Leiden", "consent": True, "public": True,
            "updates": True, "locale": "en", **extra}
    response = client.post(f"/api/v1/campaigns/{slug}/signatures", json=body)
    assert response.status_code == 202


def change_link(message):
    return re.search(r"http://localhost(/my-data/[\w.\-]+/change(?:\?lang=\w\w)?)", mail_text(message)).group(1)


@pytest.mark.parametrize("victim_public", [False, True], ids=["victim-not-named", "victim-named"])
def test_an_impersonator_never_puts_a_name_on_the_wall_or_in_the_letters(any_app, tmp_path, victim_public):
    slug = add_campaign(any_app)
    attacker, victim = any_app.test_client(), any_app.test_client()

    attacker_signs_as_the_victim(attacker, slug)
    sign(victim, slug, name="Robin de Boer", email=VICTIM, city="", public=victim_public, lang="en")

    attackers_mail, own_mail = mails_to(any_app, VICTIM)
    # each mail shows the details of its own request, so the owner sees what each link would confirm
    assert "Name: Sam Survivor" in mail_text(attackers_mail) and "Name: Robin de Boer" not in mail_text(attackers_mail)
    assert "Name: Robin de Boer" in mail_text(own_mail) and "Sam Survivor" not in mail_text(own_mail)
    assert "Sam Survivor" not in mail_html(own_mail)
    named = "yes" if victim_public else "no"
    assert f"Name and city shown on the campaign page and in the letters: {named}" in mail_text(own_mail)

    confirmed = victim.post(verify_path(own_mail) + "?lang=en", follow_redirects=True)
    assert "Thank you, your signature is confirmed" in confirmed.text
    assert api_count(victim, slug) == 1

    # the attacker tries again after the confirmation; the victim even presses the attacker's old link
    attacker_signs_as_the_victim(attacker, slug, name="Sam Survivor Again")
    assert "Your signature was already confirmed" in victim.post(verify_path(attackers_mail) + "?lang=en", follow_redirects=True).text
    latest = mails_to(any_app, VICTIM)[-1]
    assert subject(latest).startswith("You have already signed")
    assert "Hello Robin de Boer" in mail_text(latest) and "Sam Survivor" not in mail_text(latest)

    wall = any_app.test_client().get(f"/campaigns/{slug}/signers?lang=en").text
    letters = letters_text(any_app, slug, tmp_path / "letters")
    assert len(letters) == 6
    assert "Sam Survivor" not in wall
    assert not [name for name, text in letters.items() if "Sam Survivor" in text]
    if victim_public:
        assert "Robin de Boer" in wall
        assert all("Robin de Boer" in text for text in letters.values())
    else:
        assert "Robin de Boer" not in wall
        assert not [name for name, text in letters.items() if "Robin de Boer" in text]
    assert api_count(victim, slug) == 1


def test_the_confirmation_page_shows_the_requests_details_and_the_owner_corrects_them(any_app, tmp_path):
    slug = add_campaign(any_app)
    attacker_signs_as_the_victim(any_app.test_client(), slug)
    (message,) = mails_to(any_app, VICTIM)
    path = verify_path(message)
    owner = any_app.test_client()

    page = owner.get(path + "?lang=en")
    assert page.status_code == 200
    assert 'value="Sam Survivor"' in page.text and 'value="Leiden"' in page.text
    assert re.search(r'<input[^>]*checked[^>]*name="public"|<input[^>]*name="public"[^>]*checked', page.text)
    assert VICTIM not in page.text
    assert api_count(owner, slug) == 0  # showing changes nothing

    # a mistake keeps what was typed and confirms nothing
    wrong = owner.post(path + "?lang=en", data={"name": "", "city": "Delft", "language": "en"})
    assert wrong.status_code == 422
    assert "Please fill in your name." in wrong.text and 'value="Delft"' in wrong.text
    unknown = owner.post(path + "?lang=en", data={"name": "Robin de Boer", "language": "xx"})
    assert unknown.status_code == 422 and "Please choose a language." in unknown.text
    assert api_count(owner, slug) == 0

    done = owner.post(path + "?lang=en", data={"name": "Robin de Boer", "city": "", "language": "nl"}, follow_redirects=True)
    assert "Thank you, your signature is confirmed" in done.text
    assert api_count(owner, slug) == 1
    wall = owner.get(f"/campaigns/{slug}/signers?lang=en").text
    assert "Sam Survivor" not in wall and "Robin de Boer" not in wall  # "show my name" was unticked
    letters = letters_text(any_app, slug, tmp_path / "letters")
    assert not [name for name, text in letters.items() if "Sam Survivor" in text or "Robin de Boer" in text]

    data = owner.get(re.search(r"http://localhost(/my-data/[\w.\-]+)", mail_text(message)).group(1) + "/data.json").get_json()
    assert (data["name"], data["city"], data["language"], data["named_publicly_and_in_letters"]) == ("Robin de Boer", None, "nl", False)
    assert data["unconfirmed_requests"] == []  # confirming forgets every pending request


def test_the_owner_changes_the_details_later_from_the_already_signed_mail(app, campaign):
    client = app.test_client()
    sign(client, campaign, name="Robin", email=VICTIM, public=True, lang="en")
    client.post(verify_path(mails_to(app, VICTIM)[-1]), follow_redirects=True)
    sign(client, campaign, name="Someone Else", email=VICTIM, lang="en")
    already = mails_to(app, VICTIM)[-1]
    assert "/verify/" not in mail_text(already)
    assert "Nothing from the new request was used" in mail_text(already)
    path = change_link(already)

    page = client.get(path)
    assert page.status_code == 200 and 'value="Robin"' in page.text and "Someone Else" not in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert "Robin" in client.get(f"/campaigns/{campaign}/signers").text

    bad = client.post(path, data={"name": "<b>", "language": "en", "public": "y"})
    assert bad.status_code == 422 and "Robin" in client.get(f"/campaigns/{campaign}/signers").text
    saved = client.post(path, data={"name": "Robin de Boer", "city": "Leiden", "language": "en", "public": "y"})
    assert saved.status_code == 200 and "Your details are saved" in saved.text
    wall = client.get(f"/campaigns/{campaign}/signers").text
    assert "Robin de Boer" in wall and "Someone Else" not in wall
    assert api_count(client, campaign) == 1

    client.post(path, data={"name": "Robin de Boer", "language": "en"})  # no longer named
    assert "Robin de Boer" not in client.get(f"/campaigns/{campaign}/signers").text
    assert api_count(client, campaign) == 1


@pytest.mark.parametrize("mangle", [lambda t: t[:-3], lambda t: t + "A", lambda t: "forged.token.value"])
def test_the_change_link_refuses_a_forged_token(app, campaign, mangle):
    client = app.test_client()
    sign(client, campaign, name="Robin", email=VICTIM, public=True, lang="en")
    client.post(verify_path(mails_to(app, VICTIM)[-1]), follow_redirects=True)
    sign(client, campaign, email=VICTIM, lang="en")
    token = change_link(mails_to(app, VICTIM)[-1]).split("/")[2]
    for method in ("GET", "POST"):
        response = client.open(f"/my-data/{mangle(token)}/change?lang=en", method=method,
                               data={"name": "Forger", "language": "en", "public": "y"})
        assert response.status_code == 404 and "This link is not valid" in response.text
    assert "Forger" not in client.get(f"/campaigns/{campaign}/signers").text


def test_an_unconfirmed_signature_cannot_be_changed_by_its_data_link(app, campaign):
    client = app.test_client()
    sign(client, campaign, name="Robin", email=VICTIM, lang="en")
    data_path = re.search(r"http://localhost(/my-data/[\w.\-]+)", mail_text(mails_to(app, VICTIM)[-1])).group(1)
    assert client.get(data_path + "/change").status_code == 404
    assert client.post(data_path + "/change", data={"name": "X", "language": "en", "public": "y"}).status_code == 404
    assert client.get(data_path + "/data.json").get_json()["unconfirmed_requests"][0]["name"] == "Robin"
