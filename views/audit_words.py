"""Audit entries in words, in French and English: what was done, to what, and each changed
field with its label and its values formatted (dates in words, yes/no, labels of stored
values, lists joined, "(vide)" for nothing), never stored keys, `True`/`None` or records.

pledges.audit.describe_entries gives the data (object title, changes); this module says it.
An action or a field that this table does not know yet (a later feature's) still reads as a
sentence: its object in words and its verb or field name as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models.enums import EvidenceKind, PledgeStatus, Stance
from pledges.audit import AuditAction, EntryView, FieldChange
from views.labels import colon, kind_label, local_datetime, long_date, stance_label, status_label
from views.labels import theme_label as _theme_label

# One sentence per action; `%(object)s` is the object in words (below), with its title.
ACTION_SENTENCES: dict[str, Any] = {
    AuditAction.USER_CREATE: _l("a créé le compte %(object)s"),
    AuditAction.USER_CHANGE_PASSWORD: _l("a changé le mot de passe du compte %(object)s"),
    AuditAction.USER_ENABLE: _l("a réactivé le compte %(object)s"),
    AuditAction.USER_DISABLE: _l("a désactivé le compte %(object)s"),
    AuditAction.USER_ROLE: _l("a changé le rôle du compte %(object)s"),
    AuditAction.INVITATION_CREATE: _l("a invité une personne à créer un compte"),
    AuditAction.INVITATION_ACCEPT: _l("a accepté une invitation et créé son compte %(object)s"),
    AuditAction.SETTING_UPDATE: _l("a modifié un réglage du site"),
    AuditAction.ELECTION_CREATE: _l("a créé l'élection %(object)s"),
    AuditAction.ELECTION_UPDATE: _l("a modifié l'élection %(object)s"),
    AuditAction.CANDIDATE_CREATE: _l("a créé la candidature %(object)s"),
    AuditAction.CANDIDATE_UPDATE: _l("a modifié la candidature %(object)s"),
    AuditAction.PLEDGE_CREATE: _l("a créé l'engagement %(object)s"),
    AuditAction.PLEDGE_UPDATE: _l("a modifié l'engagement %(object)s"),
    AuditAction.PLEDGE_MOVE: _l("a rattaché l'engagement %(object)s à une autre candidature"),
    AuditAction.THEME_CREATE: _l("a créé le thème %(object)s"),
    AuditAction.THEME_UPDATE: _l("a modifié le thème %(object)s"),
    AuditAction.EVIDENCE_CREATE: _l("a importé la preuve %(object)s"),
    AuditAction.EVIDENCE_UPDATE: _l("a modifié la preuve %(object)s par un import"),
    AuditAction.EVIDENCE_SUBMIT: _l("a proposé la preuve %(object)s"),
    AuditAction.EVIDENCE_PUBLISH: _l("a publié la preuve %(object)s"),
    AuditAction.EVIDENCE_REJECT: _l("a rejeté la preuve %(object)s"),
    AuditAction.EVIDENCE_EDIT: _l("a modifié la preuve %(object)s avant sa publication"),
    AuditAction.EVIDENCE_CORRECT: _l("a corrigé la preuve publiée %(object)s"),
    AuditAction.EVIDENCE_WITHDRAW: _l("a retiré la preuve publiée %(object)s"),
    AuditAction.EVIDENCE_RECONSIDER: _l("a remis à l'examen la preuve rejetée %(object)s"),
    AuditAction.STATUS_CHANGE: _l("a changé le statut de l'engagement %(object)s"),
    AuditAction.STATUS_CHANGE_UPDATE: _l(
        "a corrigé le texte d'une décision sur l'engagement %(object)s"
    ),
    AuditAction.SUGGESTION_ACCEPT: _l("a retenu un article suggéré pour l'engagement %(object)s"),
    AuditAction.SUGGESTION_DISMISS: _l("a écarté un article suggéré pour l'engagement %(object)s"),
    AuditAction.FEED_ADDED: _l("a ajouté le flux %(object)s"),
    AuditAction.FEED_UPDATE: _l("a modifié le flux %(object)s"),
    AuditAction.FEED_DEACTIVATED: _l("a désactivé le flux %(object)s, disparu"),
    AuditAction.FEED_URL_CHANGED: _l("a suivi le flux %(object)s à sa nouvelle adresse"),
    AuditAction.FEED_ITEMS_STORED: _l("a relevé le flux %(object)s"),
    AuditAction.STATUS_CORRECT: _l("a corrigé une décision sur l'engagement %(object)s"),
    AuditAction.SUGGESTION_RESTORE: _l(
        "a remis dans la file un article écarté pour l'engagement %(object)s"
    ),
    AuditAction.FEED_ITEMS_REMATCHED: _l(
        "a rapproché les articles enregistrés de l'engagement %(object)s"
    ),
    AuditAction.FEED_PAUSED: _l("a mis en pause le flux %(object)s"),
    AuditAction.FEED_RESUMED: _l("a repris la lecture du flux %(object)s"),
    AuditAction.FEED_DELETED: _l("a supprimé le flux %(object)s"),
    AuditAction.USER_UPDATE: _l("a modifié le compte %(object)s"),
    AuditAction.USER_RESET_REQUEST: _l(
        "a créé un lien de réinitialisation du mot de passe du compte %(object)s"
    ),
    AuditAction.USER_RESET_PASSWORD: _l("a réinitialisé le mot de passe du compte %(object)s"),
    AuditAction.USER_DIGEST: _l("a changé l'abonnement aux récapitulatifs du compte %(object)s"),
    AuditAction.INVITATION_REVOKE: _l("a révoqué une invitation"),
    AuditAction.DEMO_GENERATE: _l(
        "a généré des données de démonstration pour l'élection %(object)s"
    ),
    AuditAction.DEMO_UNLOAD: _l("a retiré les données de démonstration"),
    AuditAction.ELECTION_ARCHIVE: _l("a archivé l'élection %(object)s"),
    AuditAction.ELECTION_RESTORE: _l("a restauré l'élection %(object)s"),
    AuditAction.ELECTION_DELETE: _l("a supprimé définitivement l'élection %(object)s"),
    AuditAction.CANDIDATE_ARCHIVE: _l("a archivé la candidature %(object)s"),
    AuditAction.CANDIDATE_RESTORE: _l("a restauré la candidature %(object)s"),
    AuditAction.CANDIDATE_DELETE: _l("a supprimé définitivement la candidature %(object)s"),
    AuditAction.PLEDGE_ARCHIVE: _l("a archivé l'engagement %(object)s"),
    AuditAction.PLEDGE_RESTORE: _l("a restauré l'engagement %(object)s"),
    AuditAction.PLEDGE_DELETE: _l("a supprimé définitivement l'engagement %(object)s"),
    AuditAction.PROGRAMME_CREATE: _l("a archivé le programme %(object)s"),
    AuditAction.PLEDGE_FROM_PASSAGE: _l(
        "a ancré l'engagement %(object)s à un passage d'un programme archivé"
    ),
}

# An object in words: its title in quotes; without a title, its number. (Each sentence
# names the kind of object itself: "a modifié l'engagement « … »".)
NAMED = _l("« %(name)s »")
NUMBERED = _l("n° %(id)s")
# Objects for a sentence that does not name their kind (an action added later).
OBJECT_KINDS: dict[str, Any] = {
    "election": _l("l'élection"),
    "candidate": _l("la candidature"),
    "pledge": _l("l'engagement"),
    "evidence": _l("la preuve"),
    "status_change": _l("la décision"),
    "suggestion": _l("la suggestion"),
    "feed": _l("le flux"),
    "user": _l("le compte"),
    "invitation": _l("l'invitation"),
    "sitesetting": _l("le réglage"),
    "theme": _l("le thème"),
    "programme": _l("le programme"),
}
# Verbs of actions that later features add ("election.archive"): the generic sentence.
VERBS: dict[str, Any] = {
    "create": _l("a créé"),
    "update": _l("a modifié"),
    "archive": _l("a archivé"),
    "restore": _l("a restauré"),
    "unarchive": _l("a restauré"),
    "delete": _l("a supprimé"),
    "withdraw": _l("a retiré"),
    "correct": _l("a corrigé"),
    "publish": _l("a publié"),
    "reject": _l("a rejeté"),
    "reconsider": _l("a réexaminé"),
    "move": _l("a déplacé"),
    "rename": _l("a renommé"),
    "unload": _l("a retiré"),
}

FIELD_LABELS: dict[str, Any] = {
    "name": _l("nom"),
    "territory": _l("territoire"),
    "date": _l("date"),
    "slug": _l("adresse (slug)"),
    "is_demo": _l("données de démonstration"),
    "list_name": _l("liste ou parti"),
    "elected": _l("élu·e"),
    "office": _l("mandat exercé"),
    "candidate_id": _l("candidature"),
    "title": _l("titre"),
    "body": _l("texte"),
    "theme": _l("thème"),
    "made_on": _l("date de l'engagement"),
    "source_url": _l("source"),
    "quote": _l("citation"),
    "deadline": _l("échéance"),
    "keywords_include": _l("mots-clés à rechercher"),
    "keywords_exclude": _l("mots-clés à exclure"),
    "url": _l("adresse"),
    "outlet": _l("média ou source"),
    "published_on": _l("date de publication"),
    "kind": _l("nature"),
    "note": _l("note"),
    "stance": _l("sens"),
    "state": _l("état"),
    "origin": _l("origine"),
    "feed_item_id": _l("article de flux"),
    "rejection_reason": _l("motif du rejet"),
    "status": _l("statut"),
    "status_since": _l("statut depuis le"),
    "cites": _l("preuves citées"),
    "rationale": _l("justification"),
    "email": _l("adresse électronique"),
    "display_name": _l("nom affiché"),
    "role": _l("rôle"),
    "active": _l("actif"),
    "invitation_id": _l("invitation"),
    "expires_at": _l("expire le"),
    "value": _l("valeur"),
    "interval_minutes": _l("intervalle (minutes)"),
    "new_items": _l("nouveaux articles"),
    "suggestions": _l("suggestions"),
    "over_limit": _l("articles au-delà de la limite"),
    "reason": _l("motif"),
    "seed": _l("graine"),
    "elections": _l("élections"),
    "candidates": _l("candidatures"),
    "pledges": _l("engagements"),
    "evidence": _l("preuves"),
    "status_changes": _l("décisions"),
    "evidence_id": _l("preuve"),
    "correction_id": _l("correction"),
    "withdrawal_reason": _l("motif du retrait"),
    "correction_reason": _l("motif de la correction"),
    "archived_at": _l("archivé le"),
    "name_fr": _l("nom en français"),
    "name_en": _l("nom en anglais"),
    "programme_id": _l("programme"),
    "snapshot_id": _l("copie archivée"),
    "page": _l("page"),
    "start": _l("début (caractère)"),
    "end": _l("fin (caractère)"),
    "sha256": _l("empreinte SHA-256 de la copie archivée"),
}

DATE_FIELDS = frozenset({"date", "made_on", "deadline", "published_on", "status_since"})
INSTANT_FIELDS = frozenset({"expires_at", "archived_at", "withdrawn_at", "corrected_at"})
BOOLEAN_FIELDS = frozenset({"is_demo", "elected", "active"})
NUMBER_FIELDS = frozenset(
    {"candidate_id", "feed_item_id", "invitation_id", "evidence_id", "correction_id"}
)

STATE_LABELS: dict[str, Any] = {
    "submitted": _l("proposée"),
    "published": _l("publiée"),
    "rejected": _l("rejetée"),
    "withdrawn": _l("retirée"),
    "new": _l("nouvelle"),
    "accepted": _l("retenue"),
    "dismissed": _l("écartée"),
}
ROLE_LABELS: dict[str, Any] = {
    "volunteer": _l("Bénévole"),
    "editor": _l("Éditeur ou éditrice"),
    "admin": _l("Administrateur ou administratrice"),
}
ORIGIN_LABELS: dict[str, Any] = {
    "manual": _l("saisie à la main"),
    "feed_item": _l("article d'un flux"),
    "import": _l("import"),
}
SETTING_LABELS: dict[str, Any] = {
    "public_editor_names": _l("nom des éditeurs sur les pages publiques"),
}


# Who wrote an entry when no account did (pledges.audit.Actor labels).
ACTOR_LABELS: dict[str, Any] = {
    "cli": _l("ligne de commande"),
    "import": _l("import"),
    "feeds": _l("relevé des flux"),
    "system": _l("système"),
}


def actor_label(label: str) -> str:
    return _labelled(ACTOR_LABELS, label)


def empty_value() -> str:
    return _("(vide)")


def yes_no(value: Any) -> str:
    return _("oui") if value in (True, "1", 1) else _("non")


def number(value: Any) -> str:
    return _("n° %(id)s", id=value)


def _labelled(table: dict[str, Any], value: Any) -> str:
    label = table.get(str(value))
    return str(label) if label is not None else str(value)


def _enum_label(field: str, value: Any) -> str | None:
    """The label of a stored enum value, or None when `field` holds no enum."""
    text = str(value)
    if field == "status" and text in set(PledgeStatus):
        return status_label(text)
    if field == "kind" and text in set(EvidenceKind):
        return kind_label(text)
    if field == "stance" and text in set(Stance):
        return stance_label(text)
    tables = {"state": STATE_LABELS, "role": ROLE_LABELS, "origin": ORIGIN_LABELS}
    if field in tables:
        return _labelled(tables[field], value)
    if field == "theme":
        return _theme_label(text)
    return None


def format_value(field: str, value: Any) -> str:
    """A stored value as people read it, for the field it belongs to."""
    if value is None or value == "" or value == [] or value == {}:
        return empty_value()
    if isinstance(value, list):
        if field == "cites":
            return ", ".join(number(v) for v in value)
        return ", ".join(format_value(field, v) for v in value)
    if isinstance(value, dict):
        # Never a raw record: each part with its label.
        return "; ".join(
            f"{field_label(k)}{colon()} {format_value(k, v)}" for k, v in value.items()
        )
    if field in BOOLEAN_FIELDS or isinstance(value, bool):
        return yes_no(value)
    if field == "value" and value in ("0", "1"):
        return yes_no(value)  # the site's on/off settings
    if field in DATE_FIELDS:
        return _date_text(value)
    if field in INSTANT_FIELDS:
        return _instant_text(value)
    if field in NUMBER_FIELDS:
        return number(value)
    label = _enum_label(field, value)
    return label if label is not None else str(value)


def _date_text(value: Any) -> str:
    try:
        return long_date(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def _instant_text(value: Any) -> str:
    try:
        return local_datetime(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def field_label(field: str) -> str:
    label = FIELD_LABELS.get(field)
    # A field added later: its name as words, never with underscores.
    return str(label) if label is not None else field.replace("_", " ")


def object_words(name: str, object_id: int | None) -> str:
    if name:
        return str(NAMED) % {"name": name}
    return str(NUMBERED) % {"id": object_id if object_id is not None else "?"}


def sentence(view: EntryView) -> str:
    """What the entry records, as a sentence without its subject ("a modifié …")."""
    entry = view.entry
    action = entry.action
    obj = object_words(view.object_name, entry.object_id)
    if action == AuditAction.SETTING_UPDATE:
        key = (entry.after or {}).get("key", "")
        return _("a modifié le réglage « %(name)s »", name=_labelled(SETTING_LABELS, key))
    known = ACTION_SENTENCES.get(action)
    if known is not None:
        return str(known) % {"object": obj}
    # An action this table does not know yet: its verb and its object, in words.
    kind = str(OBJECT_KINDS.get(entry.object_type, _l("l'objet")))
    verb = VERBS.get(view.verb)
    if verb is not None:
        return f"{verb} {kind} {obj}"
    return _(
        "a fait « %(action)s » sur %(object)s",
        action=view.verb.replace("_", " ") or action,
        object=f"{kind} {obj}",
    )


@dataclass
class ChangeWords:
    label: str
    before: str | None  # None: a creation (nothing before)
    after: str


def change_words(change: FieldChange, *, created: bool) -> ChangeWords:
    return ChangeWords(
        label=field_label(change.field),
        before=None if created else format_value(change.field, change.before),
        after=format_value(change.field, change.after),
    )


@dataclass
class EntryWords:
    view: EntryView
    sentence: str
    changes: list[ChangeWords]


def entry_words(view: EntryView) -> EntryWords:
    created = not view.entry.before
    return EntryWords(
        view=view,
        sentence=sentence(view),
        changes=[change_words(c, created=created) for c in view.changes],
    )
