"""Rulings on a pledge's status: status, effective date, rationale, cited published evidence;
and corrections of past rulings.

pledges.status refuses a ruling that contradicts itself; its refusal is shown
beside the field at fault (status, date or citations) with a 422.

A past ruling is corrected, never edited (pledges.status.correct_ruling): the
correction form is the ruling form prefilled with the entry, plus the reason.
Without JavaScript it is an ordinary page (PRG, 422 on refusal). With htmx the
form replaces itself (#correction): a refusal comes back as the fragment with a
200 (htmx swaps only 2xx answers), a success as HX-Redirect to the same page a
plain POST is redirected to.

The version read with the form travels in a hidden field; a stale save is
refused with the current state shown (pledges.editing.rule_on_pledge).
"""

from __future__ import annotations

from datetime import date
from typing import cast

from flask import Response, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import col, select
from wtforms import TextAreaField
from wtforms.validators import Length

from models import Evidence, Pledge
from models.db import id_of
from models.enums import PledgeStatus
from pledges import evidence as evidence_ops
from pledges.editing import claim_version, rule_on_pledge
from pledges.errors import DomainError
from pledges.status import correct_ruling, get_ruling
from views.admin import bp
from views.admin.editing import Saved, VersionCheck, edit_page, version_of
from views.auth import current_actor
from views.database import db_session
from views.forms import RulingForm, SelectChoice, required
from views.labels import site_zone, today


class CorrectionForm(RulingForm):
    """The ruling form and why the ruling is corrected (shown publicly with the correction)."""

    reason = TextAreaField(
        _l("Motif de la correction (public)"), validators=[required(), Length(max=2000)]
    )


@bp.route("/pledges/<int:pledge_id>/ruling", methods=["GET", "POST"])
def ruling(pledge_id: int) -> ResponseReturnValue:
    dbs = db_session()
    pledge = evidence_ops.get_pledge_for_work(dbs, pledge_id)
    if pledge is None:
        abort(404)
    published = evidence_ops.list_published_evidence(dbs, pledge_id)
    form = RulingForm()
    # The template lays each item out with its stance, kind, outlet and date
    # (admin/ruling.html); the choice's label is the item's title. Nothing is
    # checked in advance: an item checked for the editor could contradict the
    # verdict they then choose.
    form.cites.choices = [SelectChoice(e.id, e.title or e.url) for e in published]

    def save() -> Saved:
        rule_on_pledge(
            dbs,
            pledge,
            expected_version=version_of(form.version),
            to=PledgeStatus(form.status.data),
            # Required fields: edit_page validates the form before save().
            effective_on=cast(date, form.effective_on.data),
            rationale=cast(str, form.rationale.data),
            cite_ids=form.cites.data or [],
            actor=current_actor(),
            zone=site_zone(),
        )
        return Saved(
            _("Décision enregistrée : elle est visible sur la page publique."),
            url_for("admin.pledge", pledge_id=pledge_id),
        )

    return edit_page(
        form,
        fill=lambda: {"effective_on": today()},
        version=VersionCheck(
            form.version, current=lambda: pledge.version, reload=lambda: dbs.refresh(pledge)
        ),
        save=save,
        render=lambda conflict: render_template(
            "admin/ruling.html",
            form=form,
            pledge=pledge,
            conflict=conflict,
            published=published,
            evidence_by_id={e.id: e for e in published},
        ),
    )


@bp.route("/pledges/<int:pledge_id>/rulings/<int:ruling_id>/correct", methods=["GET", "POST"])
def correct(pledge_id: int, ruling_id: int) -> ResponseReturnValue:
    """Correct a past ruling: a new entry naming it, with a reason; the old one stays."""
    dbs = db_session()
    pledge = evidence_ops.get_pledge_for_work(dbs, pledge_id)
    ruling = get_ruling(dbs, pledge_id, ruling_id)
    if pledge is None or ruling is None:
        abort(404)
    published = evidence_ops.list_published_evidence(dbs, pledge_id)
    form = CorrectionForm()
    form.cites.choices = [SelectChoice(e.id, e.title or e.url) for e in published]

    def save() -> Saved:
        ids = set(form.cites.data or [])
        cites = (
            list(
                dbs.exec(
                    select(Evidence)
                    .where(col(Evidence.id).in_(ids), Evidence.pledge_id == pledge_id)
                    .order_by(col(Evidence.id))
                )
            )
            if ids
            else []
        )
        if len(cites) != len(ids):
            raise DomainError("Cited evidence must belong to the pledge.", code="foreign_evidence")
        expected = version_of(form.version)
        claim_version(dbs, Pledge, id_of(pledge), expected)
        dbs.refresh(pledge)
        correction = correct_ruling(
            dbs,
            ruling,
            to_status=PledgeStatus(form.status.data),
            effective_on=cast(date, form.effective_on.data),
            rationale=cast(str, form.rationale.data),
            cites=cites,
            reason=cast(str, form.reason.data),
            actor=current_actor(),
            expected_version=expected,
            zone=site_zone(),
        )
        return Saved(
            _("Correction enregistrée : la décision corrigée reste visible, barrée."),
            url_for("admin.ruling", pledge_id=pledge_id, _anchor=f"ruling-{correction.id}"),
        )

    # The entry's own values; its citations that are no longer published drop out
    # (they cannot be cited again), so the editor sees what the correction will cite.
    published_ids = {e.id for e in published}
    fragment = bool(request.headers.get("HX-Request"))
    answer = edit_page(
        form,
        fill=lambda: {
            "status": ruling.to_status.value,
            "effective_on": ruling.effective_on,
            "rationale": ruling.rationale,
            "cites": [e.id for e in ruling.cites if e.id in published_ids],
        },
        version=VersionCheck(
            form.version, current=lambda: pledge.version, reload=lambda: dbs.refresh(pledge)
        ),
        save=save,
        render=lambda conflict: render_template(
            "admin/_correction_form.html" if fragment else "admin/correct_ruling.html",
            form=form,
            pledge=pledge,
            ruling=ruling,
            conflict=conflict,
            published=published,
            evidence_by_id={e.id: e for e in published},
        ),
    )
    if fragment and request.method == "POST":
        if isinstance(answer, Response):  # the redirect of a successful save
            return "", 204, {"HX-Redirect": answer.location}
        body, _status = cast(tuple[str, int], answer)
        return body, 200
    return answer
