"""Issue 20, minor experience findings, without a browser: the sign form's address has no `#sign` (whose
scroll to the section moved the focus from the error summary back to the page), and the paper form sent
with mistakes gets GOV.UK's error summary (autofocus, links to the fields, "Error:" in the title) and keeps
what was typed. tests/e2e/test_i20_forms.py follows the focus in Chromium."""
import re

from helpers import add_campaign, make_organizer
from petition_app.config import PROJECT_ROOT


def test_the_sign_form_posts_to_an_address_without_a_fragment(app):
    slug = add_campaign(app)
    page = app.test_client().get(f"/campaigns/{slug}?lang=en").text
    action = re.search(r'<form method="post" action="([^"]*/sign)[^"]*"', page)
    assert action and f'action="/campaigns/{slug}/sign"' in page and f"/campaigns/{slug}/sign#sign" not in page


def test_the_paper_form_with_mistakes_has_an_error_summary_and_keeps_what_was_typed(app):
    slug = add_campaign(app)
    organizer = make_organizer(app, campaigns=[slug])
    for lang, title, problem in (("en", "Error:", "There is a problem"), ("nl", "Fout:", "Er is een probleem")):
        answer = organizer.post(f"/organize/{slug}/paper?lang={lang}", data={"signatures": "veel", "place": "Stationsplein"})
        assert answer.status_code == 422
        html = answer.text
        assert re.search(r"<title>\s*" + title, html)
        summary = re.search(r'<div class="error-summary"[^>]*autofocus data-error-summary>(.*?)</div>', html, re.S)
        assert summary and problem in summary.group(1)
        assert 'href="#signatures"' in summary.group(1) and 'href="#collected_on"' in summary.group(1)
        assert 'value="Stationsplein"' in html


def test_the_paper_setting_has_its_labels_beside_the_radios(app):
    slug = add_campaign(app)
    organizer = make_organizer(app, campaigns=[slug])
    html = organizer.get(f"/organize/{slug}/paper?lang=en").text
    assert re.search(r'<div class="radio"><input[^>]+id="counts-0"[^>]*> <label for="counts-0">', html)
    css = (PROJECT_ROOT / "static" / "style.css").read_text(encoding="utf-8")
    assert ".field .radio { display: flex;" in css and ".field .radio label { display: inline;" in css
