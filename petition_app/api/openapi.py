"""The OpenAPI 3.1 description of API v1, kept next to the routes it describes."""
from flask import current_app

BILINGUAL = {
    "type": "object",
    "required": ["nl", "en"],
    "properties": {"nl": {"type": "string"}, "en": {"type": "string"}},
}
ERRORS = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}
    },
}
ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_document():
    return {
        "openapi": "3.1.0",
        "info": {"title": "Petition platform API", "version": "1"},
        "servers": [{"url": current_app.config["BASE_URL"] + "/api/v1"}],
        "paths": {
            "/campaigns/{slug}": {
                "get": {
                    "summary": "A public campaign with its verified count, goals, milestones and demands",
                    "parameters": [SLUG],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Campaign"}, "The campaign"),
                        "404": _json(ERROR, "No public campaign with this slug"),
                    },
                }
            },
            "/campaigns/{slug}/signatures": {
                "post": {
                    "summary": "Sign a campaign; the signature counts once its email address is confirmed",
                    "description": (
                        "The answer is the same for a new and an already-signed address: the owner of "
                        "the address receives either a confirmation link or a note that they signed before."
                    ),
                    "parameters": [SLUG],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SignatureRequest"}}},
                    },
                    "responses": {
                        "202": _json(
                            {
                                "type": "object",
                                "required": ["status"],
                                "properties": {"status": {"const": "check_your_email"}},
                            },
                            "Accepted; a mail is on its way",
                        ),
                        "404": _json(ERROR, "No public campaign with this slug"),
                        "409": _json(ERROR, "The campaign is closed"),
                        "422": _json(ERRORS, "Invalid input, with messages per field"),
                        "429": {"description": "Too many requests"},
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Campaign": {
                    "type": "object",
                    "required": [
                        "slug", "title", "status", "signature_count", "goals", "next_goal",
                        "milestones", "recipients", "url",
                    ],
                    "properties": {
                        "slug": {"type": "string"},
                        "title": BILINGUAL,
                        "status": {"enum": ["open", "closed"]},
                        "signature_count": {"type": "integer", "minimum": 0},
                        "goals": {"type": "array", "items": {"type": "integer"}},
                        "next_goal": {"type": "integer"},
                        "milestones": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["goal", "reached_at"],
                                "properties": {
                                    "goal": {"type": "integer"},
                                    "reached_at": {"type": "string", "format": "date-time"},
                                },
                            },
                        },
                        "recipients": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["key", "name", "demands"],
                                "properties": {
                                    "key": {"type": "string"},
                                    "name": {"type": "string"},
                                    "demands": {"type": "array", "items": BILINGUAL},
                                },
                            },
                        },
                        "url": {"type": "string", "format": "uri"},
                    },
                },
                "SignatureRequest": {
                    "type": "object",
                    "required": ["name", "email", "consent"],
                    "properties": {
                        "name": {"type": "string", "maxLength": 100},
                        "email": {"type": "string", "format": "email", "maxLength": 254},
                        "consent": {"type": "boolean", "description": "Must be true"},
                        "updates": {"type": "boolean", "default": False},
                        "public": {"type": "boolean", "default": False},
                        "locale": {"enum": ["nl", "en"], "default": "nl"},
                        "city": {"type": "string", "maxLength": 80},
                        "source": {"type": "string", "description": "Where the signer came from, e.g. whatsapp"},
                    },
                },
            }
        },
    }
