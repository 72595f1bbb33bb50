"""Flask-WTF forms of the logged-in pages (auth, volunteer, admin); French source strings.

Every form carries the CSRF token; validators give a message next to each field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
    ValidationError,
)

# types-WTForms 3.2 (the newest stubs) predates SelectChoice, added in WTForms 3.3.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from models.enums import EvidenceKind, PledgeStatus, Role, Stance
from pledges.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from pledges.links import MAX_URL_LENGTH, clean_url, url_problem

REQUIRED = _l("Ce champ est obligatoire.")
CONTROL_CHARACTERS = _l("Ce champ contient un caractère de contrôle invisible.")
# C0 controls have no place in stored text (NUL is refused for the whole request
# by views.security before any form is read); multi-line fields keep tab and the
# CR/LF a browser sends for each line break.
_SINGLE_LINE_CONTROLS = frozenset(chr(c) for c in range(0x20))
_MULTI_LINE_CONTROLS = _SINGLE_LINE_CONTROLS - {"\t", "\n", "\r"}


def has_control_characters(field: Field) -> bool:
    """True when a text field's submitted value holds a control it must not hold."""
    if not isinstance(field, StringField) or field.raw_data is None:
        return False
    forbidden = _MULTI_LINE_CONTROLS if isinstance(field, TextAreaField) else _SINGLE_LINE_CONTROLS
    return any(
        not forbidden.isdisjoint(value) for value in field.raw_data if isinstance(value, str)
    )


class Form(FlaskForm):
    """Base of every form here: text fields refuse control characters, per field type."""

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        valid = super().validate(extra_validators=extra_validators)
        for field in self:
            if has_control_characters(field):
                field.errors = [*field.errors, CONTROL_CHARACTERS]
                valid = False
        return valid


def required() -> DataRequired:
    return DataRequired(message=REQUIRED)


# Shown under every new-password field before any error (tied by aria-describedby).
PASSWORD_RULES = _l(
    "Au moins %(num)d caractères. Une phrase de plusieurs mots est plus facile à retenir.",
    num=MIN_PASSWORD_LENGTH,
)


def password_length() -> Length:
    return Length(
        min=MIN_PASSWORD_LENGTH,
        max=MAX_PASSWORD_LENGTH,
        message=_l(
            "Le mot de passe doit compter au moins %(num)d caractères.", num=MIN_PASSWORD_LENGTH
        ),
    )


def http_url(form: FlaskForm, field: Field) -> None:
    """An http(s) link, short enough once stored without its tracking parameters."""
    value = (field.data or "").strip()
    if not value:
        return
    problem = url_problem(clean_url(value))
    if problem == "url_too_long":
        raise ValidationError(
            _l("Le lien est trop long (%(num)d caractères au plus).", num=MAX_URL_LENGTH)
        )
    if problem is not None:
        raise ValidationError(_l("Le lien doit commencer par http:// ou https://."))


def not_in_future(form: FlaskForm, field: Field) -> None:
    from views.labels import today

    if field.data and field.data > today():
        raise ValidationError(_l("La date ne peut pas être dans le futur."))


def role_choices() -> list[SelectChoice]:
    return [
        SelectChoice(Role.VOLUNTEER.value, str(_l("Bénévole"))),
        SelectChoice(Role.EDITOR.value, str(_l("Éditeur ou éditrice"))),
        SelectChoice(Role.ADMIN.value, str(_l("Administrateur ou administratrice"))),
    ]


def stance_choices() -> list[SelectChoice]:
    from views.labels import stance_label

    return [SelectChoice(s.value, stance_label(s)) for s in Stance]


def kind_choices() -> list[SelectChoice]:
    from views.labels import kind_label

    return [SelectChoice(k.value, kind_label(k)) for k in EvidenceKind]


def status_choices() -> list[SelectChoice]:
    from views.labels import status_label

    return [SelectChoice(s.value, status_label(s)) for s in PledgeStatus]


def review_choices() -> list[SelectChoice]:
    return [
        SelectChoice("kept", str(_l("Preuve : engagement tenu"))),
        SelectChoice("broken", str(_l("Preuve : engagement rompu"))),
        SelectChoice("context", str(_l("Contexte"))),
        SelectChoice("dismiss", str(_l("Sans rapport"))),
    ]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# --- Accounts ----------------------------------------------------------------------


class LoginForm(Form):
    email = EmailField(_l("Adresse e-mail"), validators=[required(), Length(max=320)])
    password = PasswordField(
        _l("Mot de passe"), validators=[required(), Length(max=MAX_PASSWORD_LENGTH)]
    )


class LogoutForm(Form):
    pass


