"""The one table turning a DomainError's `code` into text for people, French first.

Every view (web forms, the API, commands) goes through `error_message`, so a
rule refused anywhere reads the same everywhere; a test checks that every code
raised in pledges/ has an entry here and an English translation.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import LazyString, lazy_gettext
from flask_babel import gettext as _

from models.enums import PledgeStatus
from pledges.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from pledges.errors import DomainError, Problem
from pledges.links import MAX_URL_LENGTH
from views.labels import status_label

# The same wording for a code wherever it is shown; several codes may share one.
_RULING_IMPOSSIBLE = lazy_gettext(
    "Cette décision est impossible : vérifiez la date et les preuves."
)
_VERDICT_NEEDS_EVIDENCE = lazy_gettext(
    "Une décision « tenu » ou « rompu » doit citer au moins une preuve publiée."
)

ERROR_MESSAGES: dict[str, LazyString] = {
    "unknown": lazy_gettext("Cette opération est impossible."),
    "conflict": lazy_gettext(
        "Quelqu'un d'autre a enregistré une modification pendant que vous travailliez."
    ),
    # --- Editors' forms (pledges.editing) ---
    "required": lazy_gettext("Ce champ est obligatoire."),
    "too_long": lazy_gettext("Ce texte est trop long."),
    "pledge_archived": lazy_gettext("Cet engagement est archivé : il ne reçoit plus de preuves."),
    "invalid_slug": lazy_gettext("Il faut au moins une lettre ou un chiffre."),
    "too_many": lazy_gettext("Trop de mots-clés."),
    "bad_url": lazy_gettext("Le lien doit commencer par http:// ou https://."),
    "feed_taken": lazy_gettext("Ce flux est déjà enregistré."),
    # Creating and renaming (pledges.content, slugs in pledges.editing)
    "slug_format": lazy_gettext(
        "Un identifiant ne contient que des lettres minuscules sans accents, des chiffres "
        "et des tirets (par exemple securite-publique)."
    ),
    "candidate_slug_taken": lazy_gettext(
        "Une autre candidature de cette élection a déjà cet identifiant."
    ),
    "theme_slug_taken": lazy_gettext("Un autre thème a déjà cet identifiant."),
    "theme_name_taken": lazy_gettext("Un autre thème porte déjà ce nom."),
    "pledge_slug_taken": lazy_gettext("Trop d'engagements portent ce titre dans cette élection."),
    "move_other_election": lazy_gettext(
        "Un engagement ne peut passer qu'à une autre candidature de la même élection."
    ),
    # --- Rulings (pledges.status) ---
    "verdict_needs_evidence": _VERDICT_NEEDS_EVIDENCE,
    "evidence_not_published": lazy_gettext("Seules des preuves publiées peuvent être citées."),
    "foreign_evidence": _RULING_IMPOSSIBLE,
    "future_ruling": lazy_gettext("La date d'effet ne peut pas être dans le futur."),
    "duplicate_ruling": _RULING_IMPOSSIBLE,
    # Rulings that would contradict themselves (issue 10): each says what to do.
    "verdict_contradicts_evidence": lazy_gettext(
        "Aucune preuve cochée ne va dans le sens de ce verdict : cochez au moins une preuve "
        "dont la position correspond (tenu pour « tenu », rompu pour « rompu »), "
        "ou changez le verdict."
    ),
    "ruling_before_pledge": lazy_gettext(
        "La date d'effet précède la date de l'engagement : choisissez une date égale "
        "ou postérieure."
    ),
    "ruling_before_election": lazy_gettext(
        "La date d'effet précède l'élection : choisissez une date à partir du jour du scrutin."
    ),
    "ruling_before_latest": lazy_gettext(
        "La date d'effet précède celle de la décision en vigueur : choisissez une date égale "
        "ou postérieure (une décision passée se corrige, elle ne s'antidate pas)."
    ),
    "ruling_changes_nothing": lazy_gettext(
        "L'engagement a déjà ce statut : choisissez un autre statut."
    ),
    # Corrections of a past ruling (pledges.status.correct_ruling).
    "correction_reason_required": lazy_gettext(
        "Dites pourquoi la décision est corrigée : ce motif est publié avec la correction."
    ),
    "already_corrected": lazy_gettext(
        "Cette décision a déjà été corrigée : corrigez plutôt sa correction."
    ),
    "unknown_ruling": lazy_gettext("Cette décision n'existe pas pour cet engagement."),
    "correction_identical": lazy_gettext(
        "La correction ne change rien : modifiez le statut, la date, la justification "
        "ou les preuves citées."
    ),
    "correction_before_previous": lazy_gettext(
        "La date d'effet précède celle de la décision précédente : choisissez une date "
        "égale ou postérieure."
    ),
    "correction_after_next": lazy_gettext(
        "La date d'effet dépasse celle de la décision suivante : choisissez une date "
        "égale ou antérieure."
    ),
    "correction_changes_nothing": lazy_gettext(
        "La décision précédente avait déjà ce statut : choisissez un autre statut."
    ),
    "correction_breaks_chain": lazy_gettext(
        "Seul le verdict de la dernière décision peut être corrigé : une décision "
        "ultérieure a été prise à partir de celui-ci. Corrigez la date, la justification "
        "ou les preuves, ou corrigez la dernière décision."
    ),
    # --- Evidence and the review of suggestions (pledges.evidence, pledges.feeds.review) ---
    "outlet_required": lazy_gettext("Indiquez le média ou la source."),
    "future_date": lazy_gettext("La date ne peut pas être dans le futur."),
    "already_reviewed": lazy_gettext("Quelqu'un a déjà traité cet élément."),
    "bulk_empty": lazy_gettext("Cochez au moins une suggestion."),
    "bulk_too_many": lazy_gettext("Pas plus de 100 suggestions à la fois."),
    "not_dismissed": lazy_gettext(
        "Cette suggestion n'est plus écartée : elle est déjà dans la file ou a été acceptée."
    ),
    "not_your_dismissal": lazy_gettext(
        "Seule la personne qui a écarté cette suggestion, ou un éditeur, peut la remettre "
        "dans la file."
    ),
    "reason_required": lazy_gettext("Un motif est nécessaire."),
    "duplicate_evidence": lazy_gettext("Ce lien est déjà cité pour cet engagement."),
    # Corrections and withdrawal of evidence (pledges.evidence)
    "evidence_not_editable": lazy_gettext(
        "Cette preuve ne peut plus être modifiée : une preuve refusée se reconsidère d'abord, "
        "une preuve retirée reste telle qu'elle a été retirée."
    ),
    "not_published": lazy_gettext("Seule une preuve publiée peut être retirée."),
    "not_rejected": lazy_gettext("Seule une preuve refusée peut être reconsidérée."),
    "url_too_long": lazy_gettext(
        "Le lien est trop long (%(num)d caractères au plus).", num=MAX_URL_LENGTH
    ),
    # --- Archiving and deleting (pledges.archiving) ---
    "already_archived": lazy_gettext("C'est déjà archivé."),
    "not_archived": lazy_gettext("Ce n'est pas archivé : il n'y a rien à restaurer."),
    "has_public_ledger": lazy_gettext(
        "Suppression refusée : des décisions ou des preuves publiées en dépendent et restent "
        "au registre public. Archivez plutôt (c'est réversible)."
    ),
    "archived": lazy_gettext("Ceci a été archivé et n'est plus public."),
    # --- Accounts (pledges.accounts) ---
    "invalid_email": lazy_gettext("Adresse e-mail invalide."),
    "email_taken": lazy_gettext("Un compte existe déjà avec cette adresse."),
    "weak_password": lazy_gettext(
        "Le mot de passe doit compter au moins %(num)d caractères.", num=MIN_PASSWORD_LENGTH
    ),
    "password_too_long": lazy_gettext(
        "Le mot de passe doit compter au plus %(num)d caractères.", num=MAX_PASSWORD_LENGTH
    ),
    "wrong_password": lazy_gettext("Le mot de passe actuel est incorrect."),
    "invalid_invitation": lazy_gettext("Ce lien d'invitation est inconnu, expiré ou déjà utilisé."),
    "display_name_required": lazy_gettext("Indiquez un nom affiché."),
    "display_name_too_long": lazy_gettext("Le nom affiché compte au plus 120 caractères."),
    "invalid_language": lazy_gettext("Choisissez le français ou l'anglais."),
    "invalid_reset": lazy_gettext(
        "Ce lien de réinitialisation est inconnu, expiré ou déjà utilisé."
    ),
    "invitation_closed": lazy_gettext("Cette invitation est déjà utilisée, révoquée ou expirée."),
    "last_admin": lazy_gettext(
        "Le site doit garder au moins un administrateur ou une administratrice actif."
    ),
    # --- Feeds (pledges.feeds) ---
    "unsafe_feed_url": lazy_gettext(
        "Adresse refusée : seules les adresses http(s) de serveurs publics sont acceptées."
    ),
    "feed_url_scheme": lazy_gettext(
        "Adresse refusée : seules les adresses http:// et https:// sont acceptées."
    ),
    "feed_url_too_long": lazy_gettext(
        "Adresse refusée : elle compte plus de %(num)d caractères.", num=MAX_URL_LENGTH
    ),
    "feed_url_invalid": lazy_gettext("Adresse refusée : cette adresse de flux n'est pas valide."),
    "feed_url_credentials": lazy_gettext(
        "Adresse refusée : une adresse de flux ne peut pas contenir d'identifiant "
        "ni de mot de passe."
    ),
    "feed_url_private_address": lazy_gettext("Adresse refusée : elle mène à un réseau privé."),
    "feed_host_unresolved": lazy_gettext("Ce nom de domaine est introuvable."),
    "feed_interval_too_small": lazy_gettext("L'intervalle doit être d'au moins une minute."),
    "feed_fetch_failed": lazy_gettext("Le flux n'a pas pu être récupéré."),
    "feed_timeout": lazy_gettext("Le site du flux n'a pas répondu à temps."),
    "feed_deadline": lazy_gettext("La récupération du flux a pris trop de temps."),
    "feed_redirects": lazy_gettext("Le flux redirige trop de fois ou en boucle."),
    "feed_too_large": lazy_gettext("Le flux est trop volumineux."),
    "feed_bad_encoding": lazy_gettext("Le flux est mal encodé ou compressé."),
    "feed_empty": lazy_gettext("Le flux est vide."),
    "feed_not_a_feed": lazy_gettext("Ce document n'est pas un flux RSS ou Atom."),
    "feed_gone": lazy_gettext("Le flux n'existe plus (HTTP 410) : il a été mis en pause."),
    "feed_http_error": lazy_gettext("Le site du flux a répondu par une erreur."),
    "feed_store_failed": lazy_gettext(
        "Le flux a été lu mais ses articles n'ont pas pu être enregistrés."
    ),
    "feed_entities_refused": lazy_gettext(
        "Ce flux déclare des entités XML : il est refusé par sécurité."
    ),
    "feed_is_a_page": lazy_gettext("Cette adresse est une page web, pas un flux RSS ou Atom."),
    # Warnings: the fetch worked, but an editor should look (pledges.feeds.polling).
    "feed_truncated": lazy_gettext(
        "Le flux était tronqué : les articles coupés n'ont pas été lus."
    ),
    "feed_no_items": lazy_gettext("Le flux ne contient aucun article."),
    "feed_malformed": lazy_gettext(
        "Le flux est mal formé ; il a été lu au mieux, vérifiez ses articles."
    ),
    "feed_items_deferred": lazy_gettext(
        "Le flux liste plus de nouveaux articles que la limite : les autres seront lus "
        "au prochain passage."
    ),
    # --- Backup and restore (pledges.backup) ---
    "backup_backend": lazy_gettext("Cette base de données ne peut pas être sauvegardée ainsi."),
    "backup_wrong_format": lazy_gettext(
        "Ce fichier n'est pas une sauvegarde de ce type de base, faite par « backup »."
    ),
    "backup_unreadable": lazy_gettext("Le fichier de sauvegarde est illisible."),
    "backup_failed": lazy_gettext("La sauvegarde ou la restauration a échoué : rien n'a changé."),
    "backup_tool_missing": lazy_gettext(
        "pg_dump ou pg_restore manque : installez postgresql-client."
    ),
    "restore_not_empty": lazy_gettext(
        "La base contient déjà des données : restaurez seulement dans une base vide."
    ),
    # --- Imports and demo data (pledges.importing, pledges.demo) ---
    "invalid_import": lazy_gettext("Le fichier contient des erreurs : rien n'a été importé."),
    "bad_generation_counts": lazy_gettext(
        "Il faut au moins une candidature, et aucun nombre négatif."
    ),
    "election_slug_taken": lazy_gettext("Une élection avec cet identifiant existe déjà."),
    # --- Programmes (pledges.programmes) ---
    "programme_unsafe_url": lazy_gettext(
        "Cette adresse n'est pas accessible : seules les adresses publiques http(s) sont lues."
    ),
    "programme_too_large": lazy_gettext("Le document est trop volumineux pour être archivé."),
    "programme_not_found": lazy_gettext("Cette page n'existe pas (erreur 404 ou 410)."),
    "programme_refused": lazy_gettext(
        "Le site refuse l'archivage de cette page : envoyez plutôt le fichier."
    ),
    "programme_unreachable": lazy_gettext(
        "La page n'a pas pu être lue (site injoignable, trop lent ou en erreur) : "
        "réessayez plus tard ou envoyez le fichier."
    ),
    "programme_empty_file": lazy_gettext("Le fichier est vide."),
    "programme_bad_file": lazy_gettext(
        "Ce fichier n'est ni un PDF ni une page HTML : envoyez un programme en PDF ou en HTML."
    ),
    "programme_no_text": lazy_gettext(
        "Aucun texte n'a pu être lu dans ce document (un PDF scanné, en images ?)."
    ),
    "passage_hash_mismatch": lazy_gettext(
        "La copie archivée n'est pas celle dont le passage a été choisi : choisissez-le à nouveau."
    ),
    "passage_bad_page": lazy_gettext("Cette page n'existe pas dans le programme."),
    "passage_bad_offsets": lazy_gettext(
        "Ce passage n'est pas dans la page : choisissez son début et sa fin dans le texte."
    ),
    "passage_empty": lazy_gettext("Le passage choisi est vide."),
    "passage_too_long": lazy_gettext(
        "Le passage choisi est trop long (10 000 caractères au plus) : choisissez-en un plus court."
    ),
}


# Why a cited page has no archived copy: "non archivé (…)" beside the link, the
# admin's list of domains never archived, and the CLI (pledges.archive REFUSAL_CODES).
ARCHIVE_REASONS: dict[str, LazyString] = {
    "http_403": lazy_gettext("accès refusé par le site"),
    "paywall": lazy_gettext("article payant"),
    "noarchive": lazy_gettext("le site en interdit l'archivage"),
    "not_found": lazy_gettext("page introuvable"),
    "http_error": lazy_gettext("le site a répondu par une erreur"),
    "too_large": lazy_gettext("trop volumineux"),
    "timeout": lazy_gettext("le site a mis trop de temps à répondre"),
    "unsafe_url": lazy_gettext("adresse refusée"),
    "dns_failure": lazy_gettext("nom de domaine introuvable"),
    "unreachable": lazy_gettext("site injoignable"),
    "server_error": lazy_gettext("erreur du serveur du site"),
    "rate_limited": lazy_gettext("le site limite les visites"),
    "redirects": lazy_gettext("trop de redirections"),
    "bad_encoding": lazy_gettext("contenu mal encodé"),
    "store_failed": lazy_gettext("la copie n'a pas pu être enregistrée"),
}


def archive_reason(code: str) -> str:
    """The translated reason a page was not archived (a generic one for an unknown code)."""
    return str(ARCHIVE_REASONS.get(code, ARCHIVE_REASONS["unreachable"]))


def error_message(error: DomainError) -> str:
    """The translated text of `error`'s code (the generic refusal for an unknown code)."""
    return code_message(error.code)


