"""API routes: Atom 1.0 feeds of status changes and of newly published evidence, site-wide,
per election, per candidate and per pledge.

Entries are worded here (translated) from pledges.open_data's fields and rendered by
api/feed.atom.xml. Ids are tag: URIs that never change with our URLs. Cached and
validated like the other anonymous answers (views.page_cache).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import Response, abort, render_template, request
from flask_babel import gettext

from pledges.errors import Gone
from pledges.open_data import atom
from pledges.open_data.catalogue import Scope
from pledges.open_data.representations import evidence_fields, ruling_fields
from pledges.text import render_markdown
from views.api import bp
from views.api.catalogue import open_data_url
from views.database import db_session
from views.labels import status_label
from views.page_cache import cached_page
from views.urls import absolute_path, absolute_url, site_authority

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


def _status_entries(scope: Scope) -> list[Entry]:
    entries = []
    for change in atom.list_recent_status_changes(db_session(), scope):
        pledge, fields = change.pledge, ruling_fields(change)
        title = gettext(
            "%(pledge)s : %(status)s", pledge=pledge.title, status=status_label(change.to_status)
        )
        summary = str(render_markdown(fields["rationale"])) or title
        entries.append(
            Entry(
                id=atom.tag_uri(site_authority(), ID_DATE, "status-change", fields["id"]),
                title=title,
                updated=change.created_at,
                link=open_data_url("pledge", id=pledge.id),
                summary_html=summary,
                category=fields["to"],
            )
        )
    return entries


def _evidence_entries(scope: Scope) -> list[Entry]:
    entries = []
    for evidence in atom.list_recent_evidence(db_session(), scope):
        pledge, fields = evidence.pledge, evidence_fields(evidence)
        title = gettext(
            "%(outlet)s, %(date)s — %(pledge)s",
            outlet=fields["outlet"],
            date=fields["published_on"],
            pledge=pledge.title,
        )
        summary = str(render_markdown(fields["quote"] or fields["title"] or fields["note"]))
        entries.append(
            Entry(
                id=atom.tag_uri(site_authority(), ID_DATE, "evidence", fields["id"]),
                title=title,
                updated=atom.published_at(evidence),
                link=open_data_url("pledge", id=pledge.id),
                summary_html=summary or title,
                related=fields["url"],
                category=fields["stance"],
            )
        )
    return entries


def _feed(scope: Scope, kind: str, alternate: str) -> Response:
    try:
        name = atom.get_scope_name(db_session(), scope)
    except Gone:
        abort(410)
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
        feed_id=atom.tag_uri(site_authority(), ID_DATE, "feed", self_path.split("/feeds/", 1)[1]),
        title=title,
        updated=max((e.updated for e in entries), default=EMPTY_FEED_UPDATED),
        self_url=absolute_path(request.full_path.rstrip("?")),
        alternate=alternate,
        site_url=absolute_path("/"),
        entries=entries,
    )
    return Response(body, mimetype=ATOM)


@bp.get(f"/feeds/<{KINDS}>.atom")
@cached_page
def site_feed(kind: str) -> Response:
    return _feed(Scope(), kind, absolute_url("public.index"))


@bp.get(f"/feeds/elections/<election>/<{KINDS}>.atom")
@cached_page
def election_feed(election: str, kind: str) -> Response:
    return _feed(Scope(election=election), kind, absolute_url("public.election", election=election))


@bp.get(f"/feeds/candidates/<election>/<candidate>/<{KINDS}>.atom")
@cached_page
def candidate_feed(election: str, candidate: str, kind: str) -> Response:
    alternate = absolute_url("public.candidate", election=election, candidate=candidate)
    return _feed(Scope(election=election, candidate=candidate), kind, alternate)


@bp.get(f"/feeds/pledges/<int:pledge_id>/<{KINDS}>.atom")
@cached_page
def pledge_feed(pledge_id: int, kind: str) -> Response:
    return _feed(
        Scope(pledge_id=pledge_id), kind, absolute_url("public.pledge", pledge_id=pledge_id)
    )
