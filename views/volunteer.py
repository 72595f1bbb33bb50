"""Blueprint "volunteer" (/volunteer): review queue and hand-added evidence (issue 4)."""

from flask import Blueprint

bp = Blueprint("volunteer", __name__)
