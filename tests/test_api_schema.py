"""schemathesis throws generated requests at every operation of /api/v1/openapi.json: no server error,
and every answer matches the document (status code, content type, body schema).

Driven through Hypothesis directly rather than schemathesis' pytest plugin, which does not load under
pytest 9 yet."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from helpers import add_campaign

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@pytest.fixture
def api_schema(app):
    add_campaign(app)
    add_campaign(app, slug="closed-campaign", status="closed")
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_every_api_answer_matches_the_openapi_document(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 3
    for operation in operations:

        @given(case=operation.as_strategy())
        @SETTINGS
        def call(case):
            case.call_and_validate()

        call()
