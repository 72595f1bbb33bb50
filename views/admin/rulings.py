"""Rulings on a pledge's status: status, effective date, rationale, cited published evidence.

The version read with the form travels in a hidden field; a stale save is
refused with the current state shown (pledges.editing.rule_on_pledge).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from models.enums import PledgeStatus
from pledges import evidence as evidence_ops
from pledges.editing import rule_on_pledge
from pledges.errors import ConflictError, DomainError, EvidenceRequired
from views.admin import bp
from views.auth import current_actor
from views.database import db_session
from views.forms import RulingForm
from views.labels import kind_label, today
from views.query import parse_id


def set_hidden(field, value) -> None:
    """Replace a hidden field's submitted value (e.g. the current version after a conflict)."""
    field.data = str(value)
    field.raw_data = [str(value)]


def version_of(form_field) -> int | None:
    return parse_id(form_field.data)


@bp.route("/pledges/<int:pledge_id>/ruling", methods=["GET", "POST"])
def ruling(pledge_id: int):
    dbs = db_session()
    pledge = evidence_ops.get_pledge_for_work(dbs, pledge_id)
    if pledge is None:
        abort(404)
    published = evidence_ops.list_published_evidence(dbs, pledge_id)
    form = RulingForm()
    form.cites.choices = [
        SelectChoice(
            e.id,
            f"{e.published_on.isoformat()} · {e.outlet} · {e.title or e.url}"
            f" ({kind_label(e.kind)})",
        )
        for e in published
    ]
    conflict = False
    status = 200
    if not form.is_submitted():
        set_hidden(form.version, pledge.version)
        form.effective_on.data = today()
    elif form.validate():
        expected = version_of(form.version)
        try:
            if expected is None:
                raise ConflictError("missing version")
            rule_on_pledge(
                dbs,
                pledge,
                expected_version=expected,
                to=PledgeStatus(form.status.data),
                effective_on=form.effective_on.data,
                rationale=form.rationale.data,
                cite_ids=form.cites.data or [],
                actor=current_actor(),
            )
        except ConflictError:
            dbs.rollback()
            pledge = evidence_ops.get_pledge_for_work(dbs, pledge_id)
            dbs.refresh(pledge)
            conflict = True
            status = 409
            set_hidden(form.version, pledge.version)
        except EvidenceRequired:
            dbs.rollback()
            form.cites.errors = [
                *form.cites.errors,
                _("Une décision « tenu » ou « rompu » doit citer au moins une preuve publiée."),
            ]
            status = 422
        except DomainError:
            dbs.rollback()
            form.form_errors.append(
                _("Cette décision est impossible : vérifiez la date et les preuves.")
            )
            status = 422
        else:
            dbs.commit()
            flash(_("Décision enregistrée : elle est visible sur la page publique."), "success")
            return redirect(url_for("admin.pledge", pledge_id=pledge_id))
    else:
        status = 422
    return (
        render_template(
            "admin/ruling.html", form=form, pledge=pledge, conflict=conflict, published=published
        ),
        status,
    )
