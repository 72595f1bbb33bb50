"""Evidence corrections in words: "date : 3 mars 2021 → 4 mars 2021", in the reader's language.

A correction stores language-neutral text (ISO dates, stance and kind values,
the texts themselves: pledges.evidence.update_evidence); this turns each change
into a label and two values people read, on the public timeline and the
editors' pages alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from models.enums import EvidenceKind, Stance
from views.labels import kind_label, long_date, stance_label

FIELD_LABELS = {
    "title": lazy_gettext("titre"),
    "published_on": lazy_gettext("date"),
    "stance": lazy_gettext("sens"),
    "kind": lazy_gettext("nature"),
    "outlet": lazy_gettext("média"),
    "quote": lazy_gettext("citation"),
    "url": lazy_gettext("lien"),
    "note": lazy_gettext("note"),
}
# Long texts (a quote, a note) are shortened: the line says what changed, not the whole text.
MAX_SHOWN = 160


@dataclass(frozen=True)
class ChangeLine:
    label: str
    before: str
    after: str


def _shown(field: str, value: str) -> str:
    if not value:
        return _("(vide)")
    try:
        if field == "published_on":
            return long_date(date.fromisoformat(value))
        if field == "stance":
            return stance_label(Stance(value))
        if field == "kind":
            return kind_label(EvidenceKind(value))
    except ValueError:
        pass  # a value this version does not know is shown as stored
    return value if len(value) <= MAX_SHOWN else value[: MAX_SHOWN - 1] + "…"


def change_lines(changes: list[dict[str, Any]]) -> list[ChangeLine]:
    """Each change of one correction as a label with its value before and after, in words."""
    lines = []
    for change in changes[: len(FIELD_LABELS)]:
        field = str(change.get("field", ""))
        label = FIELD_LABELS.get(field)
        lines.append(
            ChangeLine(
                label=str(label) if label else field,
                before=_shown(field, str(change.get("before") or "")),
                after=_shown(field, str(change.get("after") or "")),
            )
        )
    return lines
