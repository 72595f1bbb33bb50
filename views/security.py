"""Security and privacy headers on every response.

The CSP allows nothing inline and nothing from another host: htmx and every
asset are served from static/, and htmx's inline indicator styles are turned
off in the htmx-config meta tag so `style-src 'self'` holds.
"""

from __future__ import annotations

from flask import Flask, Response, abort, g, request
from werkzeug.routing import IntegerConverter

from models.db import MAX_DB_ID

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors {frame_ancestors}"
)


def frame_ancestors_for(app: Flask) -> str:
    """Embed routes may be framed (by anyone, or the listed origins); nothing else."""
    if request.blueprint == "embed":
        origins = app.config["EMBED_ALLOWED_ORIGINS"].split()
        return " ".join(origins) if origins else "*"
    return "'none'"


def install_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        ancestors = frame_ancestors_for(app)
        response.headers.setdefault(
            "Content-Security-Policy", CSP.format(frame_ancestors=ancestors)
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if ancestors == "'none'":
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        return response


# PostgreSQL integer ids are 32-bit and its text refuses NUL bytes: such values in a
# URL could only ever fail inside the database, so they are refused at the door.


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in every route: positive and within PostgreSQL's integer range."""

    def __init__(
        self,
        url_map,
        fixed_digits: int = 0,
        min: int = 1,
        max: int = MAX_DB_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def install_request_guards(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIdConverter

    @app.before_request
    def _refuse_nul_bytes() -> None:
        # Query strings are read by each view's own parser, which ignores or refuses them.
        if "\x00" in request.path:
            abort(400)


# Pages rendered for someone logged in carry their CSRF token and address.


def install_private_responses(app: Flask) -> None:
    """Every response rendered for a logged-in user, errors included, is `private, no-store`.

    Flask-Login keeps the loaded user in `g._login_user`: it is there (and
    authenticated) exactly when something in this request read the current user,
    as the site's layout does. Public answers that never read the session (the
    widget, badges, the API) keep their own Cache-Control. The account
    blueprints' own `no-store` (views.auth) is kept as it is.
    """

    @app.after_request
    def _no_store_for_logged_in(response: Response) -> Response:
        user = g.get("_login_user")
        if user is not None and user.is_authenticated:
            if "no-store" not in response.headers.get("Cache-Control", ""):
                response.headers["Cache-Control"] = "private, no-store"
            response.vary.add("Cookie")
        return response
