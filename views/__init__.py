"""Everything that adapts HTTP and the command line to pledges/: one blueprint per audience."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """The audiences and their URL prefixes, in one place."""
    from views import (
        admin,
        api,
        archives,
        auth,
        badges,
        embed,
        errors,
        health,
        public,
        slugs,
        volunteer,
    )

    app.register_blueprint(public.bp, url_prefix="/")
    app.register_blueprint(archives.bp, url_prefix="/")
    app.register_blueprint(auth.bp, url_prefix="/auth")
    app.register_blueprint(volunteer.bp, url_prefix="/volunteer")
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(embed.bp, url_prefix="/embed")
    app.register_blueprint(badges.bp, url_prefix="/")
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.register_blueprint(health.bp, url_prefix="/")
    errors.register(app)
    slugs.register(app)  # old slugs of any route above answer 301
