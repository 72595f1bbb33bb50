"""Editing elections, candidates and pledges (keywords included), with optimistic locking.

Forms carry the version (or, for elections, a fingerprint) they were read at;
a stale save is refused with the current values shown and the typing kept.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from models import Candidate, Election
from pledges import editing
from pledges import evidence as evidence_ops
from pledges import scoreboard as reads
from pledges.errors import ConflictError
from pledges.scoreboard import PledgeFilters
from views.admin import bp, render_edit_form
from views.admin.rulings import set_hidden, version_of
from views.auth import current_actor
from views.database import db_session
from views.forms import CandidateForm, ElectionForm, PledgeForm
from views.labels import today
from views.query import parse_id

PER_PAGE = 30


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _field_error(form, error: editing.EditError) -> None:
    messages = {
        "required": _("Ce champ est obligatoire."),
        "too_long": _("Ce texte est trop long."),
        "too_many": _("Trop de mots-clés."),
        "bad_url": _("Le lien doit commencer par http:// ou https://."),
        "taken": _("Cette adresse est déjà enregistrée."),
        "too_small": _("Au moins une minute."),
    }
    target = getattr(form, error.field, None)
    message = messages.get(error.code, _("Valeur refusée."))
    if target is None:
        form.form_errors.append(message)
    else:
        target.errors = [*target.errors, message]


@bp.get("/pledges")
def pledges():
    """Every pledge, searchable, with links to edit, rule and audit."""
    q = (request.args.get("q") or "").strip()[:200]
    raw_page = request.args.get("page", "1")
    page = parse_id(raw_page) or 1
    result = reads.list_pledges(
        db_session(), PledgeFilters(q=q), page=max(page, 1), per_page=PER_PAGE, today=today()
    )
    return render_template("admin/pledges.html", result=result, q=q)


@bp.get("/pledges/<int:pledge_id>")
def pledge(pledge_id: int):
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


def _pledge_current_values(pledge) -> list[tuple[str, str]]:
    return [
        (_("Titre"), pledge.title),
        (_("Thème"), pledge.theme),
        (_("Échéance"), pledge.deadline.isoformat() if pledge.deadline else "—"),
        (_("Mots-clés à rechercher"), ", ".join(pledge.keywords_include) or "—"),
        (_("Mots-clés à exclure"), ", ".join(pledge.keywords_exclude) or "—"),
        (_("Texte"), pledge.body),
    ]


@bp.route("/pledges/<int:pledge_id>/edit", methods=["GET", "POST"])
def edit_pledge(pledge_id: int):
    dbs = db_session()
    found = evidence_ops.get_pledge_for_work(dbs, pledge_id)
    if found is None:
        abort(404)
    form = PledgeForm()
    conflict = False
    status = 200
    if not form.is_submitted():
        form.process(
            data={
                "title": found.title,
                "body": found.body,
                "theme": found.theme,
                "made_on": found.made_on,
                "source_url": found.source_url,
                "quote": found.quote,
                "deadline": found.deadline,
                "keywords_include": "\n".join(found.keywords_include),
                "keywords_exclude": "\n".join(found.keywords_exclude),
            }
        )
        set_hidden(form.version, found.version)
    elif form.validate():
        try:
            expected = version_of(form.version)
            if expected is None:
                raise ConflictError("missing version")
            changed = editing.update_pledge(
                dbs,
                found,
                expected_version=expected,
                title=form.title.data,
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
        except ConflictError:
            dbs.rollback()
            dbs.refresh(found)
            conflict, status = True, 409
            set_hidden(form.version, found.version)
        except editing.EditError as error:
            dbs.rollback()
            _field_error(form, error)
            status = 422
        else:
            dbs.commit()
            flash(_("Engagement enregistré.") if changed else _("Aucune modification."), "success")
            return redirect(url_for("admin.pledge", pledge_id=pledge_id))
    else:
        status = 422
    return (
        render_template(
            "admin/edit_pledge.html",
            form=form,
            pledge=found,
            conflict=conflict,
            current_values=_pledge_current_values(found) if conflict else None,
        ),
        status,
    )


@bp.get("/elections")
def elections():
    dbs = db_session()
    items = [(e, editing.list_candidates(dbs, e.id)) for e in editing.list_elections(dbs)]
    return render_template("admin/elections.html", elections=items)


@bp.route("/elections/<int:election_id>/edit", methods=["GET", "POST"])
def edit_election(election_id: int):
    dbs = db_session()
    election = dbs.get(Election, election_id)
    if election is None:
        abort(404)
    form = ElectionForm()
    conflict = False
    status = 200
    if not form.is_submitted():
        form.process(
            data={"name": election.name, "territory": election.territory, "date": election.date}
        )
        set_hidden(form.fingerprint, editing.fingerprint(election, editing.ELECTION_FIELDS))
    elif form.validate():
        try:
            changed = editing.update_election(
                dbs,
                election,
                expected_fingerprint=form.fingerprint.data,
                name=form.name.data,
                territory=form.territory.data,
                date=form.date.data,
                actor=current_actor(),
            )
        except ConflictError:
            dbs.rollback()
            dbs.refresh(election)
            conflict, status = True, 409
            set_hidden(form.fingerprint, editing.fingerprint(election, editing.ELECTION_FIELDS))
        except editing.EditError as error:
            dbs.rollback()
            _field_error(form, error)
            status = 422
        else:
            dbs.commit()
            flash(_("Élection enregistrée.") if changed else _("Aucune modification."), "success")
            return redirect(url_for("admin.elections"))
    else:
        status = 422
    return render_edit_form(
        form,
        heading=_("Modifier l'élection"),
        action=url_for("admin.edit_election", election_id=election_id),
        hidden=form.fingerprint,
        status=status,
        conflict=conflict,
        current=[
            (_("Nom"), election.name),
            (_("Territoire"), election.territory),
            (_("Date"), election.date.isoformat()),
        ],
    )


@bp.route("/candidates/<int:candidate_id>/edit", methods=["GET", "POST"])
def edit_candidate(candidate_id: int):
    dbs = db_session()
    candidate = dbs.get(Candidate, candidate_id)
    if candidate is None:
        abort(404)
    form = CandidateForm()
    conflict = False
    status = 200
    if not form.is_submitted():
        form.process(
            data={
                "name": candidate.name,
                "list_name": candidate.list_name,
                "elected": candidate.elected,
                "office": candidate.office,
            }
        )
        set_hidden(form.version, candidate.version)
    elif form.validate():
        try:
            expected = version_of(form.version)
            if expected is None:
                raise ConflictError("missing version")
            changed = editing.update_candidate(
                dbs,
                candidate,
                expected_version=expected,
                name=form.name.data,
                list_name=form.list_name.data or "",
                elected=form.elected.data,
                office=form.office.data or "",
                actor=current_actor(),
            )
        except ConflictError:
            dbs.rollback()
            dbs.refresh(candidate)
            conflict, status = True, 409
            set_hidden(form.version, candidate.version)
        except editing.EditError as error:
            dbs.rollback()
            _field_error(form, error)
            status = 422
        else:
            dbs.commit()
            flash(
                _("Candidat·e enregistré·e.") if changed else _("Aucune modification."), "success"
            )
            return redirect(url_for("admin.elections"))
    else:
        status = 422
    return render_edit_form(
        form,
        heading=_("Modifier la candidature"),
        action=url_for("admin.edit_candidate", candidate_id=candidate_id),
        hidden=form.version,
        status=status,
        conflict=conflict,
        current=[
            (_("Nom"), candidate.name),
            (_("Liste ou parti"), candidate.list_name),
            (_("Mandat exercé"), candidate.office),
            (_("Version"), str(candidate.version)),
        ],
    )
