"""Archiving, restoring and deleting elections, candidates and pledges; removing the demo data.

Each destructive action has a confirmation page (a GET showing what will
happen, a POST form) so it works without JavaScript; a refused action
re-renders that page with 422 and the reason. Archives and deletion need an
editor (the blueprint's protection); removing the demo data needs an admin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from models import Candidate, Election, Pledge
from models.enums import Role
from pledges import archiving
from pledges.archive import ArchiveSettings
from pledges.archiving import Archivable, Removed
from pledges.errors import ArchiveError
from views.admin import bp
from views.auth import current_actor, requires
from views.database import db_session
from views.error_messages import show_on_form
from views.forms import ConfirmForm

KINDS: dict[str, type[Election] | type[Candidate] | type[Pledge]] = {
    "election": Election,
    "candidate": Candidate,
    "pledge": Pledge,
}
ACTIONS = ("archive", "delete")

# Table names as people read them, for the summary of a removal (literal calls: extracted).
TABLE_LABELS: dict[str, Callable[[int], str]] = {
    "election": lambda n: ngettext("%(num)d élection", "%(num)d élections", n),
    "candidate": lambda n: ngettext("%(num)d candidature", "%(num)d candidatures", n),
    "pledge": lambda n: ngettext("%(num)d engagement", "%(num)d engagements", n),
    "evidence": lambda n: ngettext("%(num)d preuve", "%(num)d preuves", n),
    "evidencecorrection": lambda n: ngettext(
        "%(num)d correction de preuve", "%(num)d corrections de preuves", n
    ),
    "statuschange": lambda n: ngettext("%(num)d décision", "%(num)d décisions", n),
    "statuschangecitation": lambda n: ngettext("%(num)d citation", "%(num)d citations", n),
    "suggestion": lambda n: ngettext("%(num)d suggestion", "%(num)d suggestions", n),
    "feeditem": lambda n: ngettext("%(num)d article de flux", "%(num)d articles de flux", n),
    "theme": lambda n: ngettext("%(num)d thème", "%(num)d thèmes", n),
    "slugredirect": lambda n: ngettext("%(num)d ancienne adresse", "%(num)d anciennes adresses", n),
    "snapshot": lambda n: ngettext("%(num)d copie archivée", "%(num)d copies archivées", n),
    "archivejob": lambda n: ngettext("%(num)d tâche d'archivage", "%(num)d tâches d'archivage", n),
    "linkcheck": lambda n: ngettext(
        "%(num)d vérification de lien", "%(num)d vérifications de liens", n
    ),
    "programme": lambda n: ngettext("%(num)d programme", "%(num)d programmes", n),
    "programmepassage": lambda n: ngettext(
        "%(num)d passage de programme", "%(num)d passages de programmes", n
    ),
}


def removed_summary(removed: Removed) -> str:
    """ "3 élections, 40 engagements, …" in the reader's language (a later table: its name)."""
    return ", ".join(
        TABLE_LABELS[table](number) if table in TABLE_LABELS else f"{number} {table}"
        for table, number in removed.counts.items()
    )


def _find(kind: str, object_id: int) -> Archivable:
    model = KINDS.get(kind)
    if model is None:
        abort(404)
    found = cast(Archivable | None, db_session().get(model, object_id))
    if found is None:
        abort(404)
    return found


def describe(obj: Archivable) -> str:
    """What the object is, for headings: "l'engagement « … »"."""
    if isinstance(obj, Pledge):
        return _("l'engagement « %(name)s »", name=obj.title)
    if isinstance(obj, Candidate):
        return _("la candidature « %(name)s »", name=obj.name)
    return _("l'élection « %(name)s »", name=obj.name)


def _back(obj: Archivable) -> str:
    """Where the editor came from: the pledge's workspace, or the elections page."""
    if isinstance(obj, Pledge):
        return url_for("admin.pledge", pledge_id=obj.id)
    return url_for("admin.elections")


