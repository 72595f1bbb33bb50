"""Error pages in the site's look (HTML), and JSON errors under /api/.

Handlers render without touching the session, so an error never sets a cookie.
An error page can itself never fail: if the site's layout cannot be rendered
(a refused Host header leaves no URL builder; odd input), a bare page without
links answers instead of a second error.
"""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask.globals import request_ctx
from flask.typing import ResponseReturnValue
from jinja2 import TemplateNotFound
from markupsafe import escape
from werkzeug.exceptions import Forbidden, HTTPException, InternalServerError

from models.enums import Role
from views.api import allow_any_origin

# No template, no url_for, no translation catalogue: nothing here can fail.
BARE_PAGE = (
    '<!doctype html>\n<html lang="fr"><head><meta charset="utf-8">'
    "<title>{status} {name}</title></head>"
    "<body><h1>{status} {name}</h1><p>{description}</p></body></html>\n"
)


class RoleRequired(Forbidden):
    """403 for a logged-in person whose role is below the page's: the page says which role."""

    def __init__(self, role: Role) -> None:
        super().__init__(description=f"This page needs the {role.value} role.")
        self.role = role


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
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
    return render_error_page(error, status), status


def render_error_page(error: HTTPException, status: int) -> str:
    """The site's error page, or the bare one when the site's page cannot be rendered."""
    if request_ctx.url_adapter is None:
        # A refused Host header: no URL can be built, so the layout cannot render.
        return _bare_page(error, status)
    try:
        try:
            return render_template(f"errors/{status}.html", error=error)
        except TemplateNotFound:
            return render_template("errors/error.html", error=error)
    except Exception:
        current_app.logger.exception("error page %s could not be rendered", status)
        return _bare_page(error, status)


def _bare_page(error: HTTPException, status: int) -> str:
    return BARE_PAGE.format(
        status=status,
        name=escape(error.name or "Error"),
        description=escape(error.description or ""),
    )


def handle_server_error(error: InternalServerError) -> ResponseReturnValue:
    # Flask wraps any unhandled exception in InternalServerError; the original
    # is logged by Flask, never shown to the visitor.
    return handle_http_error(InternalServerError())


def register(app: Flask) -> None:
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(HTTPException, handle_http_error)
