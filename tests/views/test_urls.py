"""Absolute links: views/urls.py is the only view module that reads SITE_URL, and its helpers
build links on SITE_URL whatever host the request named."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from views.urls import absolute_path, absolute_url, site_authority, site_root

ROOT = Path(__file__).resolve().parents[2]
# (module, function) that may read SITE_URL without building a link from it.
NOT_LINKS = {
    # The widget's cache key: cached renderings hold links built on SITE_URL.
    ("views/embed.py", "_key"),
}


def site_url_readers(path: Path) -> set[tuple[str, str]]:
    """(module, innermost function) of every "SITE_URL" string used as code, not as a docstring."""
    module = path.relative_to(ROOT).as_posix()
    found: set[tuple[str, str]] = set()

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Constant) and node.value == "SITE_URL":
            found.add((module, function))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(ast.parse(path.read_text(), filename=str(path)), "<module>")
    return found


def test_only_views_urls_reads_site_url():
    readers = set()
    for path in sorted((ROOT / "views").rglob("*.py")):
        if path.relative_to(ROOT).as_posix() != "views/urls.py":
            readers |= site_url_readers(path)
    assert readers - NOT_LINKS == set()


@pytest.fixture
def app_overrides():
    return {"SITE_URL": "https://suivi.example.org/"}


def test_links_are_built_on_site_url_not_the_request_host(app):
    # Another host than SITE_URL's that the app still serves (loopback, in tests):
    # a foreign host is refused before any link is built (TRUSTED_HOSTS).
    with app.test_request_context("/", base_url="http://localhost:8123"):
        assert site_root() == "https://suivi.example.org"
        assert absolute_path("/x?y=1") == "https://suivi.example.org/x?y=1"
        assert absolute_url("public.pledge", pledge_id=7) == "https://suivi.example.org/pledges/7"
        assert site_authority() == "suivi.example.org"


def test_absolute_url_keeps_the_visitors_language_unless_told(app, client):
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        assert absolute_url("public.pledge", pledge_id=7).endswith("/pledges/7?lang=en")
        assert absolute_url("public.pledge", pledge_id=7, lang=None).endswith("/pledges/7")


def test_in_development_site_url_is_the_address_served(monkeypatch, tmp_path):
    """`PORT=5401 make run`: every absolute link points at port 5401, not 5000."""
    from app import create_app

    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")  # what `flask run` sets
    monkeypatch.setenv("FLASK_RUN_PORT", "5401")  # what `make run` passes
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}"})
    assert app.config["SITE_URL"] == "http://127.0.0.1:5401"
    with app.test_request_context("/", base_url="http://127.0.0.1:5401"):
        assert absolute_url("public.pledge", pledge_id=7) == "http://127.0.0.1:5401/pledges/7"
    app.extensions["db_engine"].dispose()


def test_outside_development_the_app_refuses_to_start_without_site_url(monkeypatch, tmp_path):
    from app import create_app

    for name in ("SITE_URL", "FLASK_RUN_FROM_CLI", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="SITE_URL is not set"):
        create_app({"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}"})


# ------------------------------------------------- path_for: url_for from a kept pattern
# Templates call views.urls.path_for as `url_for` (views.templating): it builds a URL
# once per request with stand-in values and splices real values into it. Every URL it
# gives must be exactly flask.url_for's, or a link on a page goes somewhere else.


def _outcome(build, endpoint: str, **values):
    """What building the URL gives: the URL, or the kind of error it raised."""
    try:
        return build(endpoint, **values)
    except Exception as error:  # noqa: BLE001  (compared, not swallowed)
        return type(error)


def _assert_same(endpoint: str, **values) -> str:
    """path_for's answer is url_for's, called twice (the second from the kept pattern)."""
    from flask import url_for

    from views.urls import path_for

    expected = _outcome(url_for, endpoint, **values)
    assert _outcome(path_for, endpoint, **values) == expected, (endpoint, values)
    assert _outcome(path_for, endpoint, **values) == expected, (endpoint, values)
    return expected


def _simple_rules(app):
    """Rules whose arguments all use the default (string) or int converter."""
    from werkzeug.routing import IntegerConverter, UnicodeConverter

    for rule in app.url_map.iter_rules():
        converters = rule._converters  # noqa: SLF001  (werkzeug keeps them there)
        if all(
            type(c) is UnicodeConverter or isinstance(c, IntegerConverter)
            for c in converters.values()
        ):
            yield rule


def _values_for(rule, variant: int) -> dict:
    """Plain values for a rule's arguments: ids for int converters, slugs for strings."""
    from werkzeug.routing import IntegerConverter

    values = {}
    for index, name in enumerate(sorted(rule.arguments)):
        if isinstance(rule._converters[name], IntegerConverter):  # noqa: SLF001
            values[name] = 7 + 100 * variant + index
        else:
            values[name] = (
                f"marseille-{2020 + variant}" if index % 2 == 0 else f"liste_{variant}.b~c"
            )
    return values


