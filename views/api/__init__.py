"""Blueprint "api" (/api/v1): read-only open data (JSON, CSV, Atom); no session, CSRF-exempt.

One module per kind of resource; each adds its routes to this blueprint. Every
answer, errors and 304s included, may be read cross-origin (`allow_any_origin`).
"""

from flask import Blueprint, Response

bp = Blueprint("api", __name__)


def allow_any_origin(response: Response) -> Response:
    """Let any site read the response from a browser: the one place that says so.

    Safe because these answers are public and never depend on a cookie; set
    (not added) so that a response replayed from the page cache, which keeps
    the header, still carries it once.
    """
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# Runs for every request routed to this blueprint, including the error pages of
# aborts inside its views; views.errors covers URLs under /api/ that match no route.
bp.after_request(allow_any_origin)

from views.api import catalogue, dump, exports, feeds, pledges  # noqa: E402, F401  (routes)
