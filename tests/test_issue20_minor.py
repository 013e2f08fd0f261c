"""Issue 20's smaller findings that are about letters and answers: the signature block never stands
alone on a letter's page, the letter states the count in the one count sentence with the right words
whether the goal is reached or not, the editor says the organizers' contact address is printed in the
letters, and a recipient may give its own translation of an answer, marked as theirs."""
import re

import pytest

from helpers import add_campaign, flat, make_organizer, pdf_text
from petition_app.extensions import db
from test_letter_pdf import content, render


@pytest.fixture(scope="module")
def letter_app(tmp_path_factory):
    from petition_app import create_app
    from petition_app.config import TestConfig

    folder = tmp_path_factory.mktemp("letter_keep")
    return create_app(TestConfig, instance_path=folder / "instance", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'unused.db'}")


def test_the_signature_block_is_never_alone_on_a_page(letter_app):
    """Summaries from 1 to 40 lines push the closing across the page break at some length: the page
    with the signature also holds the closing sentences before it."""
    for lines in range(1, 41):
        summary = "\n".join(f"Line {n} of what the campaign is about, long enough to fill a line." for n in range(lines))
        pages = render(letter_app, content(campaign_summary=summary, organizer_contact="team@example.org"))
        signed = next(n for n, page in enumerate(pages) if "on behalf of the signatories" in page)
        page = flat(pages[signed])
        assert "We look forward to your response." in page, (lines, page[:300])
        assert "The petition, its full text and its current count are online at:" in page, (lines, page[:300])


def test_the_letter_states_the_count_in_one_sentence_reached_or_not(letter_app):
    reached = flat("\n".join(render(letter_app, content(signature_count=5, paper_count=1495, goal=1500, goal_reached=True))))
    assert "The petition has 1,500 signatures: 5 online and confirmed, 1,495 on paper. Its goal of 1,500 signatures has been reached." in reached
    assert "So far" not in reached
    not_yet = flat("\n".join(render(letter_app, content(signature_count=5, goal=1500, goal_reached=False))))
    assert "The petition has 5 signatures, online and confirmed. It continues towards its goal of 1,500 signatures." in not_yet
    assert "has been reached" not in not_yet


def test_the_editor_says_next_to_the_name_that_the_letters_print_the_contact_address(app):
    slug = add_campaign(app)
    organizer = make_organizer(app, campaigns=[slug])
    with app.app_context():
        db.session.execute(db.text("UPDATE campaigns SET status = 'draft' WHERE slug = :s"), {"s": slug})
        db.session.commit()
    for lang, said in (("en", "print the contact address of the account that started the campaign, organizers@example.org,"),
                       ("nl", "het contactadres van het account dat de campagne begon, organizers@example.org,")):
        page = flat(organizer.get(f"/organize/{slug}/edit?lang={lang}").text)
        near = page[page.index('id="organizer_name"'):page.index('id="organizer_name"') + 800]
        assert said in near, near


def test_a_recipient_may_give_its_own_translation_and_the_page_marks_it(app):
    from petition_app.campaigns.queries import public_campaign
    from petition_app.letters.mailing import answer_url

    slug = add_campaign(app)
    with app.app_context(), app.test_request_context():
        recipient = public_campaign(slug).recipients[0]
        path = re.sub(r"^https?://[^/]+", "", answer_url(recipient)).split("?")[0]
        demand_id = recipient.demands[0].id
    client = app.test_client()
    form = client.get(path + "?lang=en").text
    assert f'name="translation_{demand_id}"' in form and "The same explanation in the other language" in form
    response = client.post(path + "?lang=en", data={
        "language": "nl", f"status_{demand_id}": "accepted",
        f"text_{demand_id}": "Wij doen het.\r\n\r\nVanaf maart.", f"translation_{demand_id}": "We will do it.\r\n\r\nFrom March.",
    })
    assert response.status_code == 200

    english = app.test_client().get(f"/campaigns/{slug}?lang=en").text
    assert "Translated by the recipient; the original is in Dutch." in english
    assert re.search(r'<p class="answer-text" lang="en">We will do it\.\s+From March\.</p>', english)
    assert re.search(r'<details class="answer-original"><summary>The original</summary><p class="answer-text" lang="nl">Wij doen het\.', english)
    dutch = app.test_client().get(f"/campaigns/{slug}?lang=nl").text
    assert re.search(r'<p class="answer-text" lang="nl">Wij doen het\.', dutch) and "We will do it" not in dutch
    # the answer box keeps no template line breaks as white space: only the recipient's text keeps its own
    css = (app.static_folder and open(f"{app.static_folder}/style.css", encoding="utf-8").read())
    assert re.search(r"\.answer \{[^}]*\}", css) and "pre-line" not in re.search(r"\.answer \{[^}]*\}", css).group(0)