@pytest.mark.parametrize("query", ["", "?lang=en", "?lang=fr"])
def test_path_for_gives_url_for_answer_for_every_simple_route(app, query):
    """Every route with string and int arguments: the first call, the second (from the
    pattern), and other values on a third call all equal url_for's; `?lang=` is kept."""
    rules = list(_simple_rules(app))
    assert len(rules) > 50  # the whole map, not a filter that let nothing through
    with app.test_request_context("/" + query):
        app.preprocess_request()
        for rule in rules:
            first = _assert_same(rule.endpoint, **_values_for(rule, 0))
            second = _assert_same(rule.endpoint, **_values_for(rule, 1))
            assert isinstance(first, str), rule
            assert isinstance(second, str), rule
            if rule.arguments:
                assert first != second, rule
            if query and rule.endpoint != "static":
                assert first.endswith(query[1:]), (rule, first)
                assert second.endswith(query[1:]), (rule, second)
            else:
                assert "lang=" not in first, (rule, first)


def _counting_url_for(monkeypatch) -> list[str]:
    from views import urls

    calls: list[str] = []
    real = urls.url_for

    def counting(endpoint, **values):
        calls.append(endpoint)
        return real(endpoint, **values)

    monkeypatch.setattr(urls, "url_for", counting)
    return calls


def test_path_for_builds_each_pattern_once_per_app(app, monkeypatch):
    """The point of path_for: a page's links cost no url_for. An endpoint and argument
    names get their pattern once (one url_for, with stand-ins); later links, in this
    request or the next ones, reuse it; another `?lang=` or script root is another
    pattern, since url_for's answer differs."""
    from views import urls

    calls = _counting_url_for(monkeypatch)
    for request_number in range(3):
        with app.test_request_context("/?lang=en"):
            app.preprocess_request()
            links = [urls.path_for("public.pledge", pledge_id=n) for n in range(1, 51)]
            assert links == [f"/pledges/{n}?lang=en" for n in range(1, 51)]
            links = [
                urls.path_for("public.candidate", election="lyon-2020", candidate=f"c-{n}")
                for n in range(20)
            ]
            assert links[3] == "/elections/lyon-2020/c-3?lang=en"
            expected = ["public.pledge", "public.candidate"] if request_number == 0 else []
            assert calls == expected, calls
            calls.clear()
    with app.test_request_context("/"):
        app.preprocess_request()
        assert urls.path_for("public.pledge", pledge_id=2) == "/pledges/2"
        assert urls.path_for("public.pledge", pledge_id=3) == "/pledges/3"
    with app.test_request_context("/?lang=en", base_url="http://127.0.0.1/sub/"):
        app.preprocess_request()
        assert urls.path_for("public.pledge", pledge_id=4) == "/sub/pledges/4?lang=en"
    assert calls == ["public.pledge", "public.pledge"], calls


def test_path_for_keeps_whole_urls_for_values_a_url_escapes(app, monkeypatch):
    """A static file's name holds "/", which the pattern cannot splice: its URL is kept
    whole, per exact value and type (page=True is not page=1). Long values (a search)
    go through url_for every time, and the kept URLs are bounded."""
    from views import urls

    calls = _counting_url_for(monkeypatch)
    for _ in range(3):
        with app.test_request_context("/?lang=en"):
            app.preprocess_request()
            assert urls.path_for("static", filename="css/site.css") == "/static/css/site.css"
            assert urls.path_for("public.election", election="a b") == ("/elections/a%20b?lang=en")
            assert urls.path_for("public.scoreboard", page=True) == "/pledges/?page=True&lang=en"
            assert urls.path_for("public.scoreboard", page=1) == "/pledges/?page=1&lang=en"
    assert calls.count("static") == 1
    assert calls.count("public.election") == 1
    calls.clear()
    long_query = "vidéo " * 30
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        for _ in range(3):
            _assert_same("public.scoreboard", q=long_query)
        assert calls == ["public.scoreboard"] * 6  # path_for's and _assert_same's own
        patterns, kept_urls = app.extensions["path_for"]
        for n in range(urls.KEPT_AT_MOST + 10):
            urls.path_for("public.scoreboard", q=f"mot {n}")
        assert 0 < len(kept_urls) <= urls.KEPT_AT_MOST
        assert urls.path_for("public.scoreboard", q="mot 1") == "/pledges/?q=mot+1&lang=en"


