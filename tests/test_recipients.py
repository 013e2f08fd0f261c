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


# ---------------------------------------------------------------- the score: letters, answers, overdue, feed, JSON

RESPOND_LINK = re.compile(r"https?://[^\s\"<>]+(/respond/[A-Za-z0-9_.\-]+)")


def send_letters_of(app, slug):
    """Hand the letters of `slug` over to its recipients; returns the answer link of each, by address."""
    from helpers import hand_over_letters, mail_text

    hand_over_letters(app, slug)
    links = {}
    for message in read_outbox(app):
        found = RESPOND_LINK.search(mail_text(message))
        if found:
            links[str(message["To"])] = found.group(1)
    return links


def demand_ids(app, slug):
    with app.app_context():
        return db.session.execute(db.text(
            "SELECT d.id FROM demands d JOIN recipients r ON r.id = d.recipient_id JOIN campaigns c ON c.id = r.campaign_id "
            "WHERE c.slug = :s AND r.organisation_key IS NOT NULL ORDER BY d.position"), {"s": slug}).scalars().all()


def letters_sent_days_ago(app, days):
    with app.app_context():
        db.session.execute(db.text("UPDATE handovers SET sent_at = :t"), {"t": datetime.now(timezone.utc) - timedelta(days=days)})
        db.session.commit()


@pytest.fixture
def scored(app, registry):
    """Two campaigns addressed to Leiden University, letters sent to both, one demand answered."""
    addressed_campaign(app, slug="safe-leiden", demands=2)
    addressed_campaign(app, slug="light-the-paths", demands=1, title={"nl": "Verlicht de paden", "en": "Light the paths"})
    link = send_letters_of(app, "safe-leiden")["board-secret@leiden.example"]
    send_letters_of(app, "light-the-paths")
    first, second = demand_ids(app, "safe-leiden")
    answered = app.test_client().post(f"{link}?lang=en", data={
        f"status_{first}": "accepted", f"text_{first}": "We publish it in May.", "language": "en"})
    assert answered.status_code == 200
    return link


def test_the_page_marks_the_answer_with_its_date_and_the_others_waiting_then_overdue(app, client, scored):
    page = client.get("/recipients/leiden-university?lang=en").text
    assert page.count('class="card recipient-campaign"') == 2
    assert re.search(r'data-figure="campaigns">2<', page) and re.search(r'data-figure="demands">3<', page)
    assert re.search(r'data-figure="answered">1<', page) and re.search(r'data-figure="overdue">0<', page)
    assert re.search(r"Answered on \w+ \d+, \d{4}", page) and "Read the answer" in page
    assert page.count("Waiting for an answer:") == 2 and "0 working days since the first letter" in page
    assert re.search(r'data-figure="waiting">2<', page)
    assert "Letters sent on" in page
    letters_sent_days_ago(app, 40)  # about 28 working days ago
    page = client.get("/recipients/leiden-university?lang=en").text
    assert page.count("Overdue:") == 2 and re.search(r'data-figure="overdue">2<', page)
    assert "no answer after 2" in page  # 2x working days since the first letter
    dutch = client.get("/recipients/leiden-university?lang=nl").text
    assert "Te laat" in dutch and "Beantwoord op" in dutch


def test_the_feed_and_the_json_carry_the_same_facts(app, client, scored):
    import xml.etree.ElementTree as ET

    letters_sent_days_ago(app, 40)
    feed = client.get("/recipients/leiden-university/feed.atom?lang=en")
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [entry.find(f"{atom}title").text for entry in ET.fromstring(feed.data).iter(f"{atom}entry")]
    assert "Leiden University answered: Together for a safe Leiden: stop sexual violence" in titles
    assert "New campaign: Light the paths" in titles
    assert sum(title.startswith("Letters sent:") for title in titles) == 2
    data = client.get("/api/v1/recipients/leiden-university").get_json()
    assert data["name"] == {"nl": "Universiteit Leiden", "en": "Leiden University"}
    assert data["figures"]["campaigns"] == 2 and data["figures"]["answered"] == 1 and data["figures"]["overdue"] == 2
    statuses = sorted(d["status"] for c in data["campaigns"] for d in c["demands"])
    assert statuses == ["answered", "overdue", "overdue"]
    answered = next(d for c in data["campaigns"] for d in c["demands"] if d["status"] == "answered")
    assert answered["answer_url"].endswith("/campaigns/safe-leiden#recipient-leiden-university")
    assert answered["nl"] == "Eis 0 van safe-leiden" and answered["working_days"] > 20  # answered today, the letters went 40 days ago
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", answered["answered_on"]) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", answered["letter_sent_on"])
    overdue = next(d for c in data["campaigns"] for d in c["demands"] if d["status"] == "overdue")
    assert overdue["answered_on"] is None and overdue["working_days"] > 20
    listing = client.get("/api/v1/recipients").get_json()
    assert [r["key"] for r in listing["recipients"]] == ["leiden-university"]
    assert client.get("/api/v1/recipients/nowhere").status_code == 404


