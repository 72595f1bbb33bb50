"""Template fragments that read no data: rendered once per worker, not once per page.

The site footer, the demonstration-data notice or a pledge's "embed" block come out
the same on every page for the same few inputs: the language, the shape of the
links (script root, the visitor's `?lang=`, the site's address) and the values
passed in. `fixed_fragment` renders such a template once for those and keeps the
result (bounded, per app; emptied when full). It is for fragments that depend on
nothing else: never the database, the visitor's session or the request's path; a
value they show must be passed in, so that it is part of the key, and values that
compare equal must render the same (pass a dataclass, not Markup beside str).
tests/views/test_fragments.py checks what each such template may read.

While templates reload (`FLASK_DEBUG=1 make run`), nothing is kept: an edited fragment
shows at the next request.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from threading import Lock
from typing import Protocol

from flask import current_app, g, render_template, request
from markupsafe import Markup

from views.request_locale import locale_code
from views.urls import site_root

# Fragments kept per app at most; the store is emptied when full (a worker sees a
# few languages × a few fragments, plus one embed block per pledge or candidate shown).
KEPT_AT_MOST = 4096


class _Store:
    def __init__(self) -> None:
        self.rendered: dict[tuple[Hashable, ...], Markup] = {}
        self.lock = Lock()


def fixed_fragment(name: str, **values: Hashable) -> Markup:
    """The template `name` rendered with `values` alone (templates' `fixed_fragment`),
    once per worker for these values, language and link shape."""
    key = (
        name,
        tuple(sorted(values.items())),
        locale_code(),
        request.script_root,
        g.get("explicit_lang"),
        site_root(),
    )
    store: _Store | None = current_app.extensions.get("fixed_fragments")
    if store is None:
        store = current_app.extensions.setdefault("fixed_fragments", _Store())
    found = store.rendered.get(key)
    if found is None:
        found = Markup(render_template(name, **values))  # noqa: S704  (an autoescaped template)
        if current_app.jinja_env.auto_reload:
            return found
        with store.lock:
            if len(store.rendered) >= KEPT_AT_MOST:
                store.rendered.clear()
            store.rendered[key] = found
    return found


class MaybeDemo(Protocol):
    @property
    def is_demo(self) -> bool: ...


def demo_notice(elections: Iterable[MaybeDemo]) -> Markup:
    """The "demonstration data" notice, when any of `elections` is demonstration data
    (templates' `demo_notice`)."""
    if any(election.is_demo for election in elections):
        return fixed_fragment("_demo_notice.html")
    return Markup("")
