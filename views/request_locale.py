"""The request's language and its translations, looked up once per request and language.

flask_babel finds both anew on each call (several reads of `g`, the locale printed
to a string), and a board calls gettext hundreds of times: Jinja's `_`/`ngettext`
(installed by views.extensions) and the labels read them from here instead. The
values are still flask_babel's own: its locale selection on the first call, and
`force_locale` (a widget's `?lang=`) is followed, since the cache is kept per
Locale object.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from babel import Locale
from babel.support import NullTranslations
from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup


def _namespace() -> SimpleNamespace | None:
    """flask_babel's per-request namespace (`g._flask_babel`), None outside an app context."""
    ctx = _cv_app.get(None)
    if ctx is None:
        return None
    namespace: SimpleNamespace | None = ctx.g.__dict__.get("_flask_babel")
    return namespace


def translations() -> NullTranslations:
    """The current language's catalogue (flask_babel's), kept on the request per Locale."""
    namespace = _namespace()
    locale = getattr(namespace, "babel_locale", None)
    if namespace is None or locale is None:
        return get_translations()  # the first lookup: flask_babel selects the locale
    cached = namespace.__dict__.get("pledge_translations")
    if cached is not None and cached[0] is locale:
        return cached[1]
    found = get_translations()
    namespace.pledge_translations = (locale, found)
    return found


def locale() -> Locale | None:
    """The current Locale, as flask_babel's `get_locale()` gives it."""
    namespace = _namespace()
    found: Locale | None = getattr(namespace, "babel_locale", None)
    return found if found is not None else get_locale()


def locale_code() -> str:
    """The current language's code ("fr", "en"), as `str(get_locale())` gives it."""
    namespace = _namespace()
    locale = getattr(namespace, "babel_locale", None)
    if namespace is None or locale is None:
        return str(get_locale())
    cached = namespace.__dict__.get("pledge_locale_code")
    if cached is not None and cached[0] is locale:
        return cached[1]
    code = str(locale)
    namespace.pledge_locale_code = (locale, code)
    return code


def gettext(string: str) -> str:
    return translations().ugettext(string)


def ngettext(singular: str, plural: str, number: int) -> str:
    return translations().ungettext(singular, plural, number)


def pgettext(context: str, string: str) -> str:
    return translations().upgettext(context, string)


def npgettext(context: str, singular: str, plural: str, number: int) -> str:
    return translations().unpgettext(context, singular, plural, number)


# Templates' `_()` and `ngettext()`. jinja2.ext's "newstyle" callables give the same
# answers in four calls each (`_` resolves `gettext` in the context, which calls the
# catalogue through the context again); a page has dozens of them.


@pass_eval_context
def template_gettext(eval_ctx: EvalContext, string: str, /, **variables: Any) -> str:
    """As jinja2.ext's newstyle gettext: the translation, Markup where the template
    autoescapes, always %-formatted with `variables` (so "%%" is a percent sign and
    each value is escaped)."""
    translated = translations().ugettext(string)
    if eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704  (a catalogue entry, ours)
    return translated % variables


@pass_eval_context
def template_ngettext(
    eval_ctx: EvalContext, singular: str, plural: str, number: int, /, **variables: Any
) -> str:
    """As jinja2.ext's newstyle ngettext: `num` is the number unless given."""
    variables.setdefault("num", number)
    translated = translations().ungettext(singular, plural, number)
    if eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704  (a catalogue entry, ours)
    return translated % variables
