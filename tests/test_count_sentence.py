"""Issue 20, point 3: one sentence for the count (i18n.count_sentence), online, paper and total, used
everywhere a total is stated. After a paper entry, each place a person reads a count says the same:
the campaign page, the milestone mails (organizers' and signers'), the dashboard and its letter list,
the letters' confirmation page with the recipient's cover mail preview, the cover mail itself, the
letters, the recipient's answer page and the close page."""
import re

import pytest

from helpers import add_campaign, flat, make_organizer, mail_text, pdf_text, read_outbox, recipients_seen, seed_signers

EN = "45 signatures: 5 online and confirmed, 40 on paper"
NL = "45 handtekeningen: 5 online en bevestigd, 40 op papier"
RESPOND_LINK = re.compile(r"http://localhost(/respond/[\w.\-]+)\?lang=\w\w")


@pytest.fixture
def counted(app):
    """5 confirmed signers (one reads English), and then 40 signatures on paper: the first goal (10) is
    reached through the paper entry."""
    slug = add_campaign(app, goals=[10, 2000])
    seed_signers(app, slug, [{"email": f"s{i}@example.org", "wants_updates": True, "locale": "en" if i == 0 else "nl"}
                             for i in range(5)])
    organizer = make_organizer(app, campaigns=[slug])
    before = len(read_outbox(app))
    response = organizer.post(f"/organize/{slug}/paper?lang=en", data={
        "signatures": "40", "collected_on": "2026-01-05", "place": "Market square, Leiden",
        "confirm": "1"})  # the button of the confirmation page an entry that reaches a goal gets
    assert response.status_code == 303
    return app, slug, organizer, read_outbox(app)[before:]


def test_the_page_and_the_milestone_mails_state_online_paper_and_total(counted):
    app, slug, _, mails = counted
    assert EN + "." in flat(app.test_client().get(f"/campaigns/{slug}?lang=en").text)
    assert NL + "." in flat(app.test_client().get(f"/campaigns/{slug}?lang=nl").text)

    told = next(m for m in mails if m["To"] == "organizers@example.org")  # the organizers' language: Dutch
    assert f"De campagne heeft nu {NL}." in flat(mail_text(told))
    assert "bevestigde handtekeningen" not in mail_text(told)  # 10 confirmed was never true
    english_signer = next(m for m in mails if m["To"] == "s0@example.org")
    assert f"The campaign now has {EN}." in flat(mail_text(english_signer))
    dutch_signer = next(m for m in mails if m["To"] == "s1@example.org")
    assert f"De campagne heeft nu {NL}." in flat(mail_text(dutch_signer))


def test_the_dashboard_the_letters_and_their_mails_state_it(counted):
    app, slug, organizer, _ = counted
    dashboard = flat(organizer.get(f"/organize/{slug}?lang=en").text)
    assert EN + "." in dashboard

    confirmation = flat(organizer.get(f"/organize/{slug}/letters/send?lang=en").text)
    assert f"Today's count: {EN}." in confirmation
    assert f"De petitie heeft {NL}." in confirmation  # the cover mail's preview, in the recipient's language

    before = len(read_outbox(app))
    organizer.post(f"/organize/{slug}/letters/send?lang=en", data={"recipients_seen": recipients_seen(organizer, slug)})
    cover = next(m for m in read_outbox(app)[before:] if m["To"] == "board@example.org")
    assert f"De petitie heeft {NL}." in flat(mail_text(cover))
    assert "bevestigd door 5" not in mail_text(cover)
    letters = {part.get_filename(): part.get_content() for part in cover.iter_attachments()}
    english, dutch = flat(pdf_text(letters["university.en.pdf"])), flat(pdf_text(letters["university.nl.pdf"]))
    assert f"The petition has {EN}." in english and "So far" not in english
    assert f"De petitie heeft {NL}." in dutch

    # the dashboard's letter list and hand-over log: no bare number
    dashboard = flat(organizer.get(f"/organize/{slug}?lang=en").text)
    letters_section = dashboard[dashboard.index('id="letters-heading"'):]
    assert re.search(r"\(en\)</a> · [\d\- :]+ · " + re.escape(EN) + "</li>", letters_section), letters_section[:600]
    assert not re.search(r"\(en\)</a> · [\d\- :]+ · \d+</li>", letters_section)
    assert f"<td>{EN}</td>" in letters_section

    answer_page = flat(app.test_client().get(RESPOND_LINK.search(mail_text(cover)).group(1) + "?lang=en").text)
    assert f"It has {EN}." in answer_page


def test_the_close_page_keeps_paper_in_what_the_campaign_keeps(counted):
    _, slug, organizer, _ = counted
    page = flat(organizer.post(f"/organize/{slug}/close?lang=en").text)
    assert f"It keeps what it has, {EN};" in page
    assert "5 confirmed signatures" not in page


def test_without_paper_the_sentence_says_online_and_confirmed(app):
    from petition_app.i18n import count_sentence

    with app.test_request_context("/?lang=en"):
        assert count_sentence(1) == "1 signature, online and confirmed"
        assert count_sentence(2000, 125) == "2,125 signatures: 2,000 online and confirmed, 125 on paper"
    with app.test_request_context("/?lang=nl"):
        assert count_sentence(2000, 125) == "2.125 handtekeningen: 2.000 online en bevestigd, 125 op papier"