def test_the_openapi_document_describes_the_recipient_routes(app, client, scored):
    import jsonschema

    document = client.get("/api/v1/openapi.json").get_json()
    assert {"/recipients", "/recipients/{key}"} <= set(document["paths"])
    jsonschema.validate(client.get("/api/v1/recipients/leiden-university").get_json(), document["components"]["schemas"]["Recipient"])
    jsonschema.validate(client.get("/api/v1/recipients").get_json()["recipients"][0], document["components"]["schemas"]["RecipientSummary"])


def test_no_address_of_any_recipient_on_any_public_page_feed_or_api_answer(app, scored):
    """Every public route of the app, read as an anonymous visitor in both languages: no registry
    address and no campaign recipient's address anywhere."""
    with app.app_context():
        addresses = set(db.session.execute(db.text("SELECT email FROM organisations UNION SELECT email FROM recipients")).scalars())
    assert "board-secret@leiden.example" in addresses
    paths = ["/", "/recipients/", "/recipients/leiden-university", "/recipients/leiden-university/feed.atom",
             "/api/v1/recipients", "/api/v1/recipients/leiden-university", "/api/v1/campaigns",
             "/campaigns/safe-leiden", "/campaigns/light-the-paths", "/api/v1/campaigns/safe-leiden", "/sitemap.xml"]
    for path in paths:
        for lang in ("nl", "en"):
            response = app.test_client().get(f"{path}?lang={lang}")
            assert response.status_code == 200, path
            for address in addresses:
                assert address not in response.text, (path, address)
            assert "board-secret" not in response.text and "leiden.example" not in response.text, path


def test_the_answer_page_links_the_recipients_page(app, scored):
    page = app.test_client().get(f"{scored}?lang=en").text
    assert "Your page on this platform" in page and 'href="/recipients/leiden-university"' in page


def test_a_reminder_says_the_demands_are_overdue_with_the_link(app, registry):
    from helpers import mail_text
    from petition_app.responses.operations import claim_due_reminders

    addressed_campaign(app, slug="light-the-paths", demands=1)
    send_letters_of(app, "light-the-paths")
    letters_sent_days_ago(app, 15)  # 10 or 11 working days: a reminder, not overdue yet
    with app.app_context():
        claim_due_reminders()
        db.session.commit()
    reminders = [m for m in read_outbox(app) if str(m["To"]) == "board-secret@leiden.example" and "Herinnering" in str(m["Subject"])]
    assert len(reminders) == 1 and "te laat" not in mail_text(reminders[0])
    letters_sent_days_ago(app, 40)
    with app.app_context():  # the first reminder went two weeks ago: the next is due
        db.session.execute(db.text("UPDATE handovers SET last_reminder_at = :t"), {"t": datetime.now(timezone.utc) - timedelta(days=15)})
        db.session.commit()
    with app.app_context():
        claim_due_reminders()
        db.session.commit()
    reminders = [m for m in read_outbox(app) if str(m["To"]) == "board-secret@leiden.example" and "Herinnering" in str(m["Subject"])]
    assert len(reminders) == 2
    text = mail_text(reminders[1])
    assert "te laat" in text and "http://localhost/recipients/leiden-university?lang=nl" in text


def test_a_moderators_new_address_waits_for_review_and_then_reaches_the_campaigns(app, registry):
    slug = addressed_campaign(app)
    moderator = make_admin(app)
    form = {"name_nl": "Universiteit Leiden", "name_en": "Leiden University", "salutation_nl": "Geacht College van Bestuur,",
            "salutation_en": "Dear Executive Board,", "email": "new-board@leiden.example", "language": "nl",
            "website": "https://www.universiteitleiden.nl"}
    saved = moderator.post("/admin/recipients/leiden-university/edit?lang=en", data=form, follow_redirects=True)
    assert "The new address waits for review" in saved.text
    assert "board-secret@leiden.example" in saved.text and "new-board@leiden.example" in saved.text  # side by side
    with app.app_context():
        assert db.session.execute(db.text("SELECT email FROM recipients WHERE organisation_key IS NOT NULL")).scalar_one() == "board-secret@leiden.example"
    number = int(re.search(r'name="number" type="hidden" value="(\d+)"', saved.text).group(1))
    assert moderator.post("/admin/recipients/leiden-university/approve", data={"number": number}).status_code == 302
    with app.app_context():
        assert db.session.execute(db.text("SELECT email FROM recipients WHERE organisation_key IS NOT NULL")).scalar_one() == "new-board@leiden.example"
    log = moderator.get("/admin/recipients/leiden-university?lang=en").text
    assert "new address new-board@leiden.example (was board-secret@leiden.example)" in log
    assert app.test_client().get("/admin/recipients/leiden-university").status_code in (302, 401, 403)


