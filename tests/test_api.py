"""JSON API v1, as an integrator would use it."""
import jsonschema
import pytest

from helpers import add_campaign, read_outbox, rows, verify_path

GOOD = {"name": "Anna de Vries", "email": "anna@example.org", "consent": True, "updates": True, "public": False, "locale": "en"}


def schema(client, name):
    document = client.get("/api/v1/openapi.json").get_json()
    return {"$ref": f"#/components/schemas/{name}", "components": document["components"]}


def test_get_campaign_matches_the_contract_and_the_openapi_document(app, campaign):
    client = app.test_client()
    body = client.get(f"/api/v1/campaigns/{campaign}").get_json()
    jsonschema.validate(body, schema(client, "Campaign"))
    assert body["slug"] == "safe-leiden"
    assert body["title"]["en"].startswith("Together for a safe Leiden")
    assert body["status"] == "open"
    assert body["signature_count"] == 0
    assert body["goals"] == [1500, 2000] and body["next_goal"] == 1500
    assert body["milestones"] == []
    assert [r["key"] for r in body["recipients"]] == ["university", "mayor", "police"]
    assert all(r["demands"] and all(set(d) == {"nl", "en"} for d in r["demands"]) for r in body["recipients"])
    assert body["url"] == "http://localhost/campaigns/safe-leiden"
    assert "@example.org" not in str(body)  # no recipient or organizer address


def test_unknown_campaign_is_404(app):
    response = app.test_client().get("/api/v1/campaigns/nope")
    assert response.status_code == 404 and response.get_json() == {"error": "not_found"}


def test_post_signature_answers_the_same_for_new_and_repeat_and_counts_after_confirmation(app, campaign):
    client = app.test_client()
    first = client.post(f"/api/v1/campaigns/{campaign}/signatures", json=GOOD)
    repeat = client.post(f"/api/v1/campaigns/{campaign}/signatures", json={**GOOD, "email": " ANNA@example.org"})
    assert first.status_code == repeat.status_code == 202
    assert first.data == repeat.data
    assert first.get_json() == {"status": "check_your_email"}
    assert rows(app, "signatures") == 1
    mails = read_outbox(app)
    assert len(mails) == 2
    client.post(verify_path(mails[0]), follow_redirects=True)
    assert client.get(f"/api/v1/campaigns/{campaign}").get_json()["signature_count"] == 1


@pytest.mark.parametrize(
    "payload, field",
    [
        ({**GOOD, "email": "nope"}, "email"),
        ({**GOOD, "name": ""}, "name"),
        ({**GOOD, "name": "x" * 10_000}, "name"),
        ({**GOOD, "name": "=cmd|' /C calc'!A0"}, "name"),
        ({**GOOD, "consent": False}, "consent"),
        ({k: v for k, v in GOOD.items() if k != "consent"}, "consent"),
        ({**GOOD, "consent": "yes"}, "consent"),
        ({**GOOD, "name": 42}, "name"),
        ({**GOOD, "locale": "fr"}, "locale"),
        ({**GOOD, "city": ["Leiden"]}, "city"),
    ],
)
def test_post_signature_rejects_bad_input_with_errors_per_field(app, campaign, payload, field):
    response = app.test_client().post(f"/api/v1/campaigns/{campaign}/signatures", json=payload)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert field in errors and all(isinstance(m, str) and m for m in errors[field])
    assert rows(app, "signatures") == 0


def test_errors_come_in_the_requested_language(app, campaign):
    response = app.test_client().post(
        f"/api/v1/campaigns/{campaign}/signatures", json={**GOOD, "locale": "nl", "name": ""}
    )
    assert response.get_json()["errors"]["name"] == ["Vul je naam in."]


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"text"'])
def test_post_signature_rejects_a_body_that_is_not_a_json_object(app, campaign, body):
    response = app.test_client().post(
        f"/api/v1/campaigns/{campaign}/signatures", data=body, content_type="application/json"
    )
    assert response.status_code == 422
    assert "body" in response.get_json()["errors"]


def test_post_signature_to_a_closed_campaign_is_409(app):
    slug = add_campaign(app, status="closed")
    response = app.test_client().post(f"/api/v1/campaigns/{slug}/signatures", json=GOOD)
    assert response.status_code == 409
    assert rows(app, "signatures") == 0


def test_openapi_document_describes_the_signing_routes(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert {"/campaigns/{slug}", "/campaigns/{slug}/signatures"} <= set(document["paths"])
    post = document["paths"]["/campaigns/{slug}/signatures"]["post"]
    assert set(post["responses"]) == {"202", "404", "409", "422", "429"}
