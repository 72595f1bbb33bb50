"""API route: the full dump of published data (`/api/v1/dump.json`), the open-data release.

The same document as `flask --app app export`: the import format, so anyone
can rebuild the site's public data from it. The ETag is the data version (one
primary-key read), so a revalidation answers 304 without building the dump.
"""

from __future__ import annotations

import json

from flask import Response

from pledges.open_data.dump import dump_published
from views.api import bp
from views.database import db_session
from views.page_cache import OPEN_DATA, serve_public
from views.urls import open_data_url

FILENAME = "pledge-tracker-dump.json"


@bp.get("/dump.json")
def dump() -> Response:
    def build() -> Response:
        body = json.dumps(
            dump_published(db_session(), urls=open_data_url), ensure_ascii=False, indent=1
        )
        response = Response(body, mimetype="application/json")
        response.headers["Content-Disposition"] = f'attachment; filename="{FILENAME}"'
        return response

    # Public and cacheable, revalidated cheaply with the ETag (the data version).
    return serve_public(("dump",), build, "application/json", OPEN_DATA)
