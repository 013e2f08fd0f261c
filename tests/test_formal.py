"""Formal and correct in both languages (issue 14, points 3-5): recipients named and greeted in each
language (the campaign file, the organizers' forms, corrections), the letters read back in Dutch and in
English, the sender's name in the mail's language, answers with their language, and the preview."""
import re
import shutil
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from helpers import (
    add_campaign, example_campaign_data, logged_in, make_app, publish, read_outbox, rows, seed_signers, write_campaign,
)
from petition_app import mail
from petition_app.campaigns.operations import CampaignFileError, import_campaign, snapshot
from petition_app.campaigns.queries import campaign_by_slug
from petition_app.extensions import db

ORGANIZER_CONTACT = "organizers@example.org"


def letter_text(path):
    """The letter as a reader sees it: pdftotext (poppler-utils) where installed, else pypdf."""
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    else:
        from pypdf import PdfReader

        text = "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)
    return re.sub(r"\s+", " ", text)


def letters(app, runner, slug, folder):
    result = runner.invoke(args=["letters", "generate", slug, "--out", str(folder)])
    assert result.exit_code == 0, result.output
    return {path.name: letter_text(path) for path in folder.iterdir()}


@pytest.mark.parametrize("signers, nl_count, en_count", [
    (1, "Namens 1 persoon die de petitie", "On behalf of 1 person who signed the petition"),
    (2, "Namens 2 mensen die de petitie", "On behalf of 2 people who signed the petition"),
])
def test_letters_greet_and_name_the_recipient_in_their_language_count_formally_and_give_the_organizers_contact(
        app, runner, tmp_path, signers, nl_count, en_count):
    slug = add_campaign(app)
    seed_signers(app, slug, [{"name": f"Signer {n}", "email": f"s{n}@example.org", "is_public": True} for n in range(signers)])
    texts = letters(app, runner, slug, tmp_path / "letters")
    dutch, english = texts["mayor.nl.pdf"], texts["mayor.en.pdf"]

    assert "Aan: De burgemeester van Leiden" in dutch and "Geachte burgemeester," in dutch
    assert "To: The Mayor of Leiden" in english and "Dear Mayor," in english
    for leak in ("Mayor", "Dear", "people", "person"):
        assert leak not in dutch, leak
    for leak in ("burgemeester", "Geachte", "mensen", "persoon"):
        assert leak not in english, leak
    assert nl_count in dutch and en_count in english
    assert "1 mensen" not in dutch and "1 people" not in english
    named = ("1 ondertekenaar stemde", "1 signatory agreed") if signers == 1 else ("2 ondertekenaars stemden", "2 signatories agreed")
    assert named[0] in dutch and named[1] in english

    # The organizers' contact: the only address in a letter.
    assert f"U kunt ons bereiken via {ORGANIZER_CONTACT}." in dutch
    assert f"You can reach us at {ORGANIZER_CONTACT}." in english

    # The university has names in both languages and a salutation of its own; the police no salutation:
    # the formal default.
    assert "Aan: Universiteit Leiden" in texts["university.nl.pdf"]
    assert "Geachte leden van het College van Bestuur," in texts["university.nl.pdf"]
    assert "Dear Members of the Executive Board," in texts["university.en.pdf"]
    assert "Geachte heer, mevrouw," in texts["police.nl.pdf"] and "Dear Sir or Madam," in texts["police.en.pdf"]
    assert "Aan: De politie Leiden" in texts["police.nl.pdf"]


def test_a_campaign_file_names_recipients_per_language_and_old_files_stay_valid(app):
    data = example_campaign_data(slug="old-style")
    for recipient in data["recipients"]:
        recipient.pop("salutation", None)
    data["recipients"][0]["name"] = "Leiden University"  # a plain string, as older files say it
    with app.app_context():
        campaign = import_campaign(data)
        db.session.commit()
        university = campaign.recipients[0]
        assert university.name == "Leiden University"
        assert university.display_name("nl") == university.display_name("en") == "Leiden University"
        assert university.salutation("nl") == "Geachte heer, mevrouw,"
        assert university.salutation("en") == "Dear Sir or Madam,"
        mayor = campaign.recipients[1]
        assert (mayor.display_name("nl"), mayor.display_name("en")) == ("de burgemeester van Leiden", "the Mayor of Leiden")
        assert mayor.name == "de burgemeester van Leiden"  # the name in the letter's main language

        # One salutation for both languages, or one per language.
        data["recipients"][0]["salutation"] = "Dear Board,"
        data["recipients"][1]["salutation"] = {"nl": "Geachte burgemeester,", "en": "Dear Mayor,"}
        import_campaign(data)
        db.session.commit()
        assert campaign.recipients[0].salutation("nl") == "Dear Board,"
        assert (campaign.recipients[1].salutation("nl"), campaign.recipients[1].salutation("en")) == ("Geachte burgemeester,", "Dear Mayor,")
        content = snapshot(campaign)
        assert content["recipients"][1]["names"] == {"nl": "de burgemeester van Leiden", "en": "the Mayor of Leiden"}
        assert content["recipients"][1]["salutation"] == {"nl": "Geachte burgemeester,", "en": "Dear Mayor,"}
        # The import of a public campaign that changed a salutation is a correction listed as such.
        assert ["recipient_salutation", "Leiden University"] in campaign.corrections[-1].changes

        for bad, message in (({"nl": 3}, "name: a text"), ({"nl": "", "en": ""}, "name: missing"), ("x" * 201, "longer than 200")):
            broken = example_campaign_data(slug="broken")
            broken["recipients"][0]["name"] = bad
            with pytest.raises(CampaignFileError, match=message):
                import_campaign(broken)


