"""API routes: CSV exports of pledges and of published evidence, one row per record.

UTF-8 with a byte-order mark so that spreadsheets open accents correctly; served
as an attachment. Optional `election` / `candidate` filters as in the JSON API.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response

from pledges.open_data import exports
from pledges.open_data.catalogue import Scope
from views.api import bp
from views.api.catalogue import open_data_url, read_scope
from views.api.pledges import json_error
from views.database import db_session
from views.labels import today
from views.page_cache import cached_page
from views.public import BadFilter

BOM = "\ufeff"
# A cell starting with one of these is a formula in spreadsheet software (CSV
# injection): such text cells get a leading apostrophe, the usual neutraliser.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_neutralise(v) if v is not None else "" for v in row])
    response = Response(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _scope_or_error() -> Scope | Response:
    """The filters asked for, or the JSON error answering a bad one."""
    try:
        return read_scope()
    except BadFilter as error:
        return json_error(400, "bad_request", error.message, parameter=error.name)


@bp.get("/pledges.csv")
@cached_page
def pledges_csv() -> Response:
    scope = _scope_or_error()
    if isinstance(scope, Response):
        return scope
    on = today()
    rows = (
        exports.pledge_csv_row(p, n, url=open_data_url("pledge", id=p.id), today=on)
        for p, n in exports.list_pledges_for_export(db_session(), scope)
    )
    return csv_response("pledges.csv", exports.PLEDGE_CSV_COLUMNS, rows)


@bp.get("/evidence.csv")
@cached_page
def evidence_csv() -> Response:
    scope = _scope_or_error()
    if isinstance(scope, Response):
        return scope
    rows = (
        exports.evidence_csv_row(e, pledge_url=open_data_url("pledge", id=e.pledge_id))
        for e in exports.list_evidence_for_export(db_session(), scope)
    )
    return csv_response("evidence.csv", exports.EVIDENCE_CSV_COLUMNS, rows)
