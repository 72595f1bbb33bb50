"""Security and privacy headers on every response, and the guards on odd input.

The CSP allows nothing inline and nothing from another host: htmx and every
asset are served from static/, and htmx's inline indicator styles are turned
off in the htmx-config meta tag so `style-src 'self'` holds.
"""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, g, request
from flask_login import current_user
from werkzeug.routing import IntegerConverter, Map

from models.db import MAX_DB_ID
from models.enums import Role

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
        url_map: Map,
        fixed_digits: int = 0,
        min: int = 1,
        max: int = MAX_DB_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def install_request_guards(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIdConverter
    app.before_request(refuse_control_characters)


# Endpoints that accept a file upload, with the larger body limit MAX_UPLOAD_BYTES;
# every other request is held to MAX_CONTENT_LENGTH (a login form needs a few
# hundred bytes: without a bound, a 100 MB anonymous POST is spooled to disk).
UPLOAD_ENDPOINTS = frozenset({"admin.import_upload", "admin.programme_upload"})
# Query arguments are one-line filters: no control character has any use there.
_ARG_CONTROLS = frozenset(chr(c) for c in range(0x20))


def _has_control(text: str, forbidden: frozenset[str]) -> bool:
    return not forbidden.isdisjoint(text)


def _may_upload() -> bool:
    """A logged-in editor (or admin): the import page's own role, checked early."""
    return bool(current_user.is_authenticated and current_user.at_least(Role.EDITOR))


def refuse_control_characters() -> None:
    """400 for NUL anywhere (path, query, form) and any C0 control in a query argument.

    PostgreSQL refuses NUL in text, so such a value could only fail inside the
    database (a 500) after having reached a query. Runs before CSRF and every
    view, in one place. Other controls in form fields are refused per field type
    by views.forms.Form (multi-line fields keep tab and newlines).
    """
    if request.endpoint in UPLOAD_ENDPOINTS and _may_upload():
        # Only for editors: anyone else's body is held to the small limit, before it
        # is read (an anonymous 20 MB post would otherwise be spooled to disk).
        request.max_content_length = current_app.config["MAX_UPLOAD_BYTES"]
    if "\x00" in request.path:
        abort(400)
    for key, value in request.args.items(multi=True):
        if _has_control(key, _ARG_CONTROLS) or _has_control(value, _ARG_CONTROLS):
            abort(400)
    if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        # Reading the form here enforces the body limit before anything else runs.
        for key, value in request.form.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400)
        for key, upload in request.files.items(multi=True):
            if "\x00" in key or "\x00" in (upload.filename or ""):
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
        if response.status_code == 410 and "Cache-Control" not in response.headers:
            # Archived, not gone for good: browsers keep a 410 without Cache-Control
            # forever (Chromium treats it as permanently fresh), so a restored
            # pledge would stay gone for them. Ask them to revalidate every time.
            response.headers["Cache-Control"] = "no-cache"
        user = g.get("_login_user")
        if user is not None and user.is_authenticated:
            if "no-store" not in response.headers.get("Cache-Control", ""):
                response.headers["Cache-Control"] = "private, no-store"
            response.vary.add("Cookie")
        return response
