"""One table from domain error codes to translated text: views show `error_message(error)`."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_babel.speaklater import LazyString

from pledges.errors import DomainError

ERROR_MESSAGES: dict[str, LazyString] = {
    "unknown": lazy_gettext("Cette opération est impossible."),
    # Feeds
    "feed_url_scheme": lazy_gettext("Seules les adresses http:// et https:// sont acceptées."),
    "feed_url_invalid": lazy_gettext("Cette adresse de flux n'est pas valide."),
    "feed_url_credentials": lazy_gettext(
        "Une adresse de flux ne peut pas contenir d'identifiant ni de mot de passe."
    ),
    "feed_url_private_address": lazy_gettext(
        "Cette adresse mène à un réseau privé : elle est refusée."
    ),
    "feed_host_unresolved": lazy_gettext("Ce nom de domaine est introuvable."),
    "feed_taken": lazy_gettext("Ce flux est déjà enregistré."),
    "feed_interval_too_small": lazy_gettext("L'intervalle doit être d'au moins une minute."),
    "feed_fetch_failed": lazy_gettext("Le flux n'a pas pu être récupéré."),
    "feed_timeout": lazy_gettext("Le site du flux n'a pas répondu à temps."),
    "feed_deadline": lazy_gettext("La récupération du flux a pris trop de temps."),
    "feed_redirects": lazy_gettext("Le flux redirige trop de fois ou en boucle."),
    "feed_too_large": lazy_gettext("Le flux est trop volumineux."),
    "feed_bad_encoding": lazy_gettext("Le flux est mal encodé ou compressé."),
    "feed_empty": lazy_gettext("Le flux est vide."),
    "feed_not_a_feed": lazy_gettext("Ce document n'est pas un flux RSS ou Atom."),
    "feed_entities_refused": lazy_gettext(
        "Ce flux déclare des entités XML : il est refusé par sécurité."
    ),
    "already_reviewed": lazy_gettext("Quelqu'un a déjà traité cet élément."),
}


def error_message(error: DomainError) -> str:
    """The translated text for the error's code (a generic one for an unknown code)."""
    code = getattr(error, "code", "unknown")
    return str(ERROR_MESSAGES.get(code, ERROR_MESSAGES["unknown"]))
