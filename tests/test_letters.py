"""Letters to recipients: compiled per recipient and language, handed over with a private answer link,
answered demand by demand, and reminders to those who stay silent."""
import re
from datetime import timedelta

import pytest
from freezegun import freeze_time

from helpers import (
    add_campaign, example_campaign_data, flat, hand_over_letters, mail_text, pdf_text, read_outbox, rows, seed_signers, subject,
    verify_path,
)
from petition_app.extensions import db
from petition_app.timeutil import utcnow

EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[a-z]{2,}")


@pytest.fixture
def signed_campaign(app):
    slug = add_campaign(app)
    seed_signers(
        app,
        slug,
        [
            {"name": "Anna de Vries", "city": "Leiden", "is_public": True, "email": "anna@example.org", "wants_updates": True},
            {"name": "Hidden Person", "city": "Delft", "is_public": False, "email": "hidden@example.org"},
            {"name": "Zoë Ñúñez", "city": None, "is_public": True, "email": "zoe@example.org", "locale": "en", "wants_updates": True},
            {"name": "Not Confirmed", "is_public": True, "email": "pending@example.org", "confirmed": False},
        ],
    )
    return slug


def demands(key, lang):
    recipient = next(r for r in example_campaign_data()["recipients"] if r["key"] == key)
    return [d[lang] for d in recipient["demands"]]


