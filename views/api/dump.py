"""API routes: dump."""

from views.api import bp  # noqa: F401