def test_path_for_patterns_belong_to_their_app(app):
    """Two apps in one process (tests, a CLI next to the site) keep their own."""
    from app import create_app
    from views.urls import path_for

    with app.test_request_context("/"):
        assert path_for("public.pledge", pledge_id=1) == "/pledges/1"
    other = create_app({**app.config, "TESTING": True})
    assert "path_for" not in other.extensions
    with other.test_request_context("/"):
        assert path_for("public.pledge", pledge_id=1) == "/pledges/1"
    assert other.extensions["path_for"] is not app.extensions["path_for"]


def test_path_for_keeps_lang_and_an_explicit_lang_none(app):
    """views.extensions adds the visitor's `?lang=` to every url_for; `lang=None` leaves
    it out (absolute links for partners), and another lang overrides it, as url_for does."""
    from views.urls import path_for

    with app.test_request_context("/pledges/?lang=en"):
        app.preprocess_request()
        assert path_for("public.pledge", pledge_id=3) == "/pledges/3?lang=en"
        for _ in range(2):
            assert _assert_same("public.pledge", pledge_id=3, lang=None) == "/pledges/3"
            assert _assert_same("public.pledge", pledge_id=4, lang="fr") == "/pledges/4?lang=fr"
            assert _assert_same("public.election", election="nice-2020", lang=None) == (
                "/elections/nice-2020"
            )
        assert path_for("public.pledge", pledge_id=5) == "/pledges/5?lang=en"
    with app.test_request_context("/"):
        app.preprocess_request()
        assert _assert_same("public.pledge", pledge_id=3, lang=None) == "/pledges/3"


@pytest.mark.parametrize(
    ("endpoint", "values"),
    [
        ("public.election", {"election": "é"}),
        ("public.election", {"election": "a b"}),
        ("public.election", {"election": "a/b"}),
        ("public.election", {"election": "a?b#c"}),
        ("public.election", {"election": "a%2Fb"}),
        ("public.election", {"election": ""}),
        ("public.election", {"election": "."}),
        ("public.election", {"election": ".."}),
        ("public.election", {"election": 2020}),
        ("public.election", {"election": True}),
        ("public.election", {"election": None}),
        ("public.pledge", {"pledge_id": -1}),
        ("public.pledge", {"pledge_id": 0}),
        ("public.pledge", {"pledge_id": True}),
        ("public.pledge", {"pledge_id": "12"}),
        ("public.pledge", {"pledge_id": 2**31}),
        ("public.candidate", {"election": "lyon", "candidate": "l'avenir"}),
        ("public.candidate", {"election": "lyon", "candidate": "a&b=c"}),
        ("public.election", {"election": "lyon", "q": "vidéo surveillance"}),
        ("public.election", {"election": "lyon", "q": "a&b=c+d"}),
        ("public.election", {"election": "lyon", "q": ""}),
        ("public.election", {"election": "lyon", "page": -1}),
        ("public.election", {"election": "lyon", "overdue": True}),
        ("public.election", {"election": "lyon", "overdue": False}),
        ("public.scoreboard", {"theme": "a b", "page": 2}),
        ("public.scoreboard", {"_anchor": "top", "page": 2}),
        ("public.scoreboard", {"_external": True}),
    ],
)
def test_path_for_values_needing_escaping_give_url_fors_answer(app, endpoint, values):
    """Values a URL escapes (or refuses) go through url_for itself: exactly its answer,
    including its errors, whether or not a plain call kept a pattern before."""
    from views.urls import path_for

    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        plain = {name: 5 if name.endswith("id") else "plain" for name in values}
        path_for(endpoint, **plain)  # a pattern kept for these names first
        _assert_same(endpoint, **values)


