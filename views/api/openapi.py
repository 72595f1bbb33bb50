"""The OpenAPI 3.1 description of /api/v1, written by hand next to the routes it describes.

tests/views/test_openapi.py fails when a route exists without a description (or
the reverse), and schemathesis checks that answers match these schemas.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

DATE = {"type": "string", "format": "date"}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
STATUS = {"type": "string", "enum": ["kept", "broken", "pending"]}
URL = {"type": "string", "format": "uri"}


def _obj(properties: dict[str, Any], *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [name for name in properties if name not in optional],
        "properties": properties,
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(name: str) -> dict[str, Any]:
    return _obj(
        {
            "items": {"type": "array", "items": _ref(name)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
            "total": {"type": "integer", "minimum": 0},
            "next": {"type": ["string", "null"], "format": "uri"},
        }
    )


SCHEMAS: dict[str, Any] = {
    "Error": _obj(
        {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "parameter": {"type": "string"},
        },
        optional=("parameter",),
    ),
    "CandidateSummary": _obj(
        {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "list_name": {"type": "string"},
            "election": {"type": "string", "description": "election slug"},
        }
    ),
    "PledgeItem": _obj(
        {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "candidate": _ref("CandidateSummary"),
            "theme": {"type": "string"},
            "status": STATUS,
            "status_since": NULLABLE_DATE,
            "deadline": NULLABLE_DATE,
            "overdue": {"type": "boolean"},
            "evidence_count": {"type": "integer", "minimum": 0},
            "url": URL,
        }
    ),
    "Evidence": _obj(
        {
            "id": {"type": "integer"},
            "url": {"type": "string"},
            "outlet": {"type": "string"},
            "published_on": DATE,
            "kind": {"type": "string"},
            "stance": {"type": "string", "enum": ["kept", "broken", "context"]},
            "title": {"type": "string"},
            "quote": {"type": "string"},
            # Archived copies of the cited page, oldest first (issue 13); each names the
            # URL it was made for (`url`): copies of a corrected, previous url stay listed.
            "snapshots": {"type": "array", "items": _ref("Snapshot")},
            # The last link check: null before the first one.
            "link_status": {
                "type": ["string", "null"],
                "enum": ["ok", "moved", "gone", "changed", None],
            },
        }
    ),
    "Snapshot": _obj(
        {
            "retrieved_at": {"type": "string", "format": "date-time"},
            "url": {
                "type": "string",
                "description": "The address this copy was made for: the evidence's url, or "
                "an address it had before an editor corrected it (such a copy is not the copy "
                "of the current url).",
            },
            "final_url": {"type": "string"},
            "http_status": {"type": ["integer", "null"]},
            # SHA-256 of the body as received, in hexadecimal.
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "text_url": URL,
            "warc_url": URL,
        }
    ),
    "HistoryItem": _obj(
        {
            "from": {"type": ["string", "null"], "enum": ["kept", "broken", "pending", None]},
            "to": STATUS,
            "effective_on": DATE,
            "rationale": {"type": "string"},
            "cites": {"type": "array", "items": {"type": "string"}},
            "id": {"type": "integer"},
            # The ledger is append-only: a correction is a new entry naming the one it
            # corrects; the corrected entry stays, no longer counts (status, strongest
            # evidence, feeds), and names its correction.
            "corrects": {
                "type": ["integer", "null"],
                "description": "Id of the entry this one corrects; null for an ordinary ruling.",
            },
            "corrected_by": {
                "type": ["integer", "null"],
                "description": "Id of the entry correcting this one (which then no longer "
                "counts); null while it stands.",
            },
            "correction_reason": {
                "type": "string",
                "description": "Why this entry corrects another; empty for an ordinary ruling.",
            },
        }
    ),
    "PledgeRef": _obj(
        {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "candidate": _ref("CandidateSummary"),
            "url": URL,
            "api_url": URL,
        }
    ),
    "Counts": _obj(
        {
            name: {"type": "integer", "minimum": 0}
            for name in ("kept", "broken", "pending", "overdue", "total")
        }
    ),
    "Election": _obj(
        {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "territory": {"type": "string"},
            "date": DATE,
            "is_demo": {"type": "boolean"},
            "candidate_count": {"type": "integer", "minimum": 0},
            "url": URL,
            "api_url": URL,
        }
    ),
    "Candidate": _obj(
        {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "list_name": {"type": "string"},
            "election": {"type": "string"},
            "elected": {"type": "boolean"},
            "office": {"type": "string"},
            "counts": _ref("Counts"),
            "url": URL,
            "api_url": URL,
        }
    ),
}
SCHEMAS["PledgeDetail"] = {
    "allOf": [
        _ref("PledgeItem"),
        _obj(
            {
                "body": {"type": "string"},
                "body_html": {"type": "string"},
                "made_on": NULLABLE_DATE,
                "source_url": {"type": "string"},
                "quote": {"type": "string"},
                "evidence": {"type": "array", "items": _ref("Evidence")},
                "history": {"type": "array", "items": _ref("HistoryItem")},
                # Made from an archived programme's passage (issue 13), else null.
                "source_passage": {"anyOf": [_ref("SourcePassage"), {"type": "null"}]},
            }
        ),
    ]
}
SCHEMAS["SourcePassage"] = _obj(
    {
        "programme_id": {"type": "integer", "minimum": 1},
        "page": {"type": "integer", "minimum": 1},
        "start": {"type": "integer", "minimum": 0},
        "end": {"type": "integer", "minimum": 1},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "text_url": URL,
    }
)
SCHEMAS["EvidenceWithPledge"] = {"allOf": [_ref("Evidence"), _obj({"pledge": _ref("PledgeRef")})]}
SCHEMAS["StatusChange"] = {
    "allOf": [
        _ref("HistoryItem"),
        _obj(
            {
                "recorded_at": {"type": "string", "format": "date-time"},
                "pledge": _ref("PledgeRef"),
            }
        ),
    ]
}
SCHEMAS["ElectionDetail"] = {
    "allOf": [
        _ref("Election"),
        _obj({"candidates": {"type": "array", "items": _ref("Candidate")}}),
    ]
}
SCHEMAS["CandidateDetail"] = {
    "allOf": [
        _ref("Candidate"),
        _obj(
            {
                "election_api_url": URL,
                "pledges": {"type": "array", "items": _ref("PledgeItem")},
            }
        ),
    ]
}
for _name in ("PledgeItem", "Election", "EvidenceWithPledge", "StatusChange"):
    SCHEMAS[f"{_name}List"] = _list_of(_name)


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _path(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema or {"type": "string", "pattern": "^[^/]+$"},
    }


PAGING = [
    _query(
        "page",
        {"type": "integer", "minimum": 1},
        "Page number (from 1); a page past the last one is answered 400.",
    ),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100}, "Items per page."),
]
SCOPE = [
    _query("election", {"type": "string", "maxLength": 160}, "Election slug."),
    _query("candidate", {"type": "string", "maxLength": 160}, "Candidate slug."),
    _query("pledge", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "Pledge id."),
]
ID = _path("pledge_id", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1})
KIND = _path("kind", {"type": "string", "enum": ["status-changes", "evidence"]})
ELECTION, CANDIDATE = _path("election"), _path("candidate")


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _text(media: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": {"type": "string"}}}}


BAD = {"400": _json("Error", "A parameter has a value that cannot mean anything.")}
MISSING = {
    "404": _json("Error", "No such resource."),
    "410": _json("Error", "Archived: no longer public (lists leave it out)."),
}
NOT_MODIFIED = {"304": {"description": "Not modified (If-None-Match matched the ETag)."}}


def _get(summary: str, responses: dict[str, Any], parameters: list | None = None) -> dict:
    return {
        "get": {
            "summary": summary,
            "parameters": parameters or [],
            "responses": {**responses, **NOT_MODIFIED},
        }
    }


def _feed(summary: str, parameters: list) -> dict:
    return _get(
        summary,
        {
            "200": _text("application/atom+xml", "Atom 1.0 feed."),
            "404": _json("Error", "No such resource."),
            "410": _json("Error", "Archived: no longer public."),
        },
        [*parameters, KIND],
    )


PATHS: dict[str, Any] = {
    "/pledges": _get(
        "Pledges, filtered and paginated (stable order: id; with `q`, most relevant first,"
        " then id).",
        {"200": _json("PledgeItemList", "One page of pledges."), **BAD},
        [
            _query("election", {"type": "string"}, "Election slug."),
            _query("candidate", {"type": "string"}, "Candidate slug."),
            _query("status", STATUS, "Current status."),
            _query("theme", {"type": "string"}, "Theme."),
            _query("overdue", {"type": "string", "enum": ["0", "1"]}, "Past deadline, pending."),
            _query(
                "q",
                {"type": "string", "maxLength": 200},
                "Full-text search in French over titles, bodies, published evidence (titles,"
                " quotes) and candidate names: every word must be found; accents, case and"
                ' word endings are ignored ("caméras" finds "caméra", "video"'
                ' "vidéo"), a word of 3 letters or more also finds the longer words it'
                ' begins, common words ("le", "de") are left out. Quotes, `*`, `-` or'
                " `OR` have no special meaning.",
            ),
            *PAGING,
        ],
    ),
    "/pledges/{pledge_id}": _get(
        "One pledge with its published evidence and status history.",
        {"200": _json("PledgeDetail", "The pledge."), **MISSING},
        [ID],
    ),
    "/elections": _get(
        "Elections, most recent first.",
        {"200": _json("ElectionList", "One page of elections."), **BAD},
        PAGING,
    ),
    "/elections/{election}": _get(
        "One election and its candidates' counts.",
        {"200": _json("ElectionDetail", "The election."), **MISSING},
        [ELECTION],
    ),
    "/candidates/{election}/{candidate}": _get(
        "One candidate: counts and every pledge.",
        {"200": _json("CandidateDetail", "The candidate."), **MISSING},
        [ELECTION, CANDIDATE],
    ),
    "/evidence": _get(
        "Published evidence (stable order: id).",
        {"200": _json("EvidenceWithPledgeList", "One page of evidence."), **BAD},
        [*SCOPE, *PAGING],
    ),
    "/status-changes": _get(
        "Status changes (stable order: id).",
        {"200": _json("StatusChangeList", "One page of status changes."), **BAD},
        [*SCOPE, *PAGING],
    ),
    "/pledges.csv": _get(
        "Every pledge as CSV (UTF-8 with BOM), one row per pledge.",
        {"200": _text("text/csv", "CSV attachment."), **BAD},
        SCOPE[:2],
    ),
    "/evidence.csv": _get(
        "Every published evidence item as CSV (UTF-8 with BOM), one row per item.",
        {"200": _text("text/csv", "CSV attachment."), **BAD},
        SCOPE[:2],
    ),
    "/feeds/{kind}.atom": _feed("Site-wide Atom feed.", []),
    "/feeds/elections/{election}/{kind}.atom": _feed("Atom feed of one election.", [ELECTION]),
    "/feeds/candidates/{election}/{candidate}/{kind}.atom": _feed(
        "Atom feed of one candidate.", [ELECTION, CANDIDATE]
    ),
    "/feeds/pledges/{pledge_id}/{kind}.atom": _feed("Atom feed of one pledge.", [ID]),
    "/openapi.json": {
        "get": {
            "summary": "This description.",
            "responses": {
                "200": {
                    "description": "OpenAPI 3.1 document.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        }
    },
}
# The full dump (import format) belongs to the import/export work; described
# here so that this document covers every /api/v1 route.
DUMP_PATH = {
    "/dump.json": _get(
        "All published data in the import format (elections, candidates, pledges, evidence, "
        "history): the open-data release and a backup. A pledge's history is its effective "
        "history (corrected rulings do not count); each entry carries `corrects` (the entry "
        "it corrects, nested in the same shape, or null) and `correction_reason`. The dump "
        "has no ids: `/status-changes` lists every entry with `corrects`/`corrected_by` ids.",
        {
            "200": {
                "description": "The dump.",
                "content": {
                    "application/json": {
                        "schema": _obj(
                            {"elections": {"type": "array", "items": {"type": "object"}}}
                        )
                    }
                },
            }
        },
    )
}


def build_spec(server_url: str) -> dict[str, Any]:
    """The OpenAPI document, with `server_url` (…/api/v1 on SITE_URL) as its server."""
    paths = dict(PATHS)
    if any(rule.rule.endswith("/api/v1/dump.json") for rule in current_app.url_map.iter_rules()):
        paths.update(DUMP_PATH)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Suivi des engagements — open data API",
            "version": "1",
            "description": (
                "Read-only. Lists are paginated ({items, page, per_page, total, next}) in a "
                "stable order. Any origin may read (Access-Control-Allow-Origin: *). "
                "Answers carry an ETag; If-None-Match gets 304."
            ),
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }
