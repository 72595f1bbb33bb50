"""Blueprint "public" (/): scoreboard, theme, candidate and pledge pages, for anonymous visitors.

Views parse the query string, call pledges.scoreboard and render; they never
write to the session (no cookie for anonymous visitors). Pages that htmx can
ask for in part return the fragment through views.query.wants_fragment.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from flask import Blueprint, abort, current_app, render_template
from flask import request as flask_request
from werkzeug.datastructures import MultiDict

from models.db import id_of
from models.enums import PledgeStatus
from pledges import evidence as evidence_ops
from pledges import scoreboard as reads
from pledges.accounts import public_author_name, show_editor_names
from pledges.archiving import is_gone
from pledges.scoreboard import MAX_PER_PAGE, PledgeFilters
from pledges.text import render_markdown
from views.corrections import change_lines
from views.database import db_session
from views.labels import today
from views.page_cache import cached_page
from views.query import wants_fragment

bp = Blueprint("public", __name__)

FILTER_NAMES = ("election", "candidate", "theme", "status", "overdue", "q")
MAX_QUERY_LENGTH = 200


class BadFilter(ValueError):
    """A filter value that cannot mean anything (the API answers 400; pages ignore it)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def read_filters(args: Mapping[str, str], *, strict: bool) -> PledgeFilters:
    """Filters from a query string. Unknown values raise BadFilter when strict, else are ignored."""

    def text(name: str, limit: int = 160) -> str | None:
        value = (args.get(name) or "").strip()
        if any(ord(c) < 32 for c in value):
            # Control characters (NUL breaks PostgreSQL) never belong in a filter.
            if strict:
                raise BadFilter(name, "control characters are not allowed")
            value = "".join(c for c in value if ord(c) >= 32)
        if len(value) > limit:
            if strict:
                raise BadFilter(name, f"longer than {limit} characters")
            value = value[:limit]
        return value or None

    status_text = text("status")
    status = None
    if status_text:
        try:
            status = PledgeStatus(status_text)
        except ValueError:
            if strict:
                raise BadFilter("status", "expected kept, broken or pending") from None
    overdue_text = (args.get("overdue") or "").strip().lower()
    if overdue_text not in {"", "0", "1", "true", "false", "on"} and strict:
        raise BadFilter("overdue", "expected 1 or 0")
    return PledgeFilters(
        election=text("election"),
        candidate=text("candidate"),
        theme=text("theme"),
        status=status,
        overdue=overdue_text in {"1", "true", "on"},
        q=text("q", MAX_QUERY_LENGTH) or "",
    )


def read_positive_int(args: Mapping[str, str], name: str, default: int, *, strict: bool) -> int:
    """A page number or size; a bad value raises BadFilter when strict, else gives the default."""
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        if strict:
            raise BadFilter(name, "expected a positive integer")
        return default
    return value


def filter_args(filters: PledgeFilters) -> dict[str, str]:
    """The query-string form of `filters` (for pagination links)."""
    args = {
        "election": filters.election,
        "candidate": filters.candidate,
        "theme": filters.theme,
        "status": filters.status.value if filters.status else None,
        "overdue": "1" if filters.overdue else None,
        "q": filters.q or None,
    }
    return {k: v for k, v in args.items() if v}


def _page_size() -> int:
    return min(int(current_app.config["PAGE_SIZE"]), MAX_PER_PAGE)


@bp.get("/")
@cached_page
def scoreboard() -> str:
    """Counts per candidate and the filtered pledge list; the list alone for htmx."""
    session = db_session()
    args: MultiDict[str, str] = flask_request.args
    filters = read_filters(args, strict=False)
    page = read_positive_int(args, "page", 1, strict=False)
    on = today()
    pledges = reads.list_pledges(session, filters, page=page, per_page=_page_size(), today=on)
    counts = reads.count_by_candidate(session, filters, today=on)
    context = {
        "filters": filters,
        "pledges": pledges,
        "counts": counts,
        "page_args": filter_args(filters),
        "today": on,
    }
    if wants_fragment("pledge-list"):
        # The list, plus the counts swapped out of band (they follow theme and search).
        return render_template("public/_pledge_list.html", **context) + render_template(
            "public/_candidate_counts.html", oob=True, **context
        )
    context["themes"] = reads.list_themes(session)
    return render_template("public/scoreboard.html", **context)


@bp.get("/themes/")
@cached_page
def themes() -> str:
    """Every theme, each linking to its side-by-side comparison."""
    session = db_session()
    return render_template(
        "public/themes.html",
        themes=reads.list_themes(session),
        elections=reads.list_elections(session),
    )


@bp.get("/themes/<theme>")
@cached_page
def theme(theme: str) -> str:
    """Every candidate's pledges on one theme, side by side, with their statuses."""
    comparison = reads.get_theme_comparison(db_session(), theme)
    if not comparison:
        abort(404)
    return render_template("public/theme.html", theme=theme, comparison=comparison, today=today())


@bp.get("/elections/<election>/<candidate>")
@cached_page
def candidate(election: str, candidate: str) -> str:
    """A candidate's counts and pledges (paginated; the list is the same fragment)."""
    session = db_session()
    found = reads.get_candidate(session, election, candidate)
    if found is None:
        abort(404)
    if is_gone(found):
        abort(410)
    on = today()
    page = read_positive_int(flask_request.args, "page", 1, strict=False)
    filters = PledgeFilters(candidate_id=found.id)
    pledges = reads.list_pledges(session, filters, page=page, per_page=_page_size(), today=on)
    context = {
        "candidate": found,
        "election": found.election,
        "counts": reads.count_statuses(session, found, today=on),
        "pledges": pledges,
        "filters": filters,
        "page_args": {},
        "today": on,
    }
    if wants_fragment("pledge-list"):
        return render_template("public/_pledge_list.html", **context)
    return render_template("public/candidate.html", **context)


@bp.get("/pledges/<int:pledge_id>")
@cached_page
def pledge(pledge_id: int) -> str:
    """One pledge: body, where it was made, current status and its timeline."""
    found = reads.get_pledge(db_session(), pledge_id)
    if found is None:
        abort(404)
    if is_gone(found):
        abort(410)
    evidence = reads.published_evidence(found)
    change = reads.current_change(found)
    return render_template(
        "public/pledge.html",
        # Corrections of the published items ("corrigé le …"), and the withdrawn ones:
        # each leaves a dated line with its public reason (never its link or title).
        # Only items marked corrected are looked up: no statement when none is.
        corrections=evidence_ops.list_corrections(
            db_session(), [id_of(e) for e in evidence if e.corrected_at is not None]
        ),
        change_lines=change_lines,
        withdrawn=evidence_ops.withdrawn_evidence(found.evidence),
        pledge=found,
        candidate=found.candidate,
        election=found.candidate.election,
        body_html=render_markdown(found.body),
        change=change,
        strongest=reads.strongest_cited_evidence(change),
        evidence_count=len(evidence),
        timeline=reads.get_timeline(found),
        today=today(),
        # The setting is read once per page; the template asks per ruling.
        author_name=partial(
            public_author_name,
            show=show_editor_names(db_session(), default=current_app.config["PUBLIC_EDITOR_NAMES"]),
        ),
    )
