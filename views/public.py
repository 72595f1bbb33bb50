"""Blueprint "public" (/): home (elections), election boards, pledge list, theme, candidate and
pledge pages, for anonymous visitors.

Views parse the query string, call pledges.scoreboard and render; they never
write to the session (no cookie for anonymous visitors). Pages that htmx can
ask for in part return the fragment through views.query.wants_fragment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache, partial
from typing import Any

from babel import Locale
from babel.numbers import format_percent
from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask import request as flask_request
from flask.typing import ResponseReturnValue
from sqlmodel import Session
from werkzeug.datastructures import MultiDict

from models import Election
from models.db import id_of
from models.enums import PledgeStatus
from pledges import evidence as evidence_ops
from pledges import programmes
from pledges import scoreboard as reads
from pledges.accounts import public_author_name, show_editor_names
from pledges.archive.reads import archive_marks
from pledges.archiving import is_gone
from pledges.scoreboard import MAX_PER_PAGE, PledgeFilters
from pledges.text import stored_html
from views.corrections import change_lines
from views.database import db_session, read_per_version
from views.labels import today
from views.page_cache import cached_page
from views.query import wants_fragment
from views.request_locale import locale

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


HOME_PER_PAGE = 20  # elections per page of the home page
BOARD_PER_PAGE = 20  # candidates per page of an election's board and a theme page


def percent(share: float) -> str:
    """A share (0-100) as the language writes a percentage: "50 %", "50%"."""
    return _percent(share, locale())


# A board formats two shares per candidate, mostly the same few values: each
# (share, language) once per worker. Bounded; entries are tiny.
@lru_cache(maxsize=4096)
def _percent(share: float, locale: Locale | None) -> str:
    return format_percent(share / 100.0, locale=locale or "fr")


@bp.get("/")
@cached_page
def index() -> ResponseReturnValue:
    """The elections, most recent first, each with its totals and a link to its board.

    Bounded whatever the data size (a page of elections, no candidate). Links made
    when the home page was the scoreboard (`/?status=…`) are sent where they now live.
    """
    args: MultiDict[str, str] = flask_request.args
    if any(args.get(name) for name in FILTER_NAMES):
        return _moved_scoreboard(args)
    page = read_positive_int(args, "page", 1, strict=False)
    elections = reads.list_election_summaries(
        db_session(), page=page, per_page=HOME_PER_PAGE, today=today()
    )
    return render_template("public/index.html", elections=elections, percent=percent)


def _moved_scoreboard(args: MultiDict[str, str]) -> ResponseReturnValue:
    """301 from the old home scoreboard's filters: to the election's board when one is
    named, else to the list of every pledge."""
    # Any: spread into url_for, whose own keywords (_external...) have other types.
    kept: dict[str, Any] = {
        k: v for k, v in args.items() if k in (*FILTER_NAMES, "page", "lang") and v
    }
    election = kept.pop("election", None)
    if election:
        return redirect(url_for("public.election", election=election, **kept), 301)
    return redirect(url_for("public.scoreboard", **kept), 301)


@bp.get("/pledges/")
@cached_page
def scoreboard() -> str:
    """Every pledge, filtered (election, candidate, theme, status, overdue, search) and
    paginated, the most relevant first with highlighted snippets when searching; the list
    alone for htmx."""
    session = db_session()
    args: MultiDict[str, str] = flask_request.args
    filters = read_filters(args, strict=False)
    page = read_positive_int(args, "page", 1, strict=False)
    on = today()
    pledges = reads.list_pledges(
        session,
        filters,
        page=page,
        per_page=_page_size(),
        today=on,
        snippets=True,
        remember=read_per_version,
    )
    context = {
        "filters": filters,
        "pledges": pledges,
        "page_args": filter_args(filters),
        "today": on,
    }
    if wants_fragment("pledge-list"):
        return render_template("public/_pledge_list.html", **context)
    election = reads.get_election(session, filters.election) if filters.election else None
    context.update(
        themes=reads.list_themes(session),
        election_options=reads.list_election_options(session),
        candidate_options=reads.list_candidate_options(session, election) if election else [],
    )
    return render_template("public/scoreboard.html", **context)


@bp.get("/elections/<election>")
@cached_page
def election(election: str) -> str:
    """An election's board: its totals, its candidates a page at a time (sorted by name or
    by share kept or broken) and its pledges, filtered and paginated.

    htmx asks for #pledge-list (filters, pages: the board follows out of band, since its
    counts follow theme and search); the board's sort and page links swap the whole
    <main> (the pledge list's links carry the sort too).
    """
    session = db_session()
    found = reads.get_election(session, election)
    if found is None:
        abort(404)
    if is_gone(found):
        abort(410)
    return _election_board(session, found)


def _election_board(session: Session, found: Election) -> str:
    args: MultiDict[str, str] = flask_request.args
    filters = replace(read_filters(args, strict=False), election=found.slug)
    asked = args.get("sort") or "name"
    sort = asked if asked in reads.CANDIDATE_SORTS else "name"
    on = today()
    totals, themes = reads.get_board_totals(
        session, found, filters, today=on, remember=read_per_version
    )
    pledges = reads.list_pledges(
        session,
        filters,
        page=read_positive_int(args, "page", 1, strict=False),
        per_page=_page_size(),
        today=on,
        snippets=True,
        # The totals counted these very pledges when the filters are only the scope's
        # (election, theme, search): the list needs no count of its own.
        total=totals.total if filters == filters.scope() else None,
        remember=read_per_version,
    )
    board = reads.list_candidate_counts(
        session,
        found,
        filters,
        sort=sort,
        page=read_positive_int(args, "cpage", 1, strict=False),
        per_page=BOARD_PER_PAGE,
        today=on,
        remember=read_per_version,
    )
    # Every link keeps the whole state (filters, sort, both pages) so that a pushed URL,
    # a reload or the language switch shows the same page.
    state = {k: v for k, v in filter_args(filters).items() if k != "election"}
    if sort != "name":
        state["sort"] = sort
    context = {
        "election": found,
        "filters": filters,
        "sort": sort,
        "pledges": pledges,
        "board": board,
        "totals": totals,
        "page_args": dict(state, cpage=str(board.page)) if board.page > 1 else state,
        "board_args": dict(state, page=str(pledges.page)) if pledges.page > 1 else state,
        "sort_args": {k: v for k, v in state.items() if k != "sort"},
        "today": on,
        "percent": percent,
    }
    if wants_fragment("pledge-list"):
        return render_template("public/_pledge_list.html", **context) + render_template(
            "public/_election_board.html", oob=True, **context
        )
    context.update(
        themes=themes,
        candidate_options=reads.list_candidate_options(session, found),
    )
    return render_template("public/election.html", **context)


@bp.get("/themes/")
@cached_page
def themes() -> str:
    """Every theme, each linking to its side-by-side comparison."""
    session = db_session()
    return render_template(
        "public/themes.html",
        themes=reads.list_themes(session),
        elections=reads.list_election_options(session),
    )


@bp.get("/themes/<theme>")
@cached_page
def theme(theme: str) -> str:
    """One election's candidates side by side on a theme (`?election=` or the `page`-th
    most recent election having the theme), a page of candidates at a time."""
    args: MultiDict[str, str] = flask_request.args
    board = reads.get_theme_board(
        db_session(),
        theme,
        election_slug=(args.get("election") or "").strip()[:160] or None,
        page=read_positive_int(args, "page", 1, strict=False),
        candidate_page=read_positive_int(args, "cpage", 1, strict=False),
        per_page=BOARD_PER_PAGE,
    )
    if board is None:
        abort(404)
    return render_template("public/theme.html", theme=theme, board=board, today=today())


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
    pledges = reads.list_pledges(
        session, filters, page=page, per_page=_page_size(), today=on, remember=read_per_version
    )
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
        # Each item's archived copies, archive refusal and link check (one query).
        archives=archive_marks(db_session(), [id_of(e) for e in evidence]),
        pledge=found,
        candidate=found.candidate,
        election=found.candidate.election,
        body_html=stored_html(found.body_html, found.body),
        change=change,
        strongest=reads.strongest_cited_evidence(change),
        evidence_count=len(evidence),
        timeline=reads.get_timeline(found),
        # Made from an archived programme's passage: "Source : programme de …, p. 12".
        source_passage=programmes.passage_anchor(db_session(), pledge_id),
        today=today(),
        # The setting is read once per page; the template asks per ruling.
        author_name=partial(
            public_author_name,
            show=read_per_version(
                "show_editor_names",
                lambda: show_editor_names(
                    db_session(), default=current_app.config["PUBLIC_EDITOR_NAMES"]
                ),
            ),
        ),
    )


# Archived programmes' pages register on `bp` (imported last: the module imports `bp`).
from views import public_programmes  # noqa: E402, F401