def test_path_for_with_an_any_converter_gives_url_fors_answer(app):
    """The Atom feeds' `any("status-changes", "evidence")` refuses a stand-in: each call
    goes through url_for, and a value it refuses fails as url_for fails."""
    from werkzeug.routing import AnyConverter

    feeds = [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, AnyConverter) for c in rule._converters.values())  # noqa: SLF001
    ]
    assert {rule.endpoint for rule in feeds} >= {"api.site_feed", "api.pledge_feed"}
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        for rule in feeds:
            for kind in ("evidence", "status-changes", "other"):
                values = {
                    name: 3 if name.endswith("_id") else "marseille-2020"
                    for name in rule.arguments
                    if name != "kind"
                }
                found = _assert_same(rule.endpoint, kind=kind, **values)
                if kind == "other":
                    assert not isinstance(found, str)
                else:
                    assert isinstance(found, str)
                    assert found.endswith(f"/{kind}.atom?lang=en")


def test_path_for_keeps_url_fors_order_of_query_arguments(app):
    """Extra arguments become the query string in url_for's order (the order given, the
    visitor's lang last): links compare equal in tests and caches see one URL."""
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        assert (
            _assert_same("public.election", election="marseille-2020", page=2, sort="kept")
            == "/elections/marseille-2020?page=2&sort=kept&lang=en"
        )
        assert (
            _assert_same("public.election", election="marseille-2020", sort="kept", page=3)
            == "/elections/marseille-2020?sort=kept&page=3&lang=en"
        )
        _assert_same("public.election", election="lyon-2026", page=9, sort="broken")
        _assert_same("public.scoreboard", theme="climat", status="kept", page=2, q="ecole")
        _assert_same("public.scoreboard", page=2, theme=None, status="kept")


def test_path_for_keeps_the_script_root(app):
    """Served under a prefix (SCRIPT_NAME), every link carries it, as url_for's do."""
    with app.test_request_context("/?lang=en", base_url="http://127.0.0.1/sub/"):
        from flask import request

        assert request.script_root == "/sub"
        app.preprocess_request()
        assert _assert_same("public.pledge", pledge_id=8) == "/sub/pledges/8?lang=en"
        assert _assert_same("public.pledge", pledge_id=9) == "/sub/pledges/9?lang=en"
        assert _assert_same("public.election", election="a b").startswith("/sub/elections/")
        assert _assert_same("static", filename="app.css").startswith("/sub/static/")


def test_path_for_outside_a_request_is_url_for(app):
    """In an app context alone (CLI, mail), path_for is url_for (SERVER_NAME needed)."""
    from flask import url_for

    from views.urls import path_for

    app.config["SERVER_NAME"] = "suivi.example.org"
    with app.app_context():
        assert path_for("public.pledge", pledge_id=4) == url_for("public.pledge", pledge_id=4)
        assert path_for("public.pledge", pledge_id=4).endswith("/pledges/4")


@pytest.mark.parametrize("query", ["", "?lang=en"])
def test_id_link_maker_gives_url_for_answer(app, query):
    """A list's links by id (the widget's): the same as url_for for every id route, each
    language, ids large and small; anything but an id goes through path_for."""
    from flask import url_for

    from views.urls import id_link_maker

    with app.test_request_context("/" + query):
        app.preprocess_request()
        for endpoint, name, extra in [
            ("public.pledge", "pledge_id", {}),
            ("public.pledge", "pledge_id", {"lang": "fr"}),
            ("public.pledge", "pledge_id", {"lang": None}),
            ("embed.pledge", "pledge_id", {"lang": "en"}),
            ("archives.snapshot", "snapshot_id", {"evidence_id": 7}),
        ]:
            link = id_link_maker(endpoint, name, **extra)
            for ident in (0, 1, 42, 987_654_321_987, 10**12):
                assert link(ident) == url_for(endpoint, **{name: ident}, **extra)
        link = id_link_maker("public.pledge", "pledge_id")
        assert link("12") == url_for("public.pledge", pledge_id=12)
        # A stand-in that shows twice: each link built by path_for.
        link = id_link_maker("archives.snapshot", "snapshot_id", evidence_id=987_654_321_987)
        assert link(3) == url_for("archives.snapshot", evidence_id=987_654_321_987, snapshot_id=3)
