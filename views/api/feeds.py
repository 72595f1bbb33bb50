"""API routes: Atom 1.0 feeds of status changes and of newly published evidence, site-wide,
per election, per candidate and per pledge.

Entries are worded here (translated) from pledges.open_data's rows and rendered by
api/feed.atom.xml. Ids are tag: URIs that never change with our URLs. Cached and
validated like the other anonymous answers (views.page_cache).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext

from pledges import open_data
from pledges.open_data import Scope
from pledges.text import render_markdown
from views.api import bp
from views.api.catalogue import open_data_url
from views.api.pledges import absolute
from views.database import db_session
from views.labels import status_label
from views.page_cache import cached_page

KINDS = 'any("status-changes", "evidence"):kind'
ATOM = "application/atom+xml"
# The date in every tag: id; fixed forever so that ids never change (RFC 4151).
ID_DATE = date(2024, 1, 1)
EMPTY_FEED_UPDATED = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass
class Entry:
    id: str
    title: str
    updated: datetime
    link: str
    summary_html: str
    related: str | None = None
    category: str | None = None


def _authority() -> str:
    return urlsplit(current_app.config["SITE_URL"]).hostname or "localhost"


def _status_entries(scope: Scope) -> list[Entry]:
    entries = []
    for change in open_data.list_recent_status_changes(db_session(), scope):
        pledge = change.pledge
        title = gettext(
            "%(pledge)s : %(status)s", pledge=pledge.title, status=status_label(change.to_status)
        )
        summary = str(render_markdown(change.rationale)) or title
        entries.append(
            Entry(
                id=open_data.tag_uri(_authority(), ID_DATE, "status-change", change.id),
                title=title,
                updated=change.created_at,
                link=open_data_url("pledge", id=pledge.id),
                summary_html=summary,
                category=change.to_status.value,
            )
        )
    return entries


def _evidence_entries(scope: Scope) -> list[Entry]:
    entries = []
    for evidence in open_data.list_recent_evidence(db_session(), scope):
        pledge = evidence.pledge
        title = gettext(
            "%(outlet)s, %(date)s — %(pledge)s",
            outlet=evidence.outlet,
            date=evidence.published_on.isoformat(),
            pledge=pledge.title,
        )
        summary = str(render_markdown(evidence.quote or evidence.title or evidence.note))
        entries.append(
            Entry(
                id=open_data.tag_uri(_authority(), ID_DATE, "evidence", evidence.id),
                title=title,
                updated=open_data.published_at(evidence),
                link=open_data_url("pledge", id=pledge.id),
                summary_html=summary or title,
                related=evidence.url,
                category=evidence.stance.value,
            )
        )
    return entries


def _feed(scope: Scope, kind: str, alternate: str) -> Response:
    name = open_data.get_scope_name(db_session(), scope)
    if name is None:
        abort(404)
    subject = name or gettext("tout le site")
    entries = _status_entries(scope) if kind == "status-changes" else _evidence_entries(scope)
    if kind == "status-changes":
        title = gettext("Changements de statut — %(subject)s", subject=subject)
    else:
        title = gettext("Nouvelles preuves publiées — %(subject)s", subject=subject)
    self_path = request.path
    body = render_template(
        "api/feed.atom.xml",
        feed_id=open_data.tag_uri(_authority(), ID_DATE, "feed", self_path.split("/feeds/", 1)[1]),
        title=title,
        updated=max((e.updated for e in entries), default=EMPTY_FEED_UPDATED),
        self_url=absolute(request.full_path.rstrip("?")),
        alternate=alternate,
        site_url=current_app.config["SITE_URL"].rstrip("/") + "/",
        entries=entries,
    )
    response = Response(body, mimetype=ATOM)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _page(endpoint: str, **values: object) -> str:
    return absolute(url_for(endpoint, **values))


@bp.get(f"/feeds/<{KINDS}>.atom")
@cached_page
def site_feed(kind: str) -> Response:
    return _feed(Scope(), kind, _page("public.scoreboard"))


@bp.get(f"/feeds/elections/<election>/<{KINDS}>.atom")
@cached_page
def election_feed(election: str, kind: str) -> Response:
    return _feed(Scope(election=election), kind, _page("public.scoreboard", election=election))


@bp.get(f"/feeds/candidates/<election>/<candidate>/<{KINDS}>.atom")
@cached_page
def candidate_feed(election: str, candidate: str, kind: str) -> Response:
    alternate = _page("public.candidate", election=election, candidate=candidate)
    return _feed(Scope(election=election, candidate=candidate), kind, alternate)


@bp.get(f"/feeds/pledges/<int:pledge_id>/<{KINDS}>.atom")
@cached_page
def pledge_feed(pledge_id: int, kind: str) -> Response:
    return _feed(Scope(pledge_id=pledge_id), kind, _page("public.pledge", pledge_id=pledge_id))
