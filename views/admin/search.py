"""The editors' pledge search (/admin/pledges): words over title, body, slug, candidate and
election, filters as selects with labels in the reader's language. A plain GET form that
works without JavaScript; htmx swaps the results (and the candidate choices, which follow
the election) as the editor types or picks.
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from models.enums import PledgeStatus
from pledges import pledge_search
from pledges import scoreboard as reads
from pledges.pledge_search import PledgeSearch
from views.admin import bp
from views.database import db_session
from views.labels import today
from views.query import parse_id, wants_fragment

PER_PAGE = 30
MAX_QUERY = 200


def read_search(args: MultiDict[str, str]) -> PledgeSearch:
    """The search from the query string; values that mean nothing are ignored."""
    status_text = (args.get("status") or "").strip()
    status = PledgeStatus(status_text) if status_text in set(PledgeStatus) else None
    election_id = parse_id(args.get("election"))
    return PledgeSearch(
        q=(args.get("q") or "").strip()[:MAX_QUERY],
        election_id=election_id,
        # A candidate belongs to an election: without one, the choice is meaningless.
        candidate_id=parse_id(args.get("candidate")) if election_id else None,
        theme=(args.get("theme") or "").strip()[:80] or None,
        status=status,
        overdue=args.get("overdue") in ("1", "on", "true"),
        has_submitted=args.get("submitted") in ("1", "on", "true"),
    )


def search_args(search: PledgeSearch) -> dict[str, Any]:
    """The query-string form of `search` (pagination links)."""
    args = {
        "q": search.q or None,
        "election": search.election_id,
        "candidate": search.candidate_id,
        "theme": search.theme,
        "status": search.status.value if search.status else None,
        "overdue": "1" if search.overdue else None,
        "submitted": "1" if search.has_submitted else None,
    }
    return {k: v for k, v in args.items() if v}


@bp.get("/pledges")
def pledges() -> ResponseReturnValue:
    """Every pledge, searchable and filtered, with links to edit, rule and audit."""
    dbs = db_session()
    args: MultiDict[str, str] = request.args
    search = read_search(args)
    result = pledge_search.search_pledges(
        dbs, search, page=parse_id(args.get("page")) or 1, per_page=PER_PAGE, today=today()
    )
    context = {
        "result": result,
        "search": search,
        "page_args": search_args(search),
        "candidates": (
            pledge_search.candidate_choices(dbs, search.election_id) if search.election_id else []
        ),
    }
    if wants_fragment("search-results"):
        return render_template("admin/_pledge_results.html", oob=True, **context)
    return render_template(
        "admin/pledges.html",
        elections=pledge_search.election_choices(dbs),
        themes=reads.list_themes(dbs),
        **context,
    )