def _confirm_page(
    obj: Archivable, kind: str, action: str, form: ConfirmForm, status: int = 200
) -> ResponseReturnValue:
    dbs = db_session()
    ledger = archiving.public_ledger_count(dbs, obj) if action == "delete" else 0
    return (
        render_template(
            "admin/archive_confirm.html",
            obj=obj,
            kind=kind,
            action=action,
            form=form,
            what=describe(obj),
            ledger=ledger,
            back=_back(obj),
        ),
        status,
    )


@bp.route("/archives/<kind>/<int:object_id>/<action>", methods=["GET", "POST"])
def archive_action(kind: str, object_id: int, action: str) -> ResponseReturnValue:
    """Confirm, then archive or delete for good (delete: only what was never public)."""
    if action not in ACTIONS:
        abort(404)
    obj = _find(kind, object_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _confirm_page(obj, kind, action, form, 422 if form.is_submitted() else 200)
    what = describe(obj)
    dbs = db_session()
    removed = None
    try:
        if action == "archive":
            archiving.archive(dbs, obj, actor=current_actor())
            message = _(
                "Archivé : %(what)s. Vous pouvez le restaurer depuis les archives.", what=what
            )
            target = url_for("admin.archives")
        else:
            removed = archiving.hard_delete(dbs, obj, actor=current_actor())
            message = _(
                "Supprimé définitivement : %(what)s (%(removed)s).",
                what=what,
                removed=removed_summary(removed),
            )
            target = (
                url_for("admin.pledges") if isinstance(obj, Pledge) else url_for("admin.elections")
            )
    except ArchiveError as error:
        dbs.rollback()
        show_on_form(form, error)
        return _confirm_page(obj, kind, action, form, 422)
    dbs.commit()
    if removed is not None:
        removed.remove_files(ArchiveSettings.from_config(current_app.config).archive_dir)
    flash(message, "success")
    return redirect(target)


@bp.post("/archives/<kind>/<int:object_id>/restore")
def restore(kind: str, object_id: int) -> ResponseReturnValue:
    """Bring an archived object back (restoring is harmless: no confirmation step)."""
    obj = _find(kind, object_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    dbs = db_session()
    what = describe(obj)
    try:
        archiving.restore(dbs, obj, actor=current_actor())
    except ArchiveError as error:
        dbs.rollback()
        show_on_form(form, error)
        return archives_page(form, 422)
    dbs.commit()
    flash(_("Restauré : %(what)s.", what=what), "success")
    return redirect(url_for("admin.archives"))


def archives_page(form: ConfirmForm, status: int = 200) -> ResponseReturnValue:
    return (
        render_template(
            "admin/archives.html",
            archived=archiving.list_archived(db_session()),
            form=form,
            limit=archiving.MAX_ARCHIVES_LISTED,
        ),
        status,
    )


@bp.get("/archives")
def archives() -> ResponseReturnValue:
    """Everything archived, each with a restore button."""
    return archives_page(ConfirmForm(formdata=None))


@bp.route("/demo", methods=["GET", "POST"])
@requires(Role.ADMIN)
def demo() -> ResponseReturnValue:
    """Remove the demonstration data (elections marked as demo, and what lies beneath)."""
    dbs = db_session()
    form = ConfirmForm()
    if form.validate_on_submit():
        removed = archiving.unload_demo(dbs, actor=current_actor())
        dbs.commit()
        removed.remove_files(ArchiveSettings.from_config(current_app.config).archive_dir)
        if removed.total:
            flash(
                _(
                    "Données de démonstration retirées : %(removed)s.",
                    removed=removed_summary(removed),
                ),
                "success",
            )
        else:
            flash(_("Il n'y a pas de données de démonstration."), "info")
        return redirect(url_for("admin.demo"))
    demo_elections = archiving.list_demo_elections(dbs)
    status = 422 if form.is_submitted() else 200
    return render_template("admin/demo.html", form=form, elections=demo_elections), status
