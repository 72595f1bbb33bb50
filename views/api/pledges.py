"""API routes: pledges (`/api/v1/pledges`, `/api/v1/pledges/<id>`), read-only JSON.

Field names come from pledges.open_data.representations (a contract). Lists are paginated in a
stable order (by id). Bad filter values get a 400 JSON answer, unknown ids a 404.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask import request as flask_request

from models.db import id_of
from pledges import programmes
from pledges import scoreboard as reads
from pledges.archive.reads import archive_info
from pledges.archiving import is_gone
from pledges.open_data.representations import (
    pledge_detail_json,
    pledge_json,
    source_passage_json,
)
from pledges.scoreboard import MAX_PER_PAGE
from views.api import bp
from views.database import db_session, read_per_version
from views.labels import today
from views.page_cache import cached_page
from views.public import BadFilter, filter_args, read_filters, read_positive_int
from views.urls import absolute_url, open_data_url

DEFAULT_PER_PAGE = 20


def pledge_url(pledge_id: int) -> str:
    """The pledge's public page (the `url` field)."""
    return absolute_url("public.pledge", pledge_id=pledge_id, lang=None)


def _json(payload: Any, status: int = 200) -> Response:
    response = jsonify(payload)
    response.status_code = status
    return response


def json_error(status: int, error: str, message: str, **details: Any) -> Response:
    return _json({"error": error, "message": message, **details}, status)


@bp.get("/pledges")
@cached_page
def pledges() -> Response:
    args = flask_request.args
    try:
        filters = read_filters(args, strict=True)
        page = read_positive_int(args, "page", 1, strict=True)
        per_page = read_positive_int(args, "per_page", DEFAULT_PER_PAGE, strict=True)
        if per_page > MAX_PER_PAGE:
            raise BadFilter("per_page", f"at most {MAX_PER_PAGE}")
    except BadFilter as error:
        return json_error(400, "bad_request", error.message, parameter=error.name)
    on = today()
    result = reads.list_pledges(
        db_session(), filters, page=page, per_page=per_page, today=on, remember=read_per_version
    )
    if page > result.pages:
        return json_error(400, "bad_request", f"there are {result.pages} pages", parameter="page")
    items = [
        pledge_json(
            row.pledge,
            evidence_count=row.evidence_count,
            url=pledge_url(id_of(row.pledge)),
            today=on,
        )
        for row in result.items
    ]
    next_url = None
    if result.has_next:
        next_url = absolute_url(
            "api.pledges",
            **filter_args(filters),
            page=result.page + 1,
            per_page=per_page,
            lang=None,
        )
    return _json(
        {
            "items": items,
            "page": result.page,
            "per_page": per_page,
            "total": result.total,
            "next": next_url,
        }
    )


@bp.get("/pledges/<int:pledge_id>")
@cached_page
def pledge(pledge_id: int) -> Response:
    found = reads.get_pledge(db_session(), pledge_id)
    if found is None:
        return json_error(404, "not_found", f"no pledge {pledge_id}")
    if is_gone(found):
        return json_error(410, "gone", f"pledge {pledge_id} was archived")
    archives = archive_info(db_session(), [id_of(e) for e in reads.published_evidence(found)])
    detail = pledge_detail_json(
        found,
        url=pledge_url(id_of(found)),
        today=today(),
        archives=archives,
        urls=open_data_url,
    )
    passage = programmes.passage_of(db_session(), pledge_id)
    detail["source_passage"] = None
    if passage is not None:
        anchor = passage[0]
        text_url = absolute_url(
            "public.programme",
            programme_id=anchor.programme_id,
            page=anchor.page,
            pledge=pledge_id,
            lang=None,
            _anchor="passage",
        )
        detail["source_passage"] = source_passage_json(anchor, text_url=text_url)
    return _json(detail)
