"""Small helpers the tests share: signing through the web form, reading counts as a visitor would."""
import sqlalchemy as sa

from petition_app.extensions import db


def sign_form(name="Anna de Vries", email="anna@example.org", city="Leiden", consent=True, updates=False, public=False):
    data = {"name": name, "email": email, "city": city}
    if consent:
        data["consent"] = "y"
    if updates:
        data["updates"] = "y"
    if public:
        data["public"] = "y"
    return data


def sign(client, slug, follow=True, lang=None, **fields):
    url = f"/campaigns/{slug}/sign" + (f"?lang={lang}" if lang else "")
    return client.post(url, data=sign_form(**fields), follow_redirects=follow)


def api_count(client, slug):
    response = client.get(f"/api/v1/campaigns/{slug}")
    assert response.status_code == 200
    return response.get_json()["signature_count"]


def rows(app, table):
    with app.app_context():
        return db.session.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