def test_letters_generate_writes_one_letter_per_recipient_and_language(app, runner, signed_campaign, tmp_path):
    out = tmp_path / "letters"
    result = runner.invoke(args=["letters", "generate", signed_campaign, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        f"{key}.{lang}.pdf" for key in ("mayor", "police", "university") for lang in ("en", "nl")
    ]
    for key in ("university", "mayor", "police"):
        for lang in ("nl", "en"):
            text = flat(pdf_text((out / f"{key}.{lang}.pdf").read_bytes()))
            for demand in demands(key, lang):
                assert flat(demand)[:60] in text, (key, lang, demand)
            for other in {"university", "mayor", "police"} - {key}:
                for demand in demands(other, lang):
                    assert flat(demand)[:60] not in text, (key, other, demand)
            assert "Anna de Vries" in text and "Zoë Ñúñez" in text
            assert "Hidden Person" not in text and "Not Confirmed" not in text
            # The organizers' contact address is the only address a letter names; never a signer's.
            assert "organizers@example.org" in text
            assert set(EMAIL.findall(text)) == {"organizers@example.org"}, EMAIL.findall(text)
    dutch, english = (flat(pdf_text((out / f"university.{lang}.pdf").read_bytes())) for lang in ("nl", "en"))
    assert "Universiteit Leiden" in dutch
    assert demands("university", "en")[0][:40] not in dutch
    assert demands("university", "nl")[0][:40] not in english


def test_letters_generate_refuses_an_unknown_campaign(runner, tmp_path):
    result = runner.invoke(args=["letters", "generate", "nope", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "no campaign" in result.output


def recipient_mail(app, address):
    return next(m for m in read_outbox(app) if m["To"] == address)


def answer_path(message):
    return re.search(r"http://localhost(/respond/[\w.\-]+\?lang=\w\w)", mail_text(message)).group(1)


def test_sending_mails_each_recipient_its_letters_and_logs_the_hand_over(app, signed_campaign):
    hand_over_letters(app, signed_campaign)
    message = recipient_mail(app, "board@example.org")
    assert subject(message).startswith("Petitie:")  # the university's language is Dutch
    attachments = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert sorted(attachments) == ["university.en.pdf", "university.nl.pdf"]
    assert demands("university", "en")[0][:50] in flat(pdf_text(attachments["university.en.pdf"]))
    assert "/respond/" in mail_text(message)
    assert rows(app, "handovers") == 3 and rows(app, "letters") == 6
    with app.app_context():
        counts = db.session.execute(db.text("SELECT DISTINCT signature_count FROM handovers")).scalars().all()
        assert counts == [3]
        assert db.session.execute(db.text("SELECT COUNT(*) FROM handovers WHERE sent_at IS NOT NULL")).scalar() == 3

    client = app.test_client()
    page = client.get(answer_path(message))
    assert page.status_code == 200 and "Beantwoord de eisen" in page.text
    with app.app_context():
        opened = db.session.execute(db.text(
            "SELECT opened_at FROM handovers h JOIN recipients r ON r.id = h.recipient_id WHERE r.key = 'university'"
        )).scalar()
        unopened = db.session.execute(db.text("SELECT COUNT(*) FROM handovers WHERE opened_at IS NULL")).scalar()
    assert opened is not None and unopened == 2


def demand_ids(app, key):
    with app.app_context():
        return db.session.execute(db.text(
            "SELECT d.id FROM demands d JOIN recipients r ON r.id = d.recipient_id WHERE r.key = :k ORDER BY d.position"
        ), {"k": key}).scalars().all()


def test_a_recipient_answers_its_own_demands_and_signers_are_told_once(app, signed_campaign):
    hand_over_letters(app, signed_campaign)
    client = app.test_client()
    path = answer_path(recipient_mail(app, "mayor@example.org"))
    first, second = demand_ids(app, "mayor")[:2]
    response = client.post(path, data={f"status_{first}": "accepted", f"text_{first}": "We start in January.",
                                       f"status_{second}": "considering"})
    assert response.status_code == 200 and "Uw antwoorden zijn opgeslagen" in response.text

    page = client.get(f"/campaigns/{signed_campaign}?lang=en").text
    mayor = page[page.index('id="recipient-mayor"'):page.index('id="recipient-police"')]
    assert "Answer from the Mayor of Leiden: Accepted" in mayor and "We start in January." in mayor
    assert "Under consideration" in mayor
    # The text was written in the recipient's language (Dutch, as the form offers first): the English
    # page says so and marks it up as Dutch.
    assert "The recipient wrote this answer in Dutch." in mayor and '<p class="answer-text" lang="nl">We start in January.' in mayor
    assert "Answer from" not in page[page.index('id="recipient-university"'):page.index('id="recipient-mayor"')]
    # At the top: who answered how many of their demands, linking to the answers.
    top = page[:page.index('id="sign"')]
    assert re.search(r'<a href="#recipient-mayor">The Mayor of Leiden answered 2 of 4 demands on \w+ \d+, \d{4}</a>', top), top
    dutch = client.get(f"/campaigns/{signed_campaign}?lang=nl").text
    assert re.search(r"De burgemeester van Leiden beantwoordde 2 van de 4 eisen op \d+ \w+ \d{4}", dutch)
    assert "Dit antwoord is in het Nederlands geschreven" not in dutch  # no label in its own language

    told = [m for m in read_outbox(app) if "answered" in subject(m) or "geantwoord" in subject(m)]
    assert sorted(m["To"] for m in told) == ["anna@example.org", "zoe@example.org"]
    for message in told:  # each in the signer's language, saying how much was answered
        body = message.get_body(("plain",)).get_content()
        assert ("answered 2 of the 4 demands addressed to them" in body) or ("2 van de 4 eisen" in body), body
    client.post(path, data={f"status_{first}": "partly", f"text_{first}": "Changed our mind."})
    assert len([m for m in read_outbox(app) if "answered" in subject(m) or "geantwoord" in subject(m)]) == 2
    assert "Partly accepted" in client.get(f"/campaigns/{signed_campaign}?lang=en").text


def test_a_recipients_link_answers_nothing_but_its_own_demands(app, signed_campaign):
    hand_over_letters(app, signed_campaign)
    client = app.test_client()
    police_path = answer_path(recipient_mail(app, "police@example.org"))
    mayor_demand = demand_ids(app, "mayor")[0]
    response = client.post(police_path, data={f"status_{mayor_demand}": "rejected", f"text_{mayor_demand}": "Hijacked"})
    assert response.status_code == 200
    assert rows(app, "answers") == 0
    assert "Hijacked" not in client.get(f"/campaigns/{signed_campaign}").text

    token = police_path.split("/respond/")[1].split("?")[0]
    tampered = f"/respond/{token[:-2]}xy"
    assert client.get(tampered).status_code == 404
    assert client.post(tampered, data={f"status_{mayor_demand}": "rejected"}).status_code == 404
    assert rows(app, "answers") == 0


def test_an_overlong_answer_is_refused_and_kept(app, signed_campaign):
    hand_over_letters(app, signed_campaign)
    client = app.test_client()
    path = answer_path(recipient_mail(app, "police@example.org"))
    demand = demand_ids(app, "police")[0]
    response = client.post(path, data={f"status_{demand}": "accepted", f"text_{demand}": "x" * 5001})
    assert response.status_code == 422
    assert "Gebruik maximaal 5000 tekens." in response.text
    assert "x" * 5001 in response.text
    assert rows(app, "answers") == 0


def test_silent_recipients_get_at_most_three_reminders_fourteen_days_apart(app, runner, signed_campaign):
    hand_over_letters(app, signed_campaign)

    def reminders():
        return sorted(m["To"] for m in read_outbox(app) if subject(m).startswith(("Reminder", "Herinnering")))

    # the mayor answers; the university and the police stay silent
    path = answer_path(recipient_mail(app, "mayor@example.org"))
    app.test_client().post(path, data={f"status_{demand_ids(app, 'mayor')[0]}": "accepted"})

    start = utcnow()
    assert "sent 0 reminder(s)" in runner.invoke(args=["sweep"]).output
    for days, expected in ((13, 0), (15, 2), (16, 2), (29, 4), (44, 6), (59, 6), (90, 6)):
        with freeze_time(start + timedelta(days=days)):
            runner.invoke(args=["sweep"])
        assert len(reminders()) == expected, days
    assert reminders() == ["board@example.org"] * 3 + ["police@example.org"] * 3


def test_reaching_the_last_goal_compiles_the_letters(app):
    from helpers import sign

    slug = add_campaign(app, goals=[1, 2])
    client = app.test_client()
    for address in ("one@example.org", "two@example.org"):
        sign(client, slug, email=address)
        client.post(verify_path(read_outbox(app)[-1]), follow_redirects=True)
    with app.app_context():
        letters = db.session.execute(db.text("SELECT language, signature_count, goal FROM letters")).all()
    assert len(letters) == 6
    assert {(lang, count, goal) for lang, count, goal in letters} == {("nl", 2, 2), ("en", 2, 2)}
