"""Issue 21: the registry of recipients, a public page per recipient that keeps the score, its feed and
JSON, and moderators who see the addresses they approve."""
import re
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from helpers import add_campaign, example_campaign_data, make_admin, read_outbox
from petition_app.extensions import db

LEIDEN = {
    "key": "leiden-university",
    "name": {"nl": "Universiteit Leiden", "en": "Leiden University"},
    "salutation": {"nl": "Geacht College van Bestuur,", "en": "Dear Executive Board,"},
    "email": "board-secret@leiden.example",
    "language": "nl",
    "website": "https://www.universiteitleiden.nl",
}


def import_registry_file(app, tmp_path, entries):
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump({"recipients": entries}, allow_unicode=True), encoding="utf-8")
    return app.test_cli_runner().invoke(args=["recipients", "import", str(path)])


def addressed_campaign(app, slug="safe-leiden", organisation="leiden-university", demands=2, **changes):
    """A public campaign from the example file whose first recipient is the registry entry."""
    data = example_campaign_data(slug=slug, **changes)
    data["recipients"] = [
        {"organisation": organisation, "demands": [{"nl": f"Eis {n} van {slug}", "en": f"Demand {n} of {slug}"} for n in range(demands)]},
        *data["recipients"][1:],
    ]
    return add_campaign(app, **{k: v for k, v in data.items()})


@pytest.fixture
def registry(app, tmp_path):
    result = import_registry_file(app, tmp_path, [LEIDEN])
    assert result.exit_code == 0, result.output
    assert "1 recipient(s) added" in result.output
    return "leiden-university"


def test_the_import_adds_approved_entries_and_a_bad_file_changes_nothing(app, tmp_path, registry):
    bad = import_registry_file(app, tmp_path, [{**LEIDEN, "key": "utrecht"}, {"key": "Not A Key", "name": "x", "email": "a@b.nl"}])
    assert bad.exit_code != 0 and "recipients[1].key" in bad.output
    with app.app_context():
        keys = db.session.execute(db.text("SELECT key, status FROM organisations")).all()
    assert keys == [("leiden-university", "approved")]


def test_a_campaign_file_names_a_registry_entry_and_takes_its_name_salutation_and_address(app, registry):
    slug = addressed_campaign(app)
    with app.app_context():
        row = db.session.execute(db.text(
            "SELECT r.key, r.name_nl, r.name_en, r.salutation_en, r.email, r.organisation_key FROM recipients r "
            "JOIN campaigns c ON c.id = r.campaign_id WHERE c.slug = :s ORDER BY r.position"), {"s": slug}).first()
    assert tuple(row) == ("leiden-university", "Universiteit Leiden", "Leiden University", "Dear Executive Board,",
                          "board-secret@leiden.example", "leiden-university")


def test_a_plain_recipient_stays_valid_and_an_unknown_entry_is_refused(app, registry):
    from petition_app.campaigns.operations import CampaignFileError, import_campaign

    add_campaign(app, slug="plain")  # the example file names no entry
    with app.app_context(), pytest.raises(CampaignFileError, match="no recipient 'nowhere'"):
        data = example_campaign_data(slug="other")
        data["recipients"][0]["organisation"] = "nowhere"
        import_campaign(data)


def test_the_public_page_lists_campaigns_demands_and_figures_without_any_address(app, client, registry):
    addressed_campaign(app)
    page = client.get("/recipients/leiden-university?lang=en")
    assert page.status_code == 200
    assert "Leiden University" in page.text and "Demand 0 of safe-leiden" in page.text
    assert "No letter sent yet" in page.text
    assert "board-secret" not in page.text
    fresh = app.test_client().get("/recipients/leiden-university", headers={"Accept-Language": "en"})
    assert fresh.headers["Cache-Control"].startswith("public") and "ETag" in fresh.headers
    dutch = client.get("/recipients/leiden-university?lang=nl").text
    assert "Universiteit Leiden" in dutch and "Eis 0 van safe-leiden" in dutch
    assert client.get("/recipients/nowhere").status_code == 404
    listing = client.get("/recipients/?lang=en")
    assert 'href="/recipients/leiden-university"' in listing.text


def test_the_campaign_page_links_the_recipient_to_its_page(app, client, registry):
    slug = addressed_campaign(app)
    page = client.get(f"/campaigns/{slug}?lang=en").text
    assert 'href="/recipients/leiden-university' in page


# ---------------------------------------------------------------- organizers choose or propose; moderators approve


def organizer_draft(app, email="org@example.org"):
    from helpers import CAMPAIGN_FORM, logged_in

    organizer = logged_in(app, email)
    response = organizer.post("/organize/new?lang=en", data=CAMPAIGN_FORM)
    assert response.status_code == 302
    return organizer, response.headers["Location"].split("/organize/")[1].split("/")[0]


def add_demand_to_first_recipient(app, organizer, slug):
    with app.app_context():
        recipient_id = db.session.execute(db.text(
            "SELECT r.id FROM recipients r JOIN campaigns c ON c.id = r.campaign_id WHERE c.slug = :s"), {"s": slug}).scalar_one()
    assert organizer.post(f"/organize/{slug}/recipients/{recipient_id}/demands",
                          data={"text_nl": "Publiceer het beleid.", "text_en": "Publish the policy."}).status_code == 302


