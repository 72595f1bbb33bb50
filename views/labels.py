"""Words and dates shown to people: labels of stored values, dates in words, the day that counts.

French is the source language; the catalogue translates. Templates reach these
through the globals registered by views.templating.
"""

from __future__ import annotations

from datetime import date

from flask_babel import format_date, get_locale, lazy_gettext

from models.db import utc_now
from models.enums import EvidenceKind, PledgeStatus, Stance

# Labels of stored enum values, in French (the source language), translated by
# the catalogue.
STATUS_LABELS = {
    PledgeStatus.KEPT: lazy_gettext("Tenu"),
    PledgeStatus.BROKEN: lazy_gettext("Rompu"),
    PledgeStatus.PENDING: lazy_gettext("En attente"),
}
KIND_LABELS = {
    EvidenceKind.COUNCIL_DELIBERATION: lazy_gettext("délibération du conseil municipal"),
    EvidenceKind.MUNICIPAL_ORDER: lazy_gettext("arrêté municipal"),
    EvidenceKind.BUDGET_LINE: lazy_gettext("ligne budgétaire"),
    EvidenceKind.PUBLIC_CONTRACT: lazy_gettext("marché public"),
    EvidenceKind.COUNCIL_VOTE: lazy_gettext("vote du conseil"),
    EvidenceKind.OFFICIAL_STATEMENT: lazy_gettext("déclaration officielle"),
    EvidenceKind.PRESS_ARTICLE: lazy_gettext("article de presse"),
    EvidenceKind.FIELD_OBSERVATION: lazy_gettext("observation de terrain"),
}
STANCE_LABELS = {
    Stance.KEPT: lazy_gettext("va dans le sens d'un engagement tenu"),
    Stance.BROKEN: lazy_gettext("va dans le sens d'un engagement rompu"),
    Stance.CONTEXT: lazy_gettext("contexte"),
}


# Names of the themes the demo data and most lists use; any other theme slug is
# shown as words ("mobilite-douce" → "Mobilite douce").
THEME_LABELS = {
    "video-surveillance": lazy_gettext("Vidéosurveillance"),
    "transparence": lazy_gettext("Transparence"),
    "police-predictive": lazy_gettext("Police prédictive"),
    "climat": lazy_gettext("Climat"),
    "logement": lazy_gettext("Logement"),
    "ecole": lazy_gettext("École"),
    "culture": lazy_gettext("Culture"),
    "sport": lazy_gettext("Sport"),
    "democratie-locale": lazy_gettext("Démocratie locale"),
}


def long_date(value: date) -> str:
    """A date in words; French writes the first of the month "1er" ("1er avril 2022")."""
    text = format_date(value, "long")
    if value.day == 1 and str(get_locale()) == "fr" and text.startswith("1 "):
        return "1er " + text[2:]
    return text


def theme_label(theme: str) -> str:
    label = THEME_LABELS.get(theme)
    return str(label) if label else theme.replace("-", " ").replace("_", " ").capitalize()


def status_label(status: PledgeStatus | str) -> str:
    return str(STATUS_LABELS[PledgeStatus(status)])


def kind_label(kind: EvidenceKind | str) -> str:
    return str(KIND_LABELS[EvidenceKind(kind)])


def stance_label(stance: Stance | str) -> str:
    return str(STANCE_LABELS[Stance(stance)])


def today() -> date:
    """The date that decides "overdue" (UTC, like every stored time)."""
    return utc_now().date()


def colon() -> str:
    """A label's colon as each language writes it: "Tenu\u00a0: 3" but "Kept: 3"."""
    return "\u00a0:" if str(get_locale()) == "fr" else ":"
