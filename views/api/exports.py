"""API routes: exports."""

from views.api import bp  # noqa: F401
