"""Rulings on a pledge's status: status, effective date, rationale, cited published evidence.

pledges.status refuses a ruling that contradicts itself; its refusal is shown
beside the field at fault (status, date or citations) with a 422.

The version read with the form travels in a hidden field; a stale save is
refused with the current state shown (pledges.editing.rule_on_pledge).
"""

from __future__ import annotations

from datetime import date
from typing import cast

from flask import abort, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from models.enums import PledgeStatus
from pledges import evidence as evidence_ops
from pledges.editing import rule_on_pledge
from views.admin import bp
from views.admin.editing import Saved, VersionCheck, edit_page, version_of
from views.auth import current_actor
from views.database import db_session
from views.forms import RulingForm, SelectChoice
from views.labels import site_zone, today


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