def test_an_organizer_finds_an_entry_by_its_name_in_either_language_and_chooses_it(app, registry):
    organizer, slug = organizer_draft(app)
    for query in ("universiteit", "Leiden Univ"):
        page = organizer.get(f"/organize/{slug}/recipients?lang=en&q={query}")
        assert "Address the campaign to Leiden University" in page.text, query
        assert "board-secret" not in page.text  # the organizer never sees the registry's address
    assert "No recipient in the registry matches" in organizer.get(f"/organize/{slug}/recipients?lang=en&q=utrecht").text
    assert organizer.post(f"/organize/{slug}/recipients/choose", data={"organisation": "leiden-university"}).status_code == 302
    page = organizer.get(f"/organize/{slug}/recipients?lang=en").text
    assert "From the registry of recipients" in page and "board-secret" not in page
    again = organizer.post(f"/organize/{slug}/recipients/choose", data={"organisation": "leiden-university"}, follow_redirects=True)
    assert "already addressed to Leiden University" in again.text
    with app.app_context():
        assert db.session.execute(db.text("SELECT email, organisation_key FROM recipients")).all() == [
            ("board-secret@leiden.example", "leiden-university")]


def test_a_proposal_with_a_mistake_comes_back_with_what_was_typed(app, registry):
    organizer, slug = organizer_draft(app)
    page = organizer.post(f"/organize/{slug}/recipients/propose?lang=en", data={
        "propose-name_nl": "Gemeente Leiden", "propose-name_en": "", "propose-email": "not-an-address", "propose-language": "nl"})
    assert page.status_code == 422
    assert "There is a problem" in page.text and 'value="Gemeente Leiden"' in page.text and 'href="#propose-email"' in page.text


def test_a_campaign_to_a_proposed_recipient_is_published_only_after_its_address_is_approved(app, registry):
    organizer, slug = organizer_draft(app)
    moderator = make_admin(app)
    assert organizer.post(f"/organize/{slug}/recipients/propose?lang=en", data={
        "propose-name_nl": "Gemeente Leiden", "propose-name_en": "Municipality of Leiden", "propose-email": "mayor-desk@leiden.example",
        "propose-language": "nl", "propose-salutation_en": "Dear Mayor,"}).status_code == 302
    add_demand_to_first_recipient(app, organizer, slug)
    assert organizer.post(f"/organize/{slug}/submit").status_code == 302
    queue = moderator.get("/admin/?lang=en").text
    assert "mayor-desk@leiden.example" in queue  # the moderator sees the address they approve
    number = int(re.search(rf'/admin/{slug}/approve".*?name="revision" value="(\d+)"', queue, re.S).group(1))
    refused = moderator.post(f"/admin/{slug}/approve", data={"revision": number, "confirm": "1"}, follow_redirects=True)
    assert "approve the address of every new recipient (municipality-of-leiden)" in refused.text
    confirm = moderator.post(f"/admin/{slug}/approve?lang=en", data={"revision": number})  # the publish page
    assert "Where the letters go" in confirm.text and "mayor-desk@leiden.example" in confirm.text and "not approved yet" in confirm.text
    preview = moderator.get(f"/admin/{slug}/preview?revision={number}&lang=en")
    assert "mayor-desk@leiden.example" in preview.text and "Dear Mayor," in preview.text
    assert app.test_client().get(f"/campaigns/{slug}").status_code == 404
    # The approval page shows the address; approving it lets the campaign go out.
    entry = moderator.get("/admin/recipients/municipality-of-leiden?lang=en")
    assert entry.status_code == 200 and "mayor-desk@leiden.example" in entry.text and "Dear Mayor," in entry.text
    change = int(re.search(r'name="number" type="hidden" value="(\d+)"', entry.text).group(1))
    assert moderator.post("/admin/recipients/municipality-of-leiden/approve", data={"number": change}).status_code == 302
    assert moderator.post(f"/admin/{slug}/approve", data={"revision": number, "confirm": "1"}).status_code == 302
    assert app.test_client().get(f"/campaigns/{slug}").status_code == 200
    assert app.test_client().get("/recipients/municipality-of-leiden").status_code == 200


def test_moderators_see_a_corrected_address_and_salutation_side_by_side_with_the_published_ones(app):
    from helpers import logged_in, publish, write_campaign

    organizer = logged_in(app, "org@example.org")
    moderator = make_admin(app)
    slug = write_campaign(app, organizer, recipients=(("Leiden University", "board@example.org", "nl"),))
    queue = moderator.get("/admin/?lang=en").text
    publish(app, organizer, moderator, slug)
    correct = organizer.get(f"/organize/{slug}/correct?lang=en").text
    fields = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', correct))
    fields.update({k: v for k, v in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\s*([^<]*)</textarea>', correct)})
    fields.update({"r0_email": "new-board@example.org", "r0_salutation_en": "Dear Board,"})
    fields.pop("submit", None)
    assert organizer.post(f"/organize/{slug}/correct", data=fields).status_code == 302
    queue = moderator.get("/admin/?lang=en").text
    table = queue[queue.index("Letters to Leiden University"):]
    table = table[:table.index("</table>")]
    assert "Published now" in table and "After this revision" in table
    email_row = re.search(r"<tr class=\"changed\">\s*<th scope=\"row\">Email address letters go to.*?</tr>", table, re.S).group(0)
    assert "board@example.org" in email_row and "new-board@example.org" in email_row
    assert re.search(r"<tr class=\"changed\">\s*<th scope=\"row\">Salutation in English.*?Dear Board,", table, re.S)
    assert not re.search(r"<tr class=\"changed\">\s*<th scope=\"row\">Name in Dutch", table)
