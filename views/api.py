"""Blueprint "api" (/api/v1): read-only JSON; no session, CSRF-exempt."""

from flask import Blueprint

bp = Blueprint("api", __name__)
