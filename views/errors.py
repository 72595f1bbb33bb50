"""Error pages in the site's look (HTML), and JSON errors under /api/.

Handlers render without touching the session, so an error never sets a cookie.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from jinja2 import TemplateNotFound
from werkzeug.exceptions import HTTPException, InternalServerError

from views.api import allow_any_origin


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def handle_http_error(error: HTTPException) -> Response | tuple[str, int]:
    status = error.code or 500
    if _wants_json():
        response = jsonify(
            {
                "error": (error.name or "error").lower().replace(" ", "_"),
                "message": error.description,
            }
        )
        response.status_code = status
        # Not routed to the api blueprint (no route matched), so its hook cannot add it.
        return allow_any_origin(response)
    try:
        body = render_template(f"errors/{status}.html", error=error)
    except TemplateNotFound:
        body = render_template("errors/error.html", error=error)
    return body, status


def handle_server_error(error: InternalServerError) -> Response | tuple[str, int]:
    # Flask wraps any unhandled exception in InternalServerError; the original
    # is logged by Flask, never shown to the visitor.
    return handle_http_error(InternalServerError())


def register(app: Flask) -> None:
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(HTTPException, handle_http_error)
