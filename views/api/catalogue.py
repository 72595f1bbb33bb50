"""API routes: the open-data catalogue (elections, candidates, evidence, status changes) and
the OpenAPI description of every /api/v1 route.

Read-only JSON with the envelope of /api/v1/pledges ({"items", "page", "per_page",
"total", "next"}), stable ordering. Field names come from
pledges.open_data.representations (a contract). Anonymous answers go through the page
cache (ETag and 304 keyed by the data version).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask import request as flask_request

from models.db import id_of
from pledges.archive.reads import archive_info
from pledges.errors import Gone
from pledges.open_data import catalogue
from pledges.open_data.catalogue import Page, Scope
from pledges.open_data.representations import (
    election_detail_json,
    election_json,
    evidence_with_pledge_json,
    ruling_with_pledge_json,
)
from pledges.scoreboard import MAX_PER_PAGE
from pledges.status import corrected_by_ids
from pledges.widgets import can_exist
from views.api import bp
from views.api.openapi import build_spec
from views.api.pledges import DEFAULT_PER_PAGE, json_error
from views.database import db_session
from views.labels import today
from views.page_cache import cached_page
from views.public import BadFilter, read_positive_int
from views.query import parse_id
from views.urls import absolute_url, open_data_url


def read_paging() -> tuple[int, int]:
    args = flask_request.args
    page = read_positive_int(args, "page", 1, strict=True)
    per_page = read_positive_int(args, "per_page", DEFAULT_PER_PAGE, strict=True)
    if per_page > MAX_PER_PAGE:
        raise BadFilter("per_page", f"at most {MAX_PER_PAGE}")
    return page, per_page


def read_scope() -> Scope:
    """Filters of the evidence and status-change lists: election, candidate, pledge."""
    args = flask_request.args
    election = (args.get("election") or "").strip() or None
    candidate = (args.get("candidate") or "").strip() or None
    pledge = (args.get("pledge") or "").strip()
    pledge_id = parse_id(pledge)
    if pledge and pledge_id is None:
        raise BadFilter("pledge", "expected a pledge id")
    for name, value in (("election", election), ("candidate", candidate)):
        if value and len(value) > 160:
            raise BadFilter(name, "longer than 160 characters")
        if not can_exist(value):
            raise BadFilter(name, "contains a NUL character")
    return Scope(election=election, candidate=candidate, pledge_id=pledge_id)


def envelope(result: Page, items: list[Any], endpoint: str, **args: Any) -> Response:
    """The paginated answer; past the last page is a 400, as for /api/v1/pledges."""
    pages = max(1, -(-result.total // result.per_page))
    if result.page > pages:
        return json_error(400, "bad_request", f"there are {pages} pages", parameter="page")
    next_url = None
    if result.has_next:
        query = {k: v for k, v in args.items() if v is not None}
        next_url = absolute_url(
            endpoint, page=result.page + 1, per_page=result.per_page, lang=None, **query
        )
    return jsonify(
        {
            "items": items,
            "page": result.page,
            "per_page": result.per_page,
            "total": result.total,
            "next": next_url,
        }
    )


def _bad(error: BadFilter) -> Response:
    return json_error(400, "bad_request", error.message, parameter=error.name)


@bp.get("/elections")
@cached_page
def elections() -> Response:
    """Every election, most recent first, with its number of candidates."""
    try:
        page, per_page = read_paging()
    except BadFilter as error:
        return _bad(error)
    result = catalogue.list_elections(db_session(), page=page, per_page=per_page)
    items = [election_json(e, candidate_count=n, urls=open_data_url) for e, n in result.items]
    return envelope(result, items, "api.elections")


@bp.get("/elections/<election>")
@cached_page
def election(election: str) -> Response:
    """One election and each candidate's counts of kept, broken and pending pledges."""
    try:
        found = catalogue.get_election_with_counts(db_session(), election, today=today())
    except Gone:
        return json_error(410, "gone", f"election {election!r} was archived")
    if found is None:
        return json_error(404, "not_found", f"no election {election!r}")
    return jsonify(election_detail_json(*found, urls=open_data_url))


@bp.get("/candidates/<election>/<candidate>")
@cached_page
def candidate(election: str, candidate: str) -> Response:
    """One candidate: counts and every pledge (the list fields of /api/v1/pledges)."""
    try:
        detail = catalogue.get_candidate_detail(
            db_session(), election, candidate, today=today(), urls=open_data_url
        )
    except Gone:
        return json_error(410, "gone", f"candidate {candidate!r} in {election!r} was archived")
    if detail is None:
        return json_error(404, "not_found", f"no candidate {candidate!r} in {election!r}")
    return jsonify(detail)


@bp.get("/evidence")
@cached_page
def evidence() -> Response:
    """Published evidence, in id order, optionally for one election, candidate or pledge."""
    try:
        page, per_page = read_paging()
        scope = read_scope()
    except BadFilter as error:
        return _bad(error)
    result = catalogue.list_evidence(db_session(), scope, page=page, per_page=per_page)
    archives = archive_info(db_session(), [id_of(e) for e in result.items])
    items = [
        evidence_with_pledge_json(e, urls=open_data_url, archive=archives.get(id_of(e)))
        for e in result.items
    ]
    return envelope(result, items, "api.evidence", **_scope_args(scope))


@bp.get("/status-changes")
@cached_page
def status_changes() -> Response:
    """Every status change (ruling) in id order, optionally for one election, candidate, pledge."""
    try:
        page, per_page = read_paging()
        scope = read_scope()
    except BadFilter as error:
        return _bad(error)
    result = catalogue.list_status_changes(db_session(), scope, page=page, per_page=per_page)
    corrected = corrected_by_ids(db_session(), [c.id for c in result.items])
    items = [
        ruling_with_pledge_json(c, urls=open_data_url, corrected_by=corrected.get(c.id or 0))
        for c in result.items
    ]
    return envelope(result, items, "api.status_changes", **_scope_args(scope))


def _scope_args(scope: Scope) -> dict[str, Any]:
    return {"election": scope.election, "candidate": scope.candidate, "pledge": scope.pledge_id}


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3 description of every /api/v1 route (tests check it against the routes)."""
    response = jsonify(build_spec(absolute_url("api.elections", lang=None).rsplit("/", 1)[0]))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
