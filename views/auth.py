"""Blueprint "auth" (/auth): login, logout, invitations (issue 4)."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
