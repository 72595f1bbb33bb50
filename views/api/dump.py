"""API route: the full dump of published data (`/api/v1/dump.json`), the open-data release.

The same document as `flask --app app export`: the import format, so anyone
can rebuild the site's public data from it. The ETag is the data version (one
primary-key read), so a revalidation answers 304 without building the dump.
"""

from __future__ import annotations

import json

from flask import Response

from models.db import get_data_version
from pledges.open_data.dump import dump_published
from views.api import bp
from views.common import db_session
from views.page_cache import revalidates

FILENAME = "pledge-tracker-dump.json"


def _cache_headers(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    # Public and cacheable, revalidated cheaply with the ETag.
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/dump.json")
def dump() -> Response:
    session = db_session()
    etag = f"dump-{get_data_version(session)}"
    if revalidates(etag):
        return _cache_headers(Response(status=304), etag)
    body = json.dumps(dump_published(session), ensure_ascii=False, indent=1)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{FILENAME}"'
    return _cache_headers(response, etag)
