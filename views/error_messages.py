"""Domain error codes as French text (English through the catalogue): the one table views use.

Views never show a DomainError's English `message`; they look its `code` up here.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_babel.speaklater import LazyString

from models.enums import PledgeStatus
from pledges.errors import DomainError, Problem
from views.common import status_label

ERROR_MESSAGES: dict[str, LazyString] = {
    "unknown": lazy_gettext("L'opération a été refusée."),
    # Import
    "invalid_import": lazy_gettext("Le fichier d'import a des problèmes ; rien n'a été importé."),
}


def error_message(error: DomainError) -> str:
    return str(ERROR_MESSAGES.get(error.code, ERROR_MESSAGES["unknown"]))


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
    "theme_not_a_slug": lazy_gettext("n'est pas un slug de thème (par exemple video-surveillance)"),
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
    "missing_column": lazy_gettext("colonne manquante"),
    "unknown_column": lazy_gettext("colonne inconnue"),
    "too_many_values": lazy_gettext("plus de valeurs que de colonnes"),
    "unreadable_csv": lazy_gettext("illisible en CSV (%(reason)s)"),
    "rejected_url": lazy_gettext(
        "cette adresse a été rejetée par la modération pour cet engagement ; "
        "publiez-la d'abord sur le site"
    ),
    "unknown_election": lazy_gettext("aucune élection n'a le slug « %(slug)s »"),
    "election_name_not_slug": lazy_gettext(
        "« %(value)s » est le nom d'une élection ; son slug est « %(slug)s »"
    ),
    "unknown_candidate": lazy_gettext("aucune candidature « %(slug)s » dans cette élection"),
}

_LINE = re.compile(r"^line (\d+)$")


def import_problem_message(problem: Problem) -> str:
    """The problem in the current language; its English message if the code is new."""
    text = IMPORT_PROBLEMS.get(problem.code)
    if text is None:
        return problem.message
    params: dict[str, str | int] = dict(problem.params)
    if problem.code == "verdict_without_evidence":
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
