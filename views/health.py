"""Blueprint "health" (/healthz): what a load balancer or an operator polls.

JSON, never cached, no cookie, and no data: whether the database answers,
whether its schema is at this code's migrations head, and how long ago the
feed poller finished a round. 200 when the site can serve, 503 otherwise; the
poller's age is information (a site may run without one), not a failure.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from models.db import utc_now
from pledges.health import check_health, head_revision
from views.database import get_engine

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    health = check_health(get_engine())
    head = head_revision()
    at_head = health.at_head(head) if head else False
    ok = health.database and at_head
    response = jsonify(
        {
            "status": "ok" if ok else "unavailable",
            "database": health.database,
            "migrations_at_head": at_head,
            "poller_heartbeat_age_seconds": health.poller_age_seconds(utc_now()),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ok else 503
