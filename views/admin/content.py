"""Editing elections, candidates and pledges (keywords included), with optimistic locking.

Forms carry the version (or, for elections, a fingerprint) they were read at;
a stale save is refused with the current values shown and the typing kept
(views.admin.editing.edit_page runs the flow).
"""

from __future__ import annotations

from datetime import date
from typing import cast

from flask import abort, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from models import Candidate, Election, Pledge
from models.db import id_of
from pledges import editing
from pledges import evidence as evidence_ops
from views.admin import bp
from views.admin.editing import Saved, VersionCheck, edit_page, render_edit_form, version_of
from views.auth import current_actor
from views.database import db_session
from views.forms import CandidateForm, ElectionForm, PledgeForm

PER_PAGE = 30


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _saved(changed: bool, message: str, url: str) -> Saved:
    return Saved(message if changed else _("Aucune modification."), url)


# The pledge list and search (/admin/pledges) lives in views.admin.search.


@bp.get("/pledges/<int:pledge_id>")
def pledge(pledge_id: int) -> ResponseReturnValue:
    """One pledge's workspace: status, every evidence item (any state), links to act."""
    dbs = db_session()
    found = evidence_ops.get_pledge_for_work(dbs, pledge_id)
    if found is None:
        abort(404)
    return render_template(
        "admin/pledge.html",
        pledge=found,
        evidence=evidence_ops.list_pledge_evidence(dbs, pledge_id),
    )


def _pledge_current_values(pledge: Pledge) -> list[tuple[str, str]]:
    return [
        (_("Titre"), pledge.title),
        (_("Thème"), pledge.theme),
        (_("Échéance"), pledge.deadline.isoformat() if pledge.deadline else "—"),
        (_("Mots-clés à rechercher"), ", ".join(pledge.keywords_include) or "—"),
        (_("Mots-clés à exclure"), ", ".join(pledge.keywords_exclude) or "—"),
        (_("Texte"), pledge.body),
    ]


@bp.route("/pledges/<int:pledge_id>/edit", methods=["GET", "POST"])
def edit_pledge(pledge_id: int) -> ResponseReturnValue:
    dbs = db_session()
    found = evidence_ops.get_pledge_for_work(dbs, pledge_id)
    if found is None:
        abort(404)
    form = PledgeForm()

    def save() -> Saved:
        changed = editing.update_pledge(
            dbs,
            found,
            expected_version=version_of(form.version),
            title=cast(str, form.title.data),  # required: validated before save()
            body=form.body.data or "",
            theme=form.theme.data or "",
            made_on=form.made_on.data,
            source_url=form.source_url.data or "",
            quote=form.quote.data or "",
            deadline=form.deadline.data,
            keywords_include=_lines(form.keywords_include.data),
            keywords_exclude=_lines(form.keywords_exclude.data),
            actor=current_actor(),
        )
        return _saved(
            changed, _("Engagement enregistré."), url_for("admin.pledge", pledge_id=pledge_id)
        )

    return edit_page(
        form,
        fill=lambda: {
            "title": found.title,
            "body": found.body,
            "theme": found.theme,
            "made_on": found.made_on,
            "source_url": found.source_url,
            "quote": found.quote,
            "deadline": found.deadline,
            "keywords_include": "\n".join(found.keywords_include),
            "keywords_exclude": "\n".join(found.keywords_exclude),
        },
        version=VersionCheck(
            form.version, current=lambda: found.version, reload=lambda: dbs.refresh(found)
        ),
        save=save,
        render=lambda conflict: render_template(
            "admin/edit_pledge.html",
            form=form,
            pledge=found,
            conflict=conflict,
            current_values=_pledge_current_values(found) if conflict else None,
        ),
    )


@bp.get("/elections")
def elections() -> ResponseReturnValue:
    dbs = db_session()
    items = [(e, editing.list_candidates(dbs, id_of(e))) for e in editing.list_elections(dbs)]
    return render_template("admin/elections.html", elections=items)


@bp.route("/elections/<int:election_id>/edit", methods=["GET", "POST"])
def edit_election(election_id: int) -> ResponseReturnValue:
    dbs = db_session()
    election = dbs.get(Election, election_id)
    if election is None:
        abort(404)
    form = ElectionForm()

    def save() -> Saved:
        changed = editing.update_election(
            dbs,
            election,
            expected_fingerprint=form.fingerprint.data or "",
            # Required fields: edit_page validates the form before save().
            name=cast(str, form.name.data),
            territory=cast(str, form.territory.data),
            date=cast(date, form.date.data),
            actor=current_actor(),
        )
        return _saved(changed, _("Élection enregistrée."), url_for("admin.elections"))

    return edit_page(
        form,
        fill=lambda: {
            "name": election.name,
            "territory": election.territory,
            "date": election.date,
        },
        version=VersionCheck(
            form.fingerprint,
            current=lambda: editing.fingerprint(election, editing.ELECTION_FIELDS),
            reload=lambda: dbs.refresh(election),
        ),
        save=save,
        render=lambda conflict: render_edit_form(
            form,
            heading=_("Modifier l'élection"),
            action=url_for("admin.edit_election", election_id=election_id),
            hidden=form.fingerprint,
            conflict=conflict,
            current=[
                (_("Nom"), election.name),
                (_("Territoire"), election.territory),
                (_("Date"), election.date.isoformat()),
            ],
        ),
    )


@bp.route("/candidates/<int:candidate_id>/edit", methods=["GET", "POST"])
def edit_candidate(candidate_id: int) -> ResponseReturnValue:
    dbs = db_session()
    candidate = dbs.get(Candidate, candidate_id)
    if candidate is None:
        abort(404)
    form = CandidateForm()

    def save() -> Saved:
        changed = editing.update_candidate(
            dbs,
            candidate,
            expected_version=version_of(form.version),
            name=cast(str, form.name.data),  # required: validated before save()
            list_name=form.list_name.data or "",
            elected=form.elected.data,
            office=form.office.data or "",
            actor=current_actor(),
        )
        return _saved(changed, _("Candidat·e enregistré·e."), url_for("admin.elections"))

    return edit_page(
        form,
        fill=lambda: {
            "name": candidate.name,
            "list_name": candidate.list_name,
            "elected": candidate.elected,
            "office": candidate.office,
        },
        version=VersionCheck(
            form.version, current=lambda: candidate.version, reload=lambda: dbs.refresh(candidate)
        ),
        save=save,
        render=lambda conflict: render_edit_form(
            form,
            heading=_("Modifier la candidature"),
            action=url_for("admin.edit_candidate", candidate_id=candidate_id),
            hidden=form.version,
            conflict=conflict,
            current=[
                (_("Nom"), candidate.name),
                (_("Liste ou parti"), candidate.list_name),
                (_("Mandat exercé"), candidate.office),
                (_("Version"), str(candidate.version)),
            ],
        ),
    )
