"""Creating and editing elections, candidates and pledges (keywords included).

Edit forms carry the version (or, for elections, a fingerprint) they were read
at; a stale save is refused with the current values shown and the typing kept
(views.admin.editing.edit_page runs the flow). Create pages use the same flow
without a version. The pledge form previews its Markdown body: live with htmx
(`pledge_preview`), and without JavaScript through its "Aperçu" button, which
re-renders the form with the preview and saves nothing.
"""

from __future__ import annotations

from datetime import date
from typing import cast

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

from models import Candidate, Election, Pledge
from models.db import id_of
from pledges import content, editing, programmes
from pledges import evidence as evidence_ops
from pledges.text import render_markdown
from views.admin import bp
from views.admin.editing import (
    Saved,
    VersionCheck,
    create_page,
    edit_page,
    render_edit_form,
    version_of,
)
from views.auth import current_actor
from views.database import db_session, get_or_404
from views.forms import (
    CandidateForm,
    ElectionForm,
    NewCandidateForm,
    NewElectionForm,
    NewPledgeForm,
    PledgeForm,
    typed_slug,
)
from views.labels import theme_label
from views.query import parse_id

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
        flagged=evidence_ops.list_flagged_rulings(dbs, pledge_id=pledge_id),
    )


def _pledge_current_values(pledge: Pledge) -> list[tuple[str, str]]:
    return [
        (_("Candidat·e"), pledge.candidate.name),
        (_("Titre"), pledge.title),
        (_("Thème"), theme_label(pledge.theme) if pledge.theme else "—"),
        (_("Échéance"), pledge.deadline.isoformat() if pledge.deadline else "—"),
        (_("Mots-clés à rechercher"), ", ".join(pledge.keywords_include) or "—"),
        (_("Mots-clés à exclure"), ", ".join(pledge.keywords_exclude) or "—"),
        (_("Texte"), pledge.body),
    ]


def _fill_pledge_choices(form: NewPledgeForm, election_id: int, current_theme: str = "") -> None:
    """The election's candidates, and every theme by its name in the reader's language."""
    form.candidate.choices = [
        SelectChoice(str(c.id), c.name) for c in editing.list_candidates(db_session(), election_id)
    ]
    fill_theme_choices(form, current_theme)


def fill_theme_choices(form: NewPledgeForm, current_theme: str = "") -> None:
    """Every theme by its name in the reader's language, "(aucun thème)" first."""
    themes: list[SelectChoice] = []
    slugs = set()
    for theme in content.list_themes(db_session()):
        themes.append(SelectChoice(theme.slug, theme_label(theme.slug)))
        slugs.add(theme.slug)
    if current_theme and current_theme not in slugs:
        # A theme that only pledges name (older data): kept selectable as it is.
        themes.append(SelectChoice(current_theme, theme_label(current_theme)))
    themes.sort(key=lambda choice: str(choice.label).casefold())
    form.theme.choices = [SelectChoice("", _("(aucun thème)")), *themes]


def _chosen_candidate(form: NewPledgeForm, election_id: int) -> Candidate:
    """The candidate picked in the form (one of the election's: the choices were checked)."""
    found = db_session().get(Candidate, parse_id(form.candidate.data) or 0)
    if found is None or found.election_id != election_id:
        abort(422)
    return found


def _wants_preview() -> bool:
    return request.method == "POST" and "preview" in request.form


def _preview_html(form: NewPledgeForm) -> Markup | None:
    return render_markdown(form.body.data or "") if _wants_preview() else None


@bp.post("/pledges/preview")
def pledge_preview() -> ResponseReturnValue:
    """The Markdown body rendered, for the pledge form's live preview (htmx)."""
    body = request.form.get("body", "")[:50_000]
    return render_template("admin/_preview.html", preview=render_markdown(body))


