"""Blueprint "admin" (/admin): moderation, rulings, editing, feeds, accounts (issue 4)."""

from flask import Blueprint

bp = Blueprint("admin", __name__)
