"""API routes: pledges."""

from views.api import bp  # noqa: F401
