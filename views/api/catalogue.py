"""API routes: catalogue."""

from views.api import bp  # noqa: F401
