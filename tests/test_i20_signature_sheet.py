"""Issue 20, minor experience findings: a printable signature sheet (like petities.nl's): the campaign's
title, its demands, a consent line and columns to sign in (name, place, signature), in each of the
campaign's languages, linked from the paper page and the dashboard; for its organizers and moderators."""
from helpers import add_campaign, flat, make_admin, make_organizer, pdf_pages, pdf_text
from petition_app.extensions import db


def campaign_texts(app, slug, locale):
    from petition_app.campaigns.queries import campaign_by_slug

    with app.app_context():
        campaign = campaign_by_slug(slug)
        return campaign.text("title", locale), [d.text(locale) for r in campaign.recipients for d in r.demands]


def test_the_sheet_holds_title_demands_consent_and_columns_in_each_language(app):
    slug = add_campaign(app)
    organizer = make_organizer(app, campaigns=[slug])
    for language, words in (
        ("en", ("Our demands to", "Name", "Place", "Signature", "By signing I support these demands", "Sign online too")),
        ("nl", ("Onze eisen aan", "Naam", "Plaats", "Handtekening", "Met mijn handtekening steun ik deze eisen", "Teken ook online")),
    ):
        response = organizer.get(f"/organize/{slug}/paper/sheet.pdf?language={language}")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.headers["Cache-Control"] == "no-store"
        text = flat(pdf_text(response.data))
        title, demands = campaign_texts(app, slug, language)
        assert flat(title) in text
        for demand in demands:
            assert flat(demand)[:60] in text, (language, demand)
        for word in words:
            assert word in text, (language, word)
        rows_page = flat(pdf_pages(response.data)[-1])  # the rows say again what is signed, and that it is agreed to
        assert flat(title) in rows_page and words[4] in rows_page
        assert " 1 2 3 4 5 6 7 8 9 10 " in rows_page


def test_a_short_campaign_fits_on_one_page(app):
    slug = add_campaign(app)
    with app.app_context():
        from petition_app.campaigns.queries import campaign_by_slug

        campaign = campaign_by_slug(slug)
        for recipient in campaign.recipients[1:]:
            db.session.delete(recipient)
        del campaign.recipients[0].demands[1:]
        db.session.commit()
    organizer = make_organizer(app, campaigns=[slug])
    pages = pdf_pages(organizer.get(f"/organize/{slug}/paper/sheet.pdf?language=en").data)
    assert len(pages) == 1 and " 15 " in flat(pages[0])


def test_the_sheet_is_linked_from_the_paper_page_and_the_dashboard_and_is_private(app):
    slug = add_campaign(app)
    organizer = make_organizer(app, campaigns=[slug])
    for page in (f"/organize/{slug}/paper?lang=en", f"/organize/{slug}?lang=en"):
        html = organizer.get(page).text
        assert f'href="/organize/{slug}/paper/sheet.pdf?language=nl"' in html, page
        assert f'href="/organize/{slug}/paper/sheet.pdf?language=en"' in html, page
    assert make_admin(app).get(f"/organize/{slug}/paper/sheet.pdf").status_code == 200
    stranger = make_organizer(app, email="stranger@example.org")
    assert stranger.get(f"/organize/{slug}/paper/sheet.pdf").status_code == 404
    assert app.test_client().get(f"/organize/{slug}/paper/sheet.pdf").status_code == 302  # to the login


def test_a_draft_has_no_sheet_yet(app):
    slug = add_campaign(app, status="draft")
    organizer = make_organizer(app, campaigns=[slug])
    assert organizer.get(f"/organize/{slug}/paper/sheet.pdf").status_code == 404
