"""Blueprint "api" (/api/v1): read-only open data (JSON, CSV, Atom); no session, CSRF-exempt.

One module per kind of resource; each adds its routes to this blueprint.
"""

from flask import Blueprint

bp = Blueprint("api", __name__)

from views.api import catalogue, dump, exports, feeds, pledges  # noqa: E402, F401  (routes)