@bp.route("/pledges/<int:pledge_id>/edit", methods=["GET", "POST"])
def edit_pledge(pledge_id: int) -> ResponseReturnValue:
    dbs = db_session()
    found = evidence_ops.get_pledge_for_work(dbs, pledge_id)
    if found is None:
        abort(404)
    form = PledgeForm()
    _fill_pledge_choices(form, found.election_id, found.theme)
    if not form.candidate.raw_data:
        form.candidate.data = str(found.candidate_id)
    # Made from an archived programme's passage: its quote is that text, never retyped.
    quote_locked = programmes.passage_of(dbs, pledge_id) is not None

    def render(conflict: bool) -> str:
        return render_template(
            "admin/edit_pledge.html",
            form=form,
            pledge=found,
            election=found.candidate.election,
            action=url_for("admin.edit_pledge", pledge_id=pledge_id),
            heading=_("Modifier l'engagement"),
            preview=_preview_html(form),
            conflict=conflict,
            current_values=_pledge_current_values(found) if conflict else None,
            quote_locked=quote_locked,
        )

    if _wants_preview():
        form.validate()
        return render(False)

    def save() -> Saved:
        actor = current_actor()
        target = _chosen_candidate(form, found.election_id)
        version = version_of(form.version)
        moved = content.move_pledge(dbs, found, target, expected_version=version, actor=actor)
        changed = editing.update_pledge(
            dbs,
            found,
            expected_version=version + 1 if moved else version,
            title=cast(str, form.title.data),  # required: validated before save()
            body=form.body.data or "",
            theme=form.theme_text(),
            made_on=form.made_on.data,
            source_url=form.source_url.data or "",
            quote=found.quote if quote_locked else form.quote.data or "",
            deadline=form.deadline.data,
            keywords_include=_lines(form.keywords_include.data),
            keywords_exclude=_lines(form.keywords_exclude.data),
            actor=actor,
        )
        return _saved(
            changed or moved,
            _("Engagement enregistré."),
            url_for("admin.pledge", pledge_id=pledge_id),
        )

    return edit_page(
        form,
        fill=lambda: {
            "candidate": str(found.candidate_id),
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
        render=render,
    )


@bp.route("/elections/<int:election_id>/pledges/new", methods=["GET", "POST"])
def new_pledge(election_id: int) -> ResponseReturnValue:
    """A new pledge of one of the election's candidates (`?candidate=` preselects one)."""
    dbs = db_session()
    election = get_or_404(Election, election_id)
    form = NewPledgeForm()
    _fill_pledge_choices(form, election_id)
    if not form.is_submitted():
        form.candidate.data = request.args.get("candidate", "")[:12]

    def render(conflict: bool) -> str:
        return render_template(
            "admin/edit_pledge.html",
            form=form,
            pledge=None,
            election=election,
            action=url_for("admin.new_pledge", election_id=election_id),
            heading=_("Nouvel engagement"),
            preview=_preview_html(form),
            conflict=conflict,
            current_values=None,
        )

    if _wants_preview():
        form.validate()
        return render(False)

    def save() -> Saved:
        created = content.create_pledge(
            dbs,
            _chosen_candidate(form, election_id),
            title=cast(str, form.title.data),  # required: validated before save()
            body=form.body.data or "",
            theme=form.theme_text(),
            made_on=form.made_on.data,
            source_url=form.source_url.data or "",
            quote=form.quote.data or "",
            deadline=form.deadline.data,
            keywords_include=_lines(form.keywords_include.data),
            keywords_exclude=_lines(form.keywords_exclude.data),
            actor=current_actor(),
        )
        return Saved(_("Engagement créé."), url_for("admin.pledge", pledge_id=id_of(created)))

    return edit_page(form, fill=None, version=None, save=save, render=render)


@bp.get("/elections")
def elections() -> ResponseReturnValue:
    dbs = db_session()
    items = [(e, editing.list_candidates(dbs, id_of(e))) for e in editing.list_elections(dbs)]
    return render_template("admin/elections.html", elections=items)


@bp.route("/elections/new", methods=["GET", "POST"])
def new_election() -> ResponseReturnValue:
    dbs = db_session()
    form = NewElectionForm()

    def save() -> Saved:
        created = content.create_election(
            dbs,
            # Required fields: edit_page validates the form before save().
            name=cast(str, form.name.data),
            territory=cast(str, form.territory.data),
            date=cast(date, form.date.data),
            slug=form.slug.data or "",
            actor=current_actor(),
        )
        return Saved(_("Élection créée."), url_for("admin.election", election_id=id_of(created)))

    return create_page(
        form, heading=_("Nouvelle élection"), action=url_for("admin.new_election"), save=save
    )


@bp.get("/elections/<int:election_id>")
def election(election_id: int) -> ResponseReturnValue:
    """One election: its candidates, each with their pledges, and what to add."""
    dbs = db_session()
    found = get_or_404(Election, election_id)
    candidates = [
        (c, editing.list_candidate_pledges(dbs, id_of(c)))
        for c in editing.list_candidates(dbs, election_id)
    ]
    return render_template("admin/election.html", election=found, candidates=candidates)


@bp.route("/elections/<int:election_id>/edit", methods=["GET", "POST"])
def edit_election(election_id: int) -> ResponseReturnValue:
    dbs = db_session()
    election = get_or_404(Election, election_id)
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
            slug=typed_slug(form.slug),
            actor=current_actor(),
        )
        return _saved(
            changed,
            _("Élection enregistrée."),
            url_for("admin.election", election_id=election_id),
        )

    return edit_page(
        form,
        fill=lambda: {
            "name": election.name,
            "territory": election.territory,
            "date": election.date,
            "slug": election.slug,
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
                (_("Identifiant dans les adresses (slug)"), election.slug),
            ],
        ),
    )


@bp.route("/elections/<int:election_id>/candidates/new", methods=["GET", "POST"])
def new_candidate(election_id: int) -> ResponseReturnValue:
    dbs = db_session()
    election = get_or_404(Election, election_id)
    form = NewCandidateForm()

    def save() -> Saved:
        content.create_candidate(
            dbs,
            election,
            name=cast(str, form.name.data),  # required: validated before save()
            list_name=form.list_name.data or "",
            elected=form.elected.data,
            office=form.office.data or "",
            slug=form.slug.data or "",
            actor=current_actor(),
        )
        return Saved(_("Candidature créée."), url_for("admin.election", election_id=election_id))

    return create_page(
        form,
        heading=_("Nouvelle candidature — %(election)s", election=election.name),
        action=url_for("admin.new_candidate", election_id=election_id),
        save=save,
    )


@bp.route("/candidates/<int:candidate_id>/edit", methods=["GET", "POST"])
def edit_candidate(candidate_id: int) -> ResponseReturnValue:
    dbs = db_session()
    candidate = get_or_404(Candidate, candidate_id)
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
            slug=typed_slug(form.slug),
            actor=current_actor(),
        )
        return _saved(
            changed,
            _("Candidat·e enregistré·e."),
            url_for("admin.election", election_id=candidate.election_id),
        )

    return edit_page(
        form,
        fill=lambda: {
            "name": candidate.name,
            "list_name": candidate.list_name,
            "elected": candidate.elected,
            "office": candidate.office,
            "slug": candidate.slug,
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
                (_("Identifiant dans les adresses (slug)"), candidate.slug),
                (_("Version"), str(candidate.version)),
            ],
        ),
    )
