"""API routes: feeds."""

from views.api import bp  # noqa: F401
