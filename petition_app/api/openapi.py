"""The OpenAPI 3.1 description of API v1, kept next to the routes it describes."""
from typing import Any

from flask import current_app

from ..rules import PUBLIC_STATUSES
from ..rules.recipients import DemandProgress
from ..rules.stories import Category, Place

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
# What the campaign list shows of each campaign; the full campaign adds milestones and demands.
# signature_count stays what it always was (confirmed online signatures); paper signatures recorded by
# the organizers come next to it, never inside it.
CAMPAIGN_SUMMARY: dict[str, Any] = {
    "type": "object",
    "required": ["slug", "title", "status", "signature_count", "paper_signature_count", "total_signature_count",
                 "paper_counts_toward_goals", "goals", "next_goal", "url"],
    "properties": {
        "slug": {"type": "string"},
        "title": BILINGUAL,
        "status": {"enum": [str(s) for s in PUBLIC_STATUSES]},
        "signature_count": {"type": "integer", "minimum": 0, "description": "Confirmed online signatures"},
        "paper_signature_count": {"type": "integer", "minimum": 0, "description": "Paper signatures the organizers recorded (voided entries left out)"},
        "total_signature_count": {"type": "integer", "minimum": 0, "description": "signature_count + paper_signature_count"},
        "paper_counts_toward_goals": {"type": "boolean", "description": "Whether next_goal and the milestones count paper signatures"},
        "goals": {"type": "array", "items": {"type": "integer"}},
        "next_goal": {"type": "integer"},
        "url": {"type": "string", "format": "uri"},
    },
}
HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
# A letter record (issue 22); record_hash is SHA-256 over the record's other fields as JSON with sorted
# keys, no white space, ASCII only (rules/merkle.canonical_record).
LETTER_RECORD: dict[str, Any] = {
    "type": "object",
    "required": ["number", "sent_at", "counts", "tree_size", "root", "previous", "record_hash", "files"],
    "additionalProperties": False,
    "properties": {
        "number": {"type": "integer", "minimum": 1, "description": "1, 2, ... per campaign"},
        "sent_at": {"type": "string", "format": "date-time", "description": "UTC, to the second (YYYY-MM-DDTHH:MM:SSZ)"},
        "counts": {
            "type": "object",
            "required": ["online", "paper", "total"],
            "properties": {"online": {"type": "integer", "minimum": 0}, "paper": {"type": "integer", "minimum": 0},
                           "total": {"type": "integer", "minimum": 0}},
        },
        "tree_size": {"type": "integer", "minimum": 0, "description": "Leaves of the Merkle tree: equals counts.online"},
        "root": {**HEX64, "description": "RFC 9162 Merkle tree hash over the leaves, in order of confirmation"},
        "previous": {"anyOf": [HEX64, {"type": "null"}], "description": "record_hash of the record before; null for the first"},
        "record_hash": {**HEX64, "description": "SHA-256 of the canonical JSON of the other fields"},
        "files": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["recipient", "language", "sha256"],
                "properties": {"recipient": {"type": "string", "description": "The recipient's key"},
                               "language": {"enum": ["nl", "en"]}, "sha256": HEX64},
            },
        },
    },
}
# A registry entry of recipients (issue 21): names, links and figures; never its address.
RECIPIENT_FIGURES: dict[str, Any] = {
    "type": "object",
    "required": ["campaigns", "demands", "answered", "partly_answered", "considering", "waiting", "overdue", "median_working_days_to_answer"],
    "properties": {
        "campaigns": {"type": "integer", "minimum": 0},
        "demands": {"type": "integer", "minimum": 0},
        "answered": {"type": "integer", "minimum": 0},
        "partly_answered": {"type": "integer", "minimum": 0},
        "considering": {"type": "integer", "minimum": 0, "description": "Under consideration, within response_working_days"},
        "waiting": {"type": "integer", "minimum": 0},
        "overdue": {"type": "integer", "minimum": 0, "description": "Waiting longer than response_working_days"},
        "median_working_days_to_answer": {"type": ["number", "null"]},
    },
}
RECIPIENT_SUMMARY: dict[str, Any] = {
    "type": "object",
    "required": ["key", "name", "website", "url", "feed_url", "response_working_days", "figures"],
    "properties": {
        "key": {"type": "string", "examples": ["leiden-university"]},
        "name": BILINGUAL,
        "website": {"type": ["string", "null"]},
        "url": {"type": "string", "format": "uri"},
        "feed_url": {"type": "string", "format": "uri", "description": "The recipient's Atom feed"},
        "response_working_days": {
            "type": "integer",
            "description": "Working days (weekends and Dutch public holidays not counted) after the first letter before a demand is overdue",
        },
        "figures": RECIPIENT_FIGURES,
    },
}
KEY = {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}
SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
FORMAT = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": "csv for CSV with a header row (the same as the .csv suffix); JSON otherwise",
    "schema": {"enum": ["json", "csv"], "default": "json"},
}
CORS = {
    "Access-Control-Allow-Origin": {
        "description": "Always *: open data, readable from any site",
        "schema": {"const": "*"},
    }
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _open_data(schema: dict[str, Any], csv_example: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": CORS,
        "content": {
            "application/json": {"schema": schema},
            "text/csv": {"schema": {"type": "string"}, "example": csv_example},
        },
    }


def _stats_paths(name: str, summary: str, description: str, schema: dict[str, Any], csv_example: str) -> dict[str, Any]:
    operation = {
        "summary": summary,
        "description": description,
        "parameters": [SLUG, FORMAT],
        "responses": {
            "200": _open_data(schema, csv_example, "Counts of counted (confirmed) signatures"),
            "404": _json(ERROR, "No public campaign with this slug"),
        },
    }
    csv_operation = {
        **operation,
        "summary": summary + " (CSV)",
        "parameters": [SLUG],
        "responses": {
            "200": {
                "description": "CSV with a header row",
                "headers": CORS,
                "content": {"text/csv": {"schema": {"type": "string"}, "example": csv_example}},
            },
            "404": _json(ERROR, "No public campaign with this slug"),
        },
    }
    return {
        f"/campaigns/{{slug}}/stats/{name}": {"get": operation},
        f"/campaigns/{{slug}}/stats/{name}.csv": {"get": csv_operation},
    }


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Petition platform API", "version": "1"},
        "servers": [{"url": current_app.config["BASE_URL"] + "/api/v1"}],
        "paths": {
            "/campaigns": {
                "get": {
                    "summary": "The public campaigns (open and closed), newest first",
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "required": False,
                            "description": "Only open or only closed campaigns",
                            "schema": {"enum": [str(s) for s in PUBLIC_STATUSES]},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The campaigns",
                            "headers": CORS,
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["campaigns"],
                                        "properties": {
                                            "campaigns": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/CampaignSummary"},
                                            }
                                        },
                                    }
                                }
                            },
                        },
                        "422": _json(ERRORS, "status is neither open nor closed"),
                    },
                }
            },
            **_stats_paths(
                "daily",
                "Counted signatures per day",
                "Signatures counted per day of confirmation, in the campaign's time zone, from the first "
                "day to the last (days without any are listed with 0); next to them the paper signatures "
                "the organizers recorded, by the day the sheets were collected.",
                {"$ref": "#/components/schemas/DailyStats"},
                "date,signatures,paper_signatures\r\n2026-03-01,12,0\r\n2026-03-02,0,40\r\n2026-03-03,31,0\r\n",
            ),
            **_stats_paths(
                "cities",
                "Counted signatures per city",
                "Signatures counted per city given by the signers (spellings differing only in case or "
                "spacing are one city). A city with fewer than min_group_size signers is folded into "
                "other, so that nobody is singled out; signers who gave no city are not_given. In CSV the "
                "group column says which a row is: city, other or not_given.",
                {"$ref": "#/components/schemas/CityStats"},
                "group,city,signatures\r\ncity,Leiden,120\r\ncity,Den Haag,14\r\nother,,9\r\nnot_given,,40\r\n",
            ),
            **_stats_paths(
                "stories",
                "People who shared an experience, per category and place",
                "For a campaign that takes stories: how many people the story and support team counted "
                "(null when fewer than min_group_size), and per category (one person may name several) "
                "and per place. A group smaller than min_group_size is folded into other, and more groups "
                "with it while other would be smaller; no figure is ever under min_group_size. 404 when the "
                "campaign does not take stories. In CSV the dimension column says what a row counts.",
                {"$ref": "#/components/schemas/StoryStats"},
                "dimension,group,people\r\ntotal,,14\r\ncategory,sexual_harassment,8\r\ncategory,other,6\r\n"
                "place,campus,9\r\nplace,other,5\r\n",
            ),
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
            "/campaigns/{slug}/letters": {
                "get": {
                    "summary": "The public records of a campaign's letters, first first",
                    "description": "One record per hand-over (docs/verifiable-letters.md): counts, the SHA-256 of every PDF sent, the Merkle tree's size and root, the chain of record hashes.",
                    "parameters": [SLUG],
                    "responses": {
                        "200": {
                            "description": "The records",
                            "headers": CORS,
                            "content": {"application/json": {"schema": {
                                "type": "object",
                                "required": ["slug", "letters"],
                                "properties": {
                                    "slug": {"type": "string"},
                                    "letters": {"type": "array", "items": {"$ref": "#/components/schemas/LetterRecord"}},
                                },
                            }}},
                        },
                        "404": _json(ERROR, "No public campaign with this slug"),
                    },
                }
            },
            "/campaigns/{slug}/letters/{number}": {
                "get": {
                    "summary": "One letter record",
                    "parameters": [SLUG, {"name": "number", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}],
                    "responses": {
                        "200": {"description": "The record", "headers": CORS,
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LetterRecord"}}}},
                        "404": _json(ERROR, "No public campaign with this slug, or no record with this number"),
                    },
                }
            },
            "/recipients": {
                "get": {
                    "summary": "Every recipient of the registry, with its figures (open data, no address)",
                    "responses": {
                        "200": {
                            **_json(
                                {
                                    "type": "object",
                                    "required": ["recipients"],
                                    "properties": {"recipients": {"type": "array", "items": {"$ref": "#/components/schemas/RecipientSummary"}}},
                                },
                                "The approved recipients",
                            ),
                            "headers": CORS,
                        },
                    },
                }
            },
            "/recipients/{key}": {
                "get": {
                    "summary": "One recipient: public campaigns addressed to it, letters sent and each demand's standing (open data, no address)",
                    "parameters": [KEY],
                    "responses": {
                        "200": {**_json({"$ref": "#/components/schemas/Recipient"}, "The recipient"), "headers": CORS},
                        "404": {**_json(ERROR, "No approved recipient with this key"), "headers": CORS},
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
                "LetterRecord": LETTER_RECORD,
                "Campaign": {
                    "type": "object",
                    "required": [*CAMPAIGN_SUMMARY["required"], "milestones", "recipients"],
                    "properties": {
                        **CAMPAIGN_SUMMARY["properties"],
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
                    },
                },
                "CampaignSummary": CAMPAIGN_SUMMARY,
                "RecipientSummary": RECIPIENT_SUMMARY,
                "Recipient": {
                    "type": "object",
                    "required": [*RECIPIENT_SUMMARY["required"], "campaigns"],
                    "properties": {
                        **RECIPIENT_SUMMARY["properties"],
                        "campaigns": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["slug", "title", "url", "signature_count", "paper_signature_count",
                                             "total_signature_count", "letters_sent", "demands"],
                                "properties": {
                                    "slug": {"type": "string"},
                                    "title": BILINGUAL,
                                    "url": {"type": "string", "format": "uri"},
                                    "signature_count": {"type": "integer", "minimum": 0},
                                    "paper_signature_count": {"type": "integer", "minimum": 0},
                                    "total_signature_count": {"type": "integer", "minimum": 0},
                                    "letters_sent": {"type": "array", "items": {"type": "string", "format": "date-time"}},
                                    "demands": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["nl", "en", "status", "letter_sent_on", "answered_on", "working_days", "answer_url"],
                                            "properties": {
                                                "nl": {"type": "string"},
                                                "en": {"type": "string"},
                                                "status": {
                                                    "enum": [str(p) for p in DemandProgress],
                                                    "description": (
                                                        "answered (accepted or rejected), partly, considering, waiting, or overdue: "
                                                        "no answer, or only under consideration, past response_working_days"
                                                    ),
                                                },
                                                "letter_sent_on": {"type": ["string", "null"], "format": "date", "description": "The first letter's day (Europe/Amsterdam)"},
                                                "answered_on": {"type": ["string", "null"], "format": "date"},
                                                "working_days": {
                                                    "type": ["integer", "null"],
                                                    "description": "Since the first letter while waiting; from the first letter to the answer once answered; null before any letter",
                                                },
                                                "answer_url": {"type": ["string", "null"], "format": "uri"},
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
                "DailyStats": {
                    "type": "object",
                    "required": ["slug", "timezone", "signature_count", "paper_signature_count", "total_signature_count", "days"],
                    "properties": {
                        "slug": {"type": "string"},
                        "timezone": {"type": "string", "examples": ["Europe/Amsterdam"]},
                        "signature_count": {"type": "integer", "minimum": 0},
                        "paper_signature_count": {"type": "integer", "minimum": 0},
                        "total_signature_count": {"type": "integer", "minimum": 0},
                        "days": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["date", "signatures", "paper_signatures"],
                                "properties": {
                                    "date": {"type": "string", "format": "date"},
                                    "signatures": {"type": "integer", "minimum": 0},
                                    "paper_signatures": {"type": "integer", "minimum": 0, "description": "By the date the sheets were collected"},
                                },
                            },
                        },
                    },
                },
                "CityStats": {
                    "type": "object",
                    "required": ["slug", "min_group_size", "cities", "other", "not_given"],
                    "properties": {
                        "slug": {"type": "string"},
                        "min_group_size": {"type": "integer", "description": "Smaller cities are folded into other"},
                        "cities": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["city", "signatures"],
                                "properties": {
                                    "city": {"type": "string"},
                                    "signatures": {"type": "integer", "minimum": 0},
                                },
                            },
                        },
                        "other": {"type": "integer", "minimum": 0},
                        "not_given": {"type": "integer", "minimum": 0},
                    },
                },
                "StoryStats": {
                    "type": "object",
                    "required": ["slug", "min_group_size", "people", "categories", "places"],
                    "properties": {
                        "slug": {"type": "string"},
                        "min_group_size": {"type": "integer", "description": "No figure is smaller"},
                        "people": {"type": ["integer", "null"], "minimum": 5},
                        "categories": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["category", "people"],
                                "properties": {
                                    "category": {"enum": [str(c) for c in Category]},
                                    "people": {"type": "integer", "minimum": 5},
                                },
                            },
                        },
                        "places": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["place", "people"],
                                "properties": {
                                    "place": {"enum": [str(p) for p in Place]},
                                    "people": {"type": "integer", "minimum": 5},
                                },
                            },
                        },
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
