"""Blueprint "embed" (/embed): widget pages and badges; no session, no cookies, framable (issue 5)."""

from flask import Blueprint

bp = Blueprint("embed", __name__)
