"""Correcting evidence: edit before publication, correct after (publicly), withdraw, reconsider.

Before publication an edit is audited only (a moderator fixes a stance or a
date, then publishes from the queue); after publication each change is also
recorded publicly with its reason ("corrigé le …" on the pledge page). A
withdrawal needs a public reason; a rejected item can be sent back to the
moderation queue. The edit form carries a fingerprint of the item
(optimistic locking, views.admin.editing.edit_page runs the flow).
"""

from __future__ import annotations

from datetime import date
from typing import cast

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from models.enums import EvidenceKind, EvidenceState, Stance
from pledges import evidence as evidence_ops
from pledges.errors import DomainError
from views.admin import bp
from views.admin.editing import Saved, VersionCheck, edit_page
from views.auth import current_actor
from views.corrections import change_lines
from views.database import db_session
from views.error_messages import error_message, show_on_form
from views.forms import EvidenceEditForm, ReconsiderForm, WithdrawForm
from views.labels import kind_label, site_zone, stance_label

# The withdrawal form sits under the edit form: its fields get their own names and ids.
WITHDRAW_PREFIX = "withdraw"


def _row(evidence_id: int) -> evidence_ops.EvidenceRow:
    row = evidence_ops.get_evidence(db_session(), evidence_id)
    if row is None:
        abort(404)
    return row


def _page(
    row: evidence_ops.EvidenceRow,
    *,
    form: EvidenceEditForm,
    withdraw_form: WithdrawForm,
    reconsider_form: ReconsiderForm | None = None,
    conflict: bool = False,
    error: str | None = None,
) -> str:
    evidence = row.evidence
    return render_template(
        "admin/edit_evidence.html",
        row=row,
        evidence=evidence,
        form=form,
        withdraw_form=withdraw_form,
        reconsider_form=reconsider_form or ReconsiderForm(formdata=None),
        conflict=conflict,
        error=error,
        current_values=_current_values(row) if conflict else None,
        corrections=evidence_ops.list_corrections(db_session(), [evidence.id or 0]).get(
            evidence.id or 0, []
        ),
        change_lines=change_lines,
    )


def _current_values(row: evidence_ops.EvidenceRow) -> list[tuple[str, str]]:
    e = row.evidence
    return [
        (_("Lien (URL)"), e.url),
        (_("Média ou source"), e.outlet),
        (_("Date de publication"), e.published_on.isoformat()),
        (_("Nature"), kind_label(e.kind)),
        (_("Sens"), stance_label(e.stance)),
        (_("Titre"), e.title),
        (_("Citation"), e.quote),
        (_("Note (Markdown)"), e.note),
    ]


@bp.route("/evidence/<int:evidence_id>/edit", methods=["GET", "POST"])
def edit_evidence(evidence_id: int) -> ResponseReturnValue:
    """Edit submitted evidence, or correct published evidence (with a public reason)."""
    dbs = db_session()
    row = _row(evidence_id)
    evidence = row.evidence
    form = EvidenceEditForm()

    def save() -> Saved:
        published = evidence.state == EvidenceState.PUBLISHED
        changed = evidence_ops.update_evidence(
            dbs,
            evidence,
            expected_fingerprint=form.fingerprint.data or "",
            # Required fields: edit_page validates the form before save().
            url=cast(str, form.url.data),
            outlet=cast(str, form.outlet.data),
            published_on=cast(date, form.published_on.data),
            stance=Stance(form.stance.data),
            kind=EvidenceKind(form.kind.data),
            title=form.title.data or "",
            quote=form.quote.data or "",
            note=form.note.data or "",
            reason=form.reason.data or "",
            actor=current_actor(),
            zone=site_zone(),
        )
        if not changed:
            message = _("Aucune modification.")
        elif published:
            message = _("Correction enregistrée : elle est indiquée sur la page publique.")
        else:
            message = _("Preuve modifiée.")
        target = (
            url_for("admin.moderation")
            if evidence.state == EvidenceState.SUBMITTED
            else url_for("admin.pledge", pledge_id=evidence.pledge_id)
        )
        return Saved(message, target)

    return edit_page(
        form,
        fill=lambda: {
            "url": evidence.url,
            "outlet": evidence.outlet,
            "published_on": evidence.published_on,
            "kind": evidence.kind.value,
            "stance": evidence.stance.value,
            "title": evidence.title,
            "quote": evidence.quote,
            "note": evidence.note,
        },
        version=VersionCheck(
            form.fingerprint,
            current=lambda: evidence_ops.evidence_fingerprint(evidence),
            reload=lambda: dbs.refresh(evidence),
        ),
        save=save,
        render=lambda conflict: _page(
            row,
            form=form,
            withdraw_form=WithdrawForm(formdata=None, prefix=WITHDRAW_PREFIX),
            conflict=conflict,
        ),
    )


@bp.post("/evidence/<int:evidence_id>/withdraw")
def withdraw_evidence(evidence_id: int) -> ResponseReturnValue:
    """Withdraw published evidence with a public reason; 422 and the page again without one."""
    dbs = db_session()
    row = _row(evidence_id)
    withdraw_form = WithdrawForm(prefix=WITHDRAW_PREFIX)
    error = None
    if withdraw_form.validate_on_submit():
        try:
            evidence_ops.withdraw_evidence(
                dbs,
                row.evidence,
                reason=cast(str, withdraw_form.reason.data),
                actor=current_actor(),
            )
        except DomainError as refused:
            if refused.field == "reason":
                show_on_form(withdraw_form, refused)
            else:  # no longer published: the withdrawal form is not on the page any more
                error = error_message(refused)
        else:
            dbs.commit()
            flash(_("Preuve retirée : elle n'apparaît plus sur le site public."), "success")
            return redirect(url_for("admin.pledge", pledge_id=row.evidence.pledge_id))
    form = EvidenceEditForm(formdata=None, obj=row.evidence)
    form.fingerprint.data = evidence_ops.evidence_fingerprint(row.evidence)
    return _page(row, form=form, withdraw_form=withdraw_form, error=error), 422


@bp.post("/evidence/<int:evidence_id>/reconsider")
def reconsider_evidence(evidence_id: int) -> ResponseReturnValue:
    """Send rejected evidence back to the moderation queue."""
    dbs = db_session()
    row = _row(evidence_id)
    form = ReconsiderForm()
    error = None
    if form.validate_on_submit():
        try:
            evidence_ops.reconsider_evidence(dbs, row.evidence, actor=current_actor())
        except DomainError as refused:
            # Shown above the page: the item may no longer be rejected (someone acted first).
            error = error_message(refused)
        else:
            dbs.commit()
            flash(_("Preuve remise en modération."), "success")
            return redirect(url_for("admin.moderation"))
    edit_form = EvidenceEditForm(formdata=None, obj=row.evidence)
    edit_form.fingerprint.data = evidence_ops.evidence_fingerprint(row.evidence)
    page = _page(
        row,
        form=edit_form,
        withdraw_form=WithdrawForm(formdata=None, prefix=WITHDRAW_PREFIX),
        reconsider_form=form,
        error=error,
    )
    return page, 422
