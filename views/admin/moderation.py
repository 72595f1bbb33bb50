"""Moderation: publish or reject submitted evidence (a rejection needs a reason, shown to
the submitter)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from models.db import id_of
from pledges import evidence as evidence_ops
from pledges.errors import DomainError
from views.admin import bp
from views.auth import current_actor
from views.database import db_session
from views.error_messages import error_message
from views.forms import Form, PublishForm, RejectForm


def _forms(
    rows: Sequence[evidence_ops.EvidenceRow],
    *,
    override: Mapping[int, dict[str, Form]] | None = None,
) -> dict[int, dict[str, Form]]:
    forms: dict[int, dict[str, Form]] = {
        id_of(row.evidence): {
            "publish": PublishForm(prefix=f"p{row.evidence.id}"),
            "reject": RejectForm(prefix=f"r{row.evidence.id}"),
        }
        for row in rows
    }
    if override:
        forms.update(override)
    return forms


@bp.get("/moderation")
def moderation() -> ResponseReturnValue:
    """Submitted evidence, oldest first: each row publishes or rejects itself."""
    rows = evidence_ops.list_submitted(db_session())
    return render_template("admin/moderation.html", rows=rows, forms=_forms(rows), errors={})


def _decide(evidence_id: int, action: str) -> ResponseReturnValue:
    dbs = db_session()
    row = evidence_ops.get_evidence(dbs, evidence_id)
    if row is None:
        abort(404)
    publish_form = PublishForm(prefix=f"p{evidence_id}")
    reject_form = RejectForm(prefix=f"r{evidence_id}")
    form = publish_form if action == "publish" else reject_form
    error = None
    done = False
    if form.validate_on_submit():
        try:
            if action == "publish":
                evidence_ops.publish_evidence(dbs, row.evidence, actor=current_actor())
            else:
                # The reason is required: reject_form's validators passed.
                reason = cast(str, reject_form.reason.data)
                evidence_ops.reject_evidence(
                    dbs, row.evidence, reason=reason, actor=current_actor()
                )
        except DomainError as exc:
            error = error_message(exc)
        else:
            dbs.commit()
            done = True
    forms: dict[str, Form] = {"publish": publish_form, "reject": reject_form}
    if request.headers.get("HX-Request"):
        return render_template(
            "admin/_submission.html", row=row, forms=forms, error=error, done=done
        )
    if done:
        flash(_("Preuve publiée.") if action == "publish" else _("Preuve refusée."), "success")
        return redirect(url_for("admin.moderation"))
    rows = evidence_ops.list_submitted(dbs)
    if all(r.evidence.id != evidence_id for r in rows):
        rows = [row, *rows]
    return (
        render_template(
            "admin/moderation.html",
            rows=rows,
            forms=_forms(rows, override={evidence_id: forms}),
            errors={evidence_id: error} if error else {},
        ),
        422,
    )


@bp.post("/evidence/<int:evidence_id>/publish")
def publish_evidence(evidence_id: int) -> ResponseReturnValue:
    return _decide(evidence_id, "publish")


@bp.post("/evidence/<int:evidence_id>/reject")
def reject_evidence(evidence_id: int) -> ResponseReturnValue:
    return _decide(evidence_id, "reject")