class PasswordForm(Form):
    current = PasswordField(
        _l("Mot de passe actuel"), validators=[required(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    new = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[required(), password_length()],
        description=PASSWORD_RULES,
    )
    confirm = PasswordField(
        _l("Confirmer le nouveau mot de passe"),
        validators=[required(), EqualTo("new", message=_l("Les deux mots de passe diffèrent."))],
    )


class InvitationForm(Form):
    display_name = StringField(
        _l("Nom affiché"),
        validators=[required(), Length(max=120)],
        description=_l("Visible par l'équipe ; sur le site public si vous rendez des décisions."),
    )
    password = PasswordField(
        _l("Mot de passe"), validators=[required(), password_length()], description=PASSWORD_RULES
    )
    confirm = PasswordField(
        _l("Confirmer le mot de passe"),
        validators=[
            required(),
            EqualTo("password", message=_l("Les deux mots de passe diffèrent.")),
        ],
    )


class ForgotForm(Form):
    email = EmailField(_l("Adresse e-mail"), validators=[required(), Length(max=320)])


class ResetForm(Form):
    password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[required(), password_length()],
        description=PASSWORD_RULES,
    )
    confirm = PasswordField(
        _l("Confirmer le nouveau mot de passe"),
        validators=[
            required(),
            EqualTo("password", message=_l("Les deux mots de passe diffèrent.")),
        ],
    )


def language_choices() -> list[tuple[str, str]]:
    return [("fr", "Français"), ("en", "English")]


class AccountForm(Form):
    display_name = StringField(
        _l("Nom affiché"),
        validators=[required(), Length(max=120)],
        description=_l("Visible par l'équipe ; sur le site public si vous rendez des décisions."),
    )
    language = SelectField(_l("Langue des courriels"), choices=language_choices, default="fr")
    digests = BooleanField(_l("Recevoir le résumé quotidien par courriel"))


class InviteForm(Form):
    email = EmailField(_l("Adresse e-mail"), validators=[required(), Length(max=320)])
    role = SelectField(_l("Rôle"), choices=role_choices, default=Role.VOLUNTEER.value)


class UserForm(Form):
    role = SelectField(_l("Rôle"), choices=role_choices)
    active = BooleanField(_l("Compte actif"))


class SettingsForm(Form):
    public_editor_names = BooleanField(
        _l("Afficher publiquement le nom de l'éditeur ou de l'éditrice de chaque décision")
    )


# --- Volunteer work ------------------------------------------------------------------


class EvidenceForm(Form):
    url = URLField(_l("Lien (URL)"), validators=[required(), Length(max=2000), http_url])
    outlet = StringField(
        _l("Média ou source"),
        validators=[required(), Length(max=300)],
    )
    published_on = DateField(
        _l("Date de publication"),
        validators=[
            InputRequired(message=_l("Indiquez une date valide (AAAA-MM-JJ).")),
            not_in_future,
        ],
    )
    kind = SelectField(_l("Nature"), choices=kind_choices, default=EvidenceKind.PRESS_ARTICLE.value)
    stance = RadioField(
        _l("Ce document va dans le sens"),
        choices=stance_choices,
        validators=[InputRequired(message=_l("Choisissez une option."))],
    )
    title = StringField(_l("Titre"), validators=[Optional(), Length(max=500)])
    quote = TextAreaField(_l("Citation"), validators=[Optional(), Length(max=5000)])
    note = TextAreaField(_l("Note (Markdown)"), validators=[Optional(), Length(max=10000)])

    def validate_published_on(self, field: Field) -> None:
        if field.data and field.data < date(1900, 1, 1):
            raise ValidationError(_l("Indiquez une date valide (AAAA-MM-JJ)."))


class ReviewForm(Form):
    """One suggestion: kept / broken / context (with optional quote and note), or not relevant."""

    decision = RadioField(
        _l("Décision"),
        choices=review_choices,
        validators=[InputRequired(message=_l("Choisissez une option."))],
    )
    quote = TextAreaField(_l("Citation (facultatif)"), validators=[Optional(), Length(max=5000)])
    note = TextAreaField(
        _l("Note (facultatif, Markdown)"), validators=[Optional(), Length(max=10000)]
    )


# --- Editor work ---------------------------------------------------------------------


class PublishForm(Form):
    pass


class RejectForm(Form):
    reason = TextAreaField(
        _l("Motif du refus (montré à la personne qui l'a proposé)"),
        validators=[required(), Length(max=2000)],
    )


class RulingForm(Form):
    version = HiddenField(validators=[required()])
    status = RadioField(
        _l("Nouveau statut"),
        choices=status_choices,
        validators=[InputRequired(message=_l("Choisissez un statut."))],
    )
    effective_on = DateField(
        _l("Date d'effet"),
        validators=[
            InputRequired(message=_l("Indiquez une date valide (AAAA-MM-JJ).")),
            not_in_future,
        ],
    )
    rationale = TextAreaField(
        _l("Justification (Markdown)"), validators=[required(), Length(max=20000)]
    )
    cites = MultiCheckboxField(_l("Preuves publiées citées"), coerce=int, validate_choice=True)


SLUG_HINT = _l(
    "Lettres minuscules sans accents, chiffres et tirets ; laissé vide, il est tiré du nom. "
    "Après un changement, l'ancienne adresse redirige vers la nouvelle."
)


def slug_field() -> StringField:
    return StringField(
        _l("Identifiant dans les adresses (slug)"),
        validators=[Optional(), Length(max=120)],
        description=SLUG_HINT,
    )


def typed_slug(field: Field) -> str | None:
    """The slug typed ("" to derive it from the name), None when the form did not send one."""
    return (field.data or "") if field.raw_data else None


class NewElectionForm(Form):
    name = StringField(_l("Nom"), validators=[required(), Length(max=300)])
    territory = StringField(_l("Territoire"), validators=[required(), Length(max=300)])
    date = DateField(
        _l("Date"), validators=[InputRequired(message=_l("Indiquez une date valide (AAAA-MM-JJ)."))]
    )
    slug = slug_field()


class ElectionForm(NewElectionForm):
    fingerprint = HiddenField(validators=[required()])


class NewCandidateForm(Form):
    name = StringField(_l("Nom"), validators=[required(), Length(max=300)])
    list_name = StringField(
        _l("Liste ou parti"),
        validators=[Optional(), Length(max=300)],
        description=_l("Laissez vide, ou identique au nom, pour une liste qui porte ce nom."),
    )
    elected = BooleanField(_l("Élu·e"))
    office = StringField(_l("Mandat exercé"), validators=[Optional(), Length(max=300)])
    slug = slug_field()


class CandidateForm(NewCandidateForm):
    version = HiddenField(validators=[required()])


class NewPledgeForm(Form):
    """A pledge; `candidate` and `theme` choices are set by the view (the election's
    candidates, the existing themes by their names in the reader's language)."""

    candidate = SelectField(_l("Candidat·e"), coerce=str, validate_choice=True, choices=[])
    title = StringField(_l("Titre"), validators=[required(), Length(max=500)])
    body = TextAreaField(_l("Texte (Markdown)"), validators=[Optional(), Length(max=50000)])
    # Any slug may come back (a pledge's theme that the theme table does not name
    # yet): pledges.themes.resolve_theme decides, so no choice check here.
    theme = SelectField(_l("Thème"), coerce=str, validate_choice=False, choices=[])
    new_theme = StringField(
        _l("Ou un nouveau thème"),
        validators=[Optional(), Length(max=200)],
        description=_l("Son nom en français, avec ses accents ; il remplace le choix ci-dessus."),
    )
    made_on = DateField(_l("Date de l'engagement"), validators=[Optional()])
    source_url = URLField(
        _l("Source de l'engagement (URL)"), validators=[Optional(), Length(max=2000), http_url]
    )
    quote = TextAreaField(_l("Citation"), validators=[Optional(), Length(max=10000)])
    deadline = DateField(_l("Échéance"), validators=[Optional()])
    keywords_include = TextAreaField(
        _l("Mots-clés à rechercher (un terme ou une expression par ligne)"),
        validators=[Optional(), Length(max=20000)],
    )
    keywords_exclude = TextAreaField(
        _l("Mots-clés à exclure (un par ligne)"), validators=[Optional(), Length(max=20000)]
    )

    def theme_text(self) -> str:
        """What names the theme: the new name when typed, else the chosen slug."""
        return (self.new_theme.data or "").strip() or (self.theme.data or "")


class PledgeForm(NewPledgeForm):
    version = HiddenField(validators=[required()])


class NewThemeForm(Form):
    name_fr = StringField(_l("Nom en français"), validators=[required(), Length(max=200)])
    name_en = StringField(
        _l("Nom en anglais"),
        validators=[Optional(), Length(max=200)],
        description=_l("Laissé vide, le nom français est montré en anglais aussi."),
    )
    slug = StringField(
        _l("Identifiant dans les adresses (slug)"),
        validators=[Optional(), Length(max=80)],
        description=SLUG_HINT,
    )


class ThemeForm(NewThemeForm):
    fingerprint = HiddenField(validators=[required()])


class FeedForm(Form):
    fingerprint = HiddenField()
    url = URLField(_l("Adresse du flux (URL)"), validators=[required(), Length(max=2000)])
    name = StringField(_l("Nom"), validators=[Optional(), Length(max=200)])
    interval_minutes = IntegerField(
        _l("Intervalle entre deux lectures (minutes)"),
        default=60,
        validators=[
            InputRequired(message=_l("Indiquez un nombre de minutes.")),
            NumberRange(min=1, max=10080, message=_l("Entre 1 et 10080 minutes.")),
        ],
    )
    active = BooleanField(_l("Actif"), default=True)


# --- Evidence corrections (views.admin.evidence) -----------------------------------------


class EvidenceEditForm(EvidenceForm):
    """Edit evidence before publication, or correct it after (the reason is then public)."""

    fingerprint = HiddenField(validators=[required()])
    reason = TextAreaField(
        _l("Motif de la correction"),
        validators=[Optional(), Length(max=2000)],
        description=_l(
            "Obligatoire pour une preuve publiée : il est affiché publiquement avec la correction."
        ),
    )


class WithdrawForm(Form):
    reason = TextAreaField(
        _l("Motif du retrait (affiché publiquement)"),
        validators=[required(), Length(max=2000)],
    )


class ReconsiderForm(Form):
    pass


class ConfirmForm(Form):
    """A confirmation button and its CSRF token (archive, delete, restore, demo removal)."""