def test_organizers_give_names_and_salutations_per_language_and_correct_them_after_publishing(app):
    organizer, moderator = logged_in(app, "org@example.org"), logged_in(app, "mod@example.org", role="admin")
    slug = write_campaign(app, organizer)
    with app.app_context():
        recipient_id = campaign_by_slug(slug).recipients[0].id
    response = organizer.post(f"/organize/{slug}/recipients/{recipient_id}?action=edit", data={
        "name": "Leiden University", "email": "board@example.org", "language": "nl",
        "name_nl": "het College van Bestuur", "name_en": "the Executive Board",
        "salutation_nl": "Geacht College,", "salutation_en": "Dear Members of the Board,",
    })
    assert response.status_code == 302
    form = organizer.get(f"/organize/{slug}/recipients?lang=nl").text
    assert "Aanhef in het Nederlands" in form and 'value="Geacht College,"' in form
    publish(app, organizer, moderator, slug)
    page = app.test_client().get(f"/campaigns/{slug}?lang=nl").text
    assert "Aan het College van Bestuur" in page and "the Executive Board" not in page
    assert "To the Executive Board" in app.test_client().get(f"/campaigns/{slug}?lang=en").text

    # A correction of the salutation: reviewed, then listed on the page with its date.
    correct = organizer.get(f"/organize/{slug}/correct?lang=en").text
    assert 'value="Dear Members of the Board,"' in correct
    fields = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', correct))
    fields.update({k: v for k, v in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\s*([^<]*)</textarea>', correct)})
    fields["r0_salutation_en"] = "Dear Members of the Executive Board,"
    fields.pop("submit", None)
    assert organizer.post(f"/organize/{slug}/correct", data=fields).status_code == 302
    queue = moderator.get("/admin/?lang=en").text
    number = re.search(rf'/admin/{slug}/approve".*?name="revision" value="(\d+)"', queue, re.S).group(1)
    assert moderator.post(f"/admin/{slug}/approve", data={"revision": number, "confirm": "1"}).status_code == 302
    english = app.test_client().get(f"/campaigns/{slug}?lang=en").text
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()  # the page's dates are the campaign's time zone's
    # in the reader's words (issue 20): the recipient's name in the page's language, the text old and new
    assert re.search(rf'<time datetime="{today.isoformat()}">[^<]+</time>: corrected the salutation of the letter to '
                     r'the Executive Board: “Dear Members of the Board,” became “Dear Members of the Executive Board,”', english)
    dutch = app.test_client().get(f"/campaigns/{slug}?lang=nl").text
    assert "gecorrigeerd: de aanhef van de brief aan het College van Bestuur</li>" in dutch  # its Dutch text stayed


def test_the_preview_of_a_draft_does_not_say_it_is_closed_and_shows_the_closing_date(app):
    organizer = logged_in(app, "org@example.org")
    slug = write_campaign(app, organizer, closes_on="2027-03-31")
    page = organizer.get(f"/organize/{slug}/preview?lang=en").text
    assert "Signing is not possible yet" in page
    assert "closed" not in page.lower()
    assert "Signing closes at the end of March 31, 2027" in page
    assert "Ondertekenen kan tot en met 31 maart 2027" in organizer.get(f"/organize/{slug}/preview?lang=nl").text


def test_the_senders_name_follows_the_mails_language_or_the_configuration(app, tmp_path):
    with app.app_context():
        assert mail.sender("nl") == "Petities <no-reply@localhost>"
        assert mail.sender("en") == "Petitions <no-reply@localhost>"
    named = make_app(tmp_path / "named", MAIL_DEFAULT_SENDER="noreply@safeleiden.example", PLATFORM_NAME="Safe Leiden")
    with named.app_context():
        assert mail.sender("nl") == mail.sender("en") == "Safe Leiden <noreply@safeleiden.example>"
    fixed = make_app(tmp_path / "fixed", MAIL_DEFAULT_SENDER="Campagnes <x@example.org>")
    with fixed.app_context():
        assert mail.sender("en") == "Campagnes <x@example.org>"
    # A real mail: the confirmation of a Dutch signer comes from "Petities".
    slug = add_campaign(app)
    app.test_client().post(f"/campaigns/{slug}/sign?lang=nl", data={"name": "Anna", "email": "anna@example.org", "consent": "y"})
    (message,) = read_outbox(app)
    assert message["From"] == "Petities <no-reply@localhost>"