def code_message(code: str) -> str:
    """The translated text of a stored code (e.g. a feed's last error)."""
    return str(ERROR_MESSAGES.get(code, ERROR_MESSAGES["unknown"]))


def show_on_form(form: Any, error: DomainError, *, field: str | None = None) -> None:
    """Put the error's text beside the field at fault (`field`, else `error.field`).

    A code that names no field of this form is shown above the form instead.
    """
    target = getattr(form, field or error.field or "", None)
    message = error_message(error)
    if target is None or not hasattr(target, "errors"):
        form.form_errors.append(message)
    else:
        target.errors = [*target.errors, message]


# Import: one line per problem of an import file, keyed by Problem.code; `%(name)s`
# are the problem's params (values from the file arrive already short and printable).
IMPORT_PROBLEMS: dict[str, LazyString] = {
    "not_an_object": lazy_gettext("n'est pas un objet JSON"),
    "not_a_list": lazy_gettext("n'est pas une liste"),
    "missing": lazy_gettext("manquant"),
    "empty": lazy_gettext("vide"),
    "not_a_string": lazy_gettext("n'est pas un texte"),
    "too_long": lazy_gettext("plus de %(max_length)s caractères"),
    "nul_character": lazy_gettext("contient un caractère NUL"),
    "not_a_slug": lazy_gettext(
        "n'est pas un slug (lettres minuscules sans accents, chiffres et tirets)"
    ),
    "bad_date": lazy_gettext("n'est pas une date AAAA-MM-JJ"),
    "not_a_boolean": lazy_gettext("ni true ni false"),
    "unknown_value": lazy_gettext("valeur inconnue « %(value)s » (possibles : %(allowed)s)"),
    "not_a_url": lazy_gettext("n'est pas une adresse http(s)"),
    "not_a_string_list": lazy_gettext("n'est pas une liste de textes"),
    "keywords_not_an_object": lazy_gettext("doit être un objet avec les listes include et exclude"),
    "duplicate_election": lazy_gettext("slug d'élection « %(slug)s » en double dans le fichier"),
    "duplicate_candidate": lazy_gettext(
        "slug de candidature « %(slug)s » en double dans cette élection"
    ),
    "duplicate_pledge": lazy_gettext(
        "slug d'engagement « %(slug)s » en double dans cette élection"
    ),
    "duplicate_evidence_url": lazy_gettext("cette adresse est déjà une preuve de cet engagement"),
    "future_date": lazy_gettext("date dans le futur"),
    "not_evidence_of_pledge": lazy_gettext("n'est l'adresse d'aucune preuve de cet engagement"),
    "verdict_without_evidence": lazy_gettext(
        "un verdict « %(status)s » doit citer une preuve publiée"
    ),
    "duplicate_ruling": lazy_gettext("la même décision apparaît deux fois"),
    # Rulings that would contradict themselves (pledges.status.ruling_refusal).
    "verdict_contradicts_evidence": lazy_gettext(
        "un verdict « %(status)s » doit citer au moins une preuve qui va dans son sens "
        "(la même valeur de stance) ; citez-en une ou changez le verdict"
    ),
    "ruling_before_pledge": lazy_gettext(
        "date antérieure à celle de l'engagement (%(made_on)s) ; "
        "datez la décision de ce jour ou après"
    ),
    "ruling_before_election": lazy_gettext(
        "date antérieure à l'élection (%(election_on)s) ; datez la décision de ce jour ou après"
    ),
    "ruling_before_latest": lazy_gettext(
        "date antérieure à la dernière décision enregistrée (%(latest_on)s) ; "
        "datez la décision de ce jour ou après"
    ),
    "ruling_changes_nothing": lazy_gettext(
        "ne change pas le statut (déjà « %(status)s ») ; retirez cette décision "
        "ou choisissez un autre statut"
    ),
    "missing_column": lazy_gettext("colonne manquante"),
    "unknown_column": lazy_gettext("colonne inconnue"),
    "too_many_values": lazy_gettext("plus de valeurs que de colonnes"),
    "unreadable_csv": lazy_gettext("illisible en CSV (%(reason)s)"),
    "rejected_url": lazy_gettext(
        "cette adresse a été rejetée par la modération pour cet engagement ; "
        "publiez-la d'abord sur le site"
    ),
    "withdrawn_url": lazy_gettext(
        "cette adresse a été retirée par la rédaction pour cet engagement ; "
        "un import ne la republie pas"
    ),
    "published_evidence_changed": lazy_gettext(
        "diffère de la preuve publiée : corrigez-la sur le site (la correction est publique), "
        "pas par un import"
    ),
    "ruling_changed": lazy_gettext(
        "diffère de la décision publiée : corrigez-la sur le site (une correction est une "
        "nouvelle entrée), pas par un import"
    ),
    "unknown_election": lazy_gettext("aucune élection n'a le slug « %(slug)s »"),
    "election_name_not_slug": lazy_gettext(
        "« %(value)s » est le nom d'une élection ; son slug est « %(slug)s »"
    ),
    "unknown_candidate": lazy_gettext("aucune candidature « %(slug)s » dans cette élection"),
    # Spreadsheets and pasted programmes (issue 10).
    "bad_sheet_date": lazy_gettext("« %(value)s » n'est pas une date (jj/mm/aaaa ou aaaa-mm-jj)"),
    "theme_no_letter": lazy_gettext("un thème doit contenir au moins une lettre ou un chiffre"),
    "duplicate_theme": lazy_gettext("slug de thème « %(slug)s » en double dans le fichier"),
    "duplicate_title": lazy_gettext("le même titre apparaît deux fois pour cette candidature"),
    "empty_sheet": lazy_gettext("aucune ligne"),
    "too_many_rows": lazy_gettext("plus de %(max_rows)s lignes : découpez le fichier"),
    "repeated_column": lazy_gettext("colonne présente deux fois"),
    "not_text": lazy_gettext("n'est pas du texte UTF-8 ni Windows-1252"),
    "unreadable_xlsx": lazy_gettext("n'est pas un classeur XLSX lisible"),
    "candidate_needed": lazy_gettext(
        "aucune candidature : choisissez-en une, ou ajoutez une colonne « candidat »"
    ),
    "candidate_choice": lazy_gettext(
        "choisissez une candidature existante ou un nouveau nom, pas les deux"
    ),
}

_LINE = re.compile(r"^line (\d+)$")


def import_problem_message(problem: Problem) -> str:
    """The problem in the current language; its English message if the code is new."""
    text = IMPORT_PROBLEMS.get(problem.code)
    if text is None:
        return problem.message
    params: dict[str, str | int] = dict(problem.params)
    if problem.code in {
        "verdict_without_evidence",
        "verdict_contradicts_evidence",
        "ruling_changes_nothing",
    }:
        params["status"] = status_label(PledgeStatus(str(params["status"]))).lower()
    try:
        return str(text) % params
    except (KeyError, ValueError, TypeError):  # a catalogue out of step with the params
        return problem.message


def import_record_label(record: str) -> str:
    """Where the problem is: JSON paths as written in the file; CSV lines and header translated."""
    if match := _LINE.match(record):
        return _("ligne %(num)s", num=match.group(1))
    words = {"header": lazy_gettext("en-tête"), "file": lazy_gettext("fichier")}
    return str(words[record]) if record in words else record
