"""Each error code raised in pledges/ has a message (views/error_messages.py) in both languages."""

import ast
from pathlib import Path

import pytest
from flask_babel import force_locale

from pledges.errors import DomainError, EditError
from views.error_messages import ERROR_MESSAGES, error_message, show_on_form

PLEDGES = Path(__file__).resolve().parents[2] / "pledges"


def raised_codes() -> dict[str, str]:
    """code -> where it is used: every `code="..."` keyword, and every default `code="..."`."""
    found: dict[str, str] = {}
    for path in sorted(PLEDGES.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                        found[keyword.value.value] = f"{path.name}:{node.lineno}"
            elif isinstance(node, ast.FunctionDef):
                arguments = node.args
                for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
                    if arg.arg == "code" and isinstance(default, ast.Constant):
                        found[default.value] = f"{path.name}:{node.lineno}"
    return found


def test_the_scan_finds_the_codes():
    codes = raised_codes()
    assert {"conflict", "bad_url", "email_taken", "verdict_needs_evidence"} <= set(codes)
    assert all(isinstance(code, str) and code for code in codes)


def test_every_raised_code_has_a_message():
    missing = {code: where for code, where in raised_codes().items() if code not in ERROR_MESSAGES}
    assert missing == {}, "add these codes to views/error_messages.py: " + repr(missing)


def test_every_message_is_translated_to_english(app):
    with app.test_request_context():
        with force_locale("fr"):
            french = {code: str(message) for code, message in ERROR_MESSAGES.items()}
        with force_locale("en"):
            english = {code: str(message) for code, message in ERROR_MESSAGES.items()}
    untranslated = sorted(code for code in ERROR_MESSAGES if english[code] == french[code])
    assert untranslated == [], "translate in views/translations/en: " + repr(untranslated)


@pytest.mark.parametrize(
    ("code", "french"),
    [
        ("bad_url", "Le lien doit commencer par http:// ou https://."),
        ("email_taken", "Un compte existe déjà avec cette adresse."),
        ("weak_password", "Le mot de passe doit compter au moins 10 caractères."),
        ("nothing-like-this", "Cette opération est impossible."),
    ],
)
def test_error_message_translates_the_code(app, code, french):
    with app.test_request_context(), force_locale("fr"):
        assert error_message(DomainError("English fallback", code=code)) == french


def test_show_on_form_puts_the_message_beside_its_field_else_above(app):
    class Field:
        errors: list[str] = []

    class Form:
        url = Field()
        form_errors: list[str] = []

    with app.test_request_context(), force_locale("fr"):
        form = Form()
        show_on_form(form, EditError("bad", code="bad_url", field="url"))
        show_on_form(form, EditError("gone", code="required", field="no_such_field"))
    assert form.url.errors == ["Le lien doit commencer par http:// ou https://."]
    assert form.form_errors == ["Ce champ est obligatoire."]
