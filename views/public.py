"""Blueprint "public" (/): scoreboard, theme, candidate and pledge pages, for anonymous visitors."""

from flask import Blueprint

bp = Blueprint("public", __name__)


@bp.get("/")
def scoreboard() -> str:
    return "scoreboard"