def test_an_import_counts_as_reviewed(app, tmp_path, registry):
    result = import_registry_file(app, tmp_path, [{**LEIDEN, "email": "imported@leiden.example"}])
    assert result.exit_code == 0 and "0 recipient(s) added, 1 changed" in result.output
    with app.app_context():
        assert db.session.execute(db.text("SELECT email FROM organisations")).scalar_one() == "imported@leiden.example"


ODD_KEYS = {"nul": "%00", "nul-after-key": "leiden-university%00", "5000-chars": "a" * 5000, "unicode": "%C3%A9%F0%9F%8C%B7",
            "dot-dot-slash": "..%2f..%2fetc%2fpasswd", "uppercase": "LEIDEN-UNIVERSITY", "sql": "x'%20OR%20'1'%3D'1",
            "like-wildcard": "%25", "trailing-space": "leiden-university%20", "unknown": "utrecht-university"}
KEY_ROUTES = [("GET", "/recipients/{}"), ("GET", "/recipients/{}/feed.atom"), ("GET", "/api/v1/recipients/{}"),
              ("GET", "/admin/recipients/{}"), ("GET", "/admin/recipients/{}/edit"), ("POST", "/admin/recipients/{}/edit"),
              ("POST", "/admin/recipients/{}/approve"), ("POST", "/admin/recipients/{}/reject")]


@pytest.mark.parametrize("label", list(ODD_KEYS))
def test_odd_registry_keys_in_paths_are_not_found(app, registry, label):
    moderator = make_admin(app)
    for method, pattern in KEY_ROUTES:
        visitor = moderator if "/admin/" in pattern else app.test_client()
        response = visitor.open(pattern.format(ODD_KEYS[label]), method=method, data={"number": "1", "note": "x"})
        assert response.status_code == 404, (method, pattern, response.status_code)


def test_a_proposed_entry_has_no_public_page_and_outsiders_get_no_admin_page(app, registry):
    organizer, slug = organizer_draft(app)
    assert organizer.post(f"/organize/{slug}/recipients/propose", data={
        "propose-name_nl": "Gemeente Leiden", "propose-name_en": "Municipality of Leiden", "propose-email": "desk@leiden.example",
        "propose-language": "nl"}).status_code == 302
    assert app.test_client().get("/recipients/municipality-of-leiden").status_code == 404
    assert app.test_client().get("/api/v1/recipients/municipality-of-leiden").status_code == 404
    assert "municipality-of-leiden" not in app.test_client().get("/recipients/").text
    assert organizer.get("/admin/recipients/").status_code == 403
    assert organizer.post("/admin/recipients/municipality-of-leiden/approve", data={"number": 1}).status_code == 403
    assert organizer.post(f"/organize/{slug}/recipients/choose", data={"organisation": "municipality-of-leiden"}).status_code == 404


def test_a_correction_keeps_the_link_to_the_registry_and_the_registry_address(app, registry):
    from helpers import CAMPAIGN_FORM, logged_in

    organizer, slug = organizer_draft(app)
    moderator = make_admin(app)
    assert organizer.post(f"/organize/{slug}/recipients/choose", data={"organisation": "leiden-university"}).status_code == 302
    add_demand_to_first_recipient(app, organizer, slug)
    assert organizer.post(f"/organize/{slug}/submit").status_code == 302
    queue = moderator.get("/admin/?lang=en").text
    number = int(re.search(rf'/admin/{slug}/approve".*?name="revision" value="(\d+)"', queue, re.S).group(1))
    assert moderator.post(f"/admin/{slug}/approve", data={"revision": number, "confirm": "1"}).status_code == 302
    correct = organizer.get(f"/organize/{slug}/correct?lang=en").text
    assert "From the registry of recipients" in correct
    fields = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', correct))
    fields.update({k: v for k, v in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\s*([^<]*)</textarea>', correct)})
    fields.update({"r0_d0_en": "Publish the policy by May.", "r0_email": "elsewhere@example.org"})
    fields.pop("submit", None)
    assert organizer.post(f"/organize/{slug}/correct", data=fields).status_code == 302
    queue = moderator.get("/admin/?lang=en").text
    number = int(re.search(rf'/admin/{slug}/approve".*?name="revision" value="(\d+)"', queue, re.S).group(1))
    assert moderator.post(f"/admin/{slug}/approve", data={"revision": number, "confirm": "1"}).status_code == 302
    with app.app_context():
        row = db.session.execute(db.text("SELECT email, organisation_key FROM recipients")).one()
    assert tuple(row) == ("board-secret@leiden.example", "leiden-university")
    assert "Publish the policy by May." in app.test_client().get("/recipients/leiden-university?lang=en").text


def test_the_sitemap_lists_the_recipients_pages(app, client, registry):
    sitemap = client.get("/sitemap.xml").text
    assert "http://localhost/recipients/leiden-university?lang=nl" in sitemap and "http://localhost/recipients/?lang=en" in sitemap
