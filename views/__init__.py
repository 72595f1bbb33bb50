"""Everything that adapts HTTP and the command line to pledges/: one blueprint per audience."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """The audiences and their URL prefixes, in one place."""
    from views import api, errors, public

    app.register_blueprint(public.bp, url_prefix="/")
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    errors.register(app)
