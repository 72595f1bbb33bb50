"""Odd input answers 4xx, caches stay bounded and follow public data only, proxies are
trusted only when told; and the regression tests of the red-team findings
(test_finding_<N>_...)."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import StringField, TextAreaField

from app import create_app
from models.data_version import get_data_version
from models.db import utc_now
from models.enums import Role, Stance
from pledges import accounts
from pledges import evidence as evidence_ops
from pledges.evidence import publish_evidence, reject_evidence, submit_evidence
from tests.factories import make_pledge, make_suggestion, make_user
from tests.views.conftest import token_from
from tests.views.partner_data import seed
from views.page_cache import CachedResponse, PageCache

SITE = "https://suivi.example.org"


@pytest.fixture
def app_overrides():
    return {"SITE_URL": SITE}


@pytest.fixture
def data(app_session):
    return seed(app_session)


@pytest.mark.parametrize(
    "path",
    [
        "/oembed?url=http://[::1&format=json",
        f"/oembed?url={SITE}/pledges/1&maxwidth=%C2%B2",
        "/api/v1/evidence?pledge=%C2%B2",
        "/api/v1/status-changes?pledge=%C2%B2",
        "/api/v1/evidence.csv?pledge=%C2%B2",
    ],
)
def test_odd_parameters_are_client_errors(client, data, path):
    assert 400 <= client.get(path).status_code < 500


@pytest.mark.parametrize(
    "path", ["/pledges/999999", "/embed/pledges/999999", "/api/v1/pledges/999999"]
)
def test_if_none_match_star_does_not_hide_a_404(client, data, path):
    assert client.get(path, headers={"If-None-Match": "*"}).status_code == 404


def test_cached_csv_keeps_its_attachment_header(client, data):
    first = client.get("/api/v1/pledges.csv")
    second = client.get("/api/v1/pledges.csv")
    assert first.headers["Content-Disposition"].startswith("attachment")
    assert second.headers["Content-Disposition"] == first.headers["Content-Disposition"]


def test_page_cache_is_bounded_in_bytes_and_skips_large_bodies():
    cache = PageCache(size=1000, max_bytes=10_000)
    for n in range(50):
        cache.put(("page", n), CachedResponse(b"x" * 1_000, 200, ()))
    assert cache.bytes <= 10_000
    assert len(cache) == 10
    cache.put(("huge",), CachedResponse(b"x" * (600 * 1024), 200, ()))
    assert cache.get(("huge",)) is None


def test_unknown_query_strings_cannot_grow_memory_past_the_bound(app, client, data):
    for n in range(30):
        assert client.get(f"/?junk={n}").status_code == 200
    cache = app.extensions["page_cache"]
    assert cache.bytes <= cache.max_bytes
    assert len(cache) <= 30


def _remote_addr(app, headers):
    @app.get("/_test/remote")
    def remote():
        from flask import request

        return f"{request.remote_addr} {request.scheme}"

    return app.test_client().get("/_test/remote", headers=headers).get_data(as_text=True)


def test_forwarded_headers_are_ignored_without_trusted_proxies(database_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": database_url})
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    assert _remote_addr(app, forwarded) == "127.0.0.1 http"


def test_forwarded_headers_are_used_behind_a_trusted_proxy(database_url):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": database_url, "TRUSTED_PROXIES": 1}
    )
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    assert _remote_addr(app, forwarded) == "203.0.113.9 https"


def test_private_feeds_are_refused_outside_debug_and_tests(database_url, monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")  # as inside any `flask` command
    with pytest.raises(RuntimeError, match="FEEDS_ALLOW_PRIVATE"):
        create_app({"SECRET_KEY": "x", "DATABASE_URL": database_url, "FEEDS_ALLOW_PRIVATE": True})


def test_scoreboard_links_the_site_wide_atom_feeds(client, data):
    html = client.get("/").get_data(as_text=True)
    assert 'type="application/atom+xml" href="/api/v1/feeds/status-changes.atom"' in html
    assert 'type="application/atom+xml" href="/api/v1/feeds/evidence.atom"' in html


# --- Finding 17: only writes the public can see move the data version ----------------------


def _evidence_form(csrf_token: str) -> dict[str, str]:
    return {
        "url": "https://journal.example/article-17",
        "outlet": "Le Journal Fictif",
        "published_on": "2021-10-12",
        "kind": "press_article",
        "stance": "broken",
        "title": "Les caméras restent",
        "quote": "",
        "note": "",
        "csrf_token": csrf_token,
    }


def test_finding_17_a_submission_leaves_public_caches_alone(auth, client, app_session, data):
    dump_etag = client.get("/api/v1/dump.json").headers["ETag"]
    page_etag = client.get("/").headers["ETag"]
    version = get_data_version(app_session)
    auth.login_as(Role.VOLUNTEER)  # a user row and its last login: private
    response = client.post(
        f"/volunteer/pledges/{data.quiet.id}/evidence",
        data=_evidence_form(auth.csrf_token()),
    )
    assert response.status_code == 302
    app_session.rollback()  # see the request's commit
    assert get_data_version(app_session) == version
    auth.logout()
    client.delete_cookie("session")
    assert client.get("/api/v1/dump.json").headers["ETag"] == dump_etag
    assert client.get("/", headers={"If-None-Match": page_etag}).status_code == 304


def test_finding_17_private_rows_do_not_move_the_version(app_session, data):
    version = get_data_version(app_session)
    editor = make_user(app_session, Role.EDITOR)
    evidence = submit_evidence(
        app_session,
        data.quiet,
        url="https://journal.example/article-18",
        outlet="Le Journal Fictif",
        published_on=date(2021, 10, 12),
        stance=Stance.BROKEN,
        actor=editor,
    )
    make_suggestion(app_session, data.quiet)
    app_session.commit()
    assert get_data_version(app_session) == version
    reject_evidence(app_session, evidence, reason="Hors sujet.", actor=editor)
    editor.last_login_at = utc_now()
    app_session.commit()
    assert get_data_version(app_session) == version


def test_finding_17_public_changes_still_move_the_version(app_session, data):
    editor = make_user(app_session, Role.EDITOR)
    app_session.commit()
    version = get_data_version(app_session)
    publish_evidence(app_session, data.hidden_evidence, actor=editor)
    app_session.commit()
    assert get_data_version(app_session) > version
    version = get_data_version(app_session)
    data.kept_evidence.title = "Titre corrigé"  # published evidence, edited
    app_session.commit()
    assert get_data_version(app_session) > version
    version = get_data_version(app_session)
    editor.display_name = "Nom affiché sur les décisions"
    app_session.commit()
    assert get_data_version(app_session) > version


# --- Hardening after the red-team pass -------------------------------------------------

VIEWS = Path(__file__).resolve().parents[2] / "views"
ARG_PATTERNS = [
    r'args\.get(?:list)?\(\s*"(\w+)"',
    r'\btext\(\s*"(\w+)"',
    r'read_positive_int\(\s*\w+,\s*"(\w+)"',
    r'_int_arg\(\s*"(\w+)"',
]


def query_argument_names() -> set[str]:
    """Every query argument a view reads, found in the views' source."""
    names: set[str] = set()
    for path in VIEWS.rglob("*.py"):
        source = path.read_text()
        for pattern in ARG_PATTERNS:
            names.update(re.findall(pattern, source))
    return names


def form_classes():
    from views import forms

    return [
        value
        for value in vars(forms).values()
        if isinstance(value, type) and issubclass(value, forms.Form) and value is not forms.Form
    ]


def form_field_names(app) -> set[str]:
    with app.test_request_context("/"):
        return {field.name for cls in form_classes() for field in cls(meta={"csrf": False})}


def _url(rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if type(converter).__name__ == "DatabaseIdConverter":
            values[name] = "1"
        elif hasattr(converter, "items"):  # any(...)
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def _rules(app, method):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and method in (rule.methods or ())
    ]


def test_finding_5_nul_or_controls_in_any_query_argument_are_refused(app, auth):
    names = query_argument_names()
    assert {"q", "page", "pledge", "next", "url", "lang", "candidate", "theme"} <= names
    auth.login_as(Role.ADMIN)
    failures = []
    for rule in _rules(app, "GET"):
        url = _url(rule)
        for name in sorted(names):
            response = auth.client.get(url, query_string={name: "a\x00b"})
            if response.status_code != 400:
                failures.append((url, name, response.status_code))
        # Other controls (tab, newline, escape...): no query argument is multi-line.
        for bad in ("a\x01b", "a\tb", "a\nb"):
            response = auth.client.get(url, query_string=dict.fromkeys(names, bad))
            if response.status_code != 400:
                failures.append((url, repr(bad), response.status_code))
    assert failures == []


def test_finding_5_nul_in_any_form_field_is_refused(app, auth):
    names = form_field_names(app) - {"csrf_token"}
    assert {"email", "password", "q", "url", "outlet", "name", "current"} - names == {"q"}
    auth.login_as(Role.ADMIN)
    token = auth.csrf_token()
    failures = []
    for rule in _rules(app, "POST"):
        url = _url(rule)
        for name in sorted(names):
            response = auth.client.post(url, data={"csrf_token": token, name: "a\x00b"})
            if response.status_code != 400:
                failures.append((url, name, response.status_code))
    assert failures == []
    # The session survived the sweep (logout refused its NUL too).
    assert auth.client.get("/volunteer/").status_code == 200


def test_finding_5_anonymous_login_with_nul_is_a_400(client):
    token = client.get("/auth/login").get_data(as_text=True)
    response = client.post(
        "/auth/login",
        data={"email": "a\x00@example.org", "password": "x", "csrf_token": token_from(token)},
    )
    assert response.status_code == 400


def test_finding_5_every_text_field_refuses_control_characters(app):
    from views.forms import CONTROL_CHARACTERS

    checked = 0
    with app.test_request_context("/", method="POST"):
        for cls in form_classes():
            for field in cls(meta={"csrf": False}):
                if not isinstance(field, StringField):
                    continue
                multi = isinstance(field, TextAreaField)
                for value, refused in [
                    ("a\x01b", True),
                    ("a\x1bb", True),
                    ("a\tb", not multi),
                    ("a\r\nb", not multi),
                    ("plain", False),
                ]:
                    form = cls(formdata=MultiDict({field.name: value}), meta={"csrf": False})
                    form.validate()
                    errors = [str(e) for e in form[field.short_name].errors]
                    assert (str(CONTROL_CHARACTERS) in errors) == refused, (
                        cls.__name__,
                        field.name,
                        value,
                    )
                checked += 1
    assert checked > 30


def test_finding_5_control_characters_are_a_form_error_on_the_page(auth, client, app_session):
    pledge = make_pledge(app_session)
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    response = client.post(
        f"/volunteer/pledges/{pledge.id}/evidence",
        data={
            "csrf_token": auth.csrf_token(),
            "url": "https://journal.example/a",
            "outlet": "Le\x08 Journal",
            "published_on": "2021-01-01",
            "kind": "press_article",
            "stance": "kept",
            "note": "ligne 1\r\n\tligne 2",
        },
    )
    assert response.status_code == 422
    assert "caractère de contrôle" in response.get_data(as_text=True)


# Each "é" becomes "%C3%A9" once clean_url re-encodes the query: 1,991 characters
# in, about 11,800 out.
EXPANDING_URL = "https://journal.example/a?q=" + "é" * 1963


def test_finding_6_evidence_form_checks_the_length_after_cleaning(auth, client, app_session):
    assert len(EXPANDING_URL) == 1991
    pledge = make_pledge(app_session)
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    response = client.post(
        f"/volunteer/pledges/{pledge.id}/evidence",
        data={
            "csrf_token": auth.csrf_token(),
            "url": EXPANDING_URL,
            "outlet": "Le Journal",
            "published_on": "2021-01-01",
            "kind": "press_article",
            "stance": "kept",
        },
    )
    assert response.status_code == 422
    assert "Le lien est trop long" in response.get_data(as_text=True)


def test_finding_6_pledge_source_url_checks_the_length_after_cleaning(auth, client, app_session):
    pledge = make_pledge(app_session)
    app_session.commit()
    auth.login_as(Role.EDITOR)
    page = client.get(f"/admin/pledges/{pledge.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        f"/admin/pledges/{pledge.id}/edit",
        data={
            "csrf_token": auth.csrf_token(),
            "version": version,
            "title": pledge.title,
            "source_url": EXPANDING_URL,
        },
    )
    assert response.status_code == 422
    assert "Le lien est trop long" in response.get_data(as_text=True)


def test_finding_6_import_checks_the_length_after_cleaning(runner, tmp_path):
    data = {
        "elections": [
            {
                "slug": "ville-2020",
                "name": "Municipales",
                "territory": "Ville",
                "date": "2020-06-28",
                "candidates": [
                    {
                        "slug": "liste-a",
                        "name": "Liste A",
                        "pledges": [{"slug": "p", "title": "Titre", "source_url": EXPANDING_URL}],
                    }
                ],
            }
        ]
    }
    path = tmp_path / "long.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    # The CLI speaks the site's first language (French); the length is the cleaned one.
    assert "source_url: plus de 2000 caractères" in result.stderr


def test_finding_11_large_anonymous_post_gets_a_413_page_without_cookie(client):
    response = client.post(
        "/auth/login",
        data=b"email=" + b"x" * (2 * 1024 * 1024),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.get_data(as_text=True)
    assert 'href="/static/css/site.css' in response.get_data(as_text=True)
    assert response.headers.getlist("Set-Cookie") == []


def test_finding_11_only_the_import_page_accepts_larger_uploads(app, auth, client):
    # Bodies under the test client's 500 kB spooling threshold (no temporary file).
    app.config["MAX_CONTENT_LENGTH"] = 100 * 1024
    auth.login_as(Role.ADMIN)
    token = auth.csrf_token()
    big = b"[" + b" " * (300 * 1024) + b"]"

    def upload(path):
        return client.post(
            path,
            data={"csrf_token": token, "file": (io.BytesIO(big), "big.json")},
            content_type="multipart/form-data",
        )

    assert upload("/admin/import").status_code != 413
    assert upload("/admin/feeds/new").status_code == 413
    app.config["MAX_UPLOAD_BYTES"] = 200 * 1024
    assert upload("/admin/import").status_code == 413


def test_finding_11_only_editors_get_the_import_pages_larger_limit(app, auth, client):
    app.config["MAX_CONTENT_LENGTH"] = 100 * 1024
    big = b"[" + b" " * (300 * 1024) + b"]"

    def upload():
        return client.post(
            "/admin/import",
            data={"file": (io.BytesIO(big), "big.json")},
            content_type="multipart/form-data",
        )

    anonymous = upload()
    assert anonymous.status_code == 413  # refused before the body is read
    assert anonymous.headers.getlist("Set-Cookie") == []
    auth.login_as(Role.VOLUNTEER)
    assert upload().status_code == 413


def test_finding_11_the_import_page_reads_its_limit_from_the_setting(app, auth, client):
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    app.config["MAX_UPLOAD_BYTES"] = 30 * 1024 * 1024
    auth.login_as(Role.EDITOR)
    file = b"[" + b" " * (21 * 1024 * 1024) + b"]"  # over the old fixed 20 MB
    # Encoded in memory: the test client would spool it to a file it never closes.
    fields = MultiDict(
        {"csrf_token": auth.csrf_token(), "file": FileStorage(io.BytesIO(file), "a.json")}
    )
    boundary, body = encode_multipart(fields)
    response = client.post(
        "/admin/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 422  # an empty list is no import file, but it was read
    assert "Fichier trop volumineux" not in response.get_data(as_text=True)


def test_finding_15_editors_do_not_see_account_entries_in_the_audit_log(auth, client, app_session):
    admin = make_user(app_session, Role.ADMIN)
    accounts.create_invitation(
        app_session, email="invitee-secret@example.org", role=Role.EDITOR, actor=admin
    )
    app_session.commit()
    auth.login_as(Role.EDITOR)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "invitee-secret@example.org" not in html
    auth.logout()
    auth.login_as(Role.ADMIN)
    assert "invitee-secret@example.org" in client.get("/admin/audit").get_data(as_text=True)


def test_finding_15_editors_see_who_acted_by_display_name_never_by_email(auth, client, app_session):
    pledge = make_pledge(app_session)
    author = make_user(
        app_session, Role.VOLUNTEER, email="secret.volunteer@example.org", display_name="Alix B."
    )
    nameless = make_user(app_session, Role.VOLUNTEER, email="nameless@example.org", display_name="")
    for actor, url in (
        (author, "https://journal.example/a"),
        (nameless, "https://journal.example/b"),
    ):
        evidence_ops.submit_evidence(
            app_session, pledge, url=url, outlet="Le Journal", published_on=date(2021, 1, 1),
            stance=Stance.KEPT, actor=actor,
        )  # fmt: skip
    app_session.commit()
    auth.login_as(Role.EDITOR)
    for page in ("/admin/audit", f"/admin/pledges/{pledge.id}/audit"):
        html = client.get(page).get_data(as_text=True)
        assert "@example.org" not in html, page
        assert "Alix B." in html
        assert f"compte n° {nameless.id}" in html
    auth.logout()
    auth.login_as(Role.ADMIN)
    assert "secret.volunteer@example.org" in client.get("/admin/audit").get_data(as_text=True)


def _submitted_by_other(app_session, pledge, *, url="https://journal.example/x"):
    author = make_user(app_session, Role.VOLUNTEER, email="autrice@example.org")
    found = evidence_ops.submit_evidence(
        app_session,
        pledge,
        url=url,
        outlet="Le Journal",
        published_on=date(2021, 1, 1),
        stance=Stance.KEPT,
        note="Note de travail confidentielle",
        actor=author,
    )
    app_session.commit()
    return found


def test_finding_16_others_unpublished_evidence_is_not_found(auth, client, app_session):
    pledge = make_pledge(app_session)
    found = _submitted_by_other(app_session, pledge)
    auth.login_as(Role.VOLUNTEER)
    response = client.get(f"/volunteer/evidence/{found.id}")
    assert response.status_code == 404
    assert "Note de travail confidentielle" not in response.get_data(as_text=True)
    # Citing the same link: refused as a duplicate, without a link to the hidden item.
    response = client.post(
        f"/volunteer/pledges/{pledge.id}/evidence",
        data={
            "csrf_token": auth.csrf_token(),
            "url": "https://journal.example/x",
            "outlet": "Le Journal",
            "published_on": "2021-01-01",
            "kind": "press_article",
            "stance": "kept",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Ce lien est déjà cité pour cet engagement." in html
    assert f"/volunteer/evidence/{found.id}" not in html


def test_evidence_stays_visible_to_editors_and_once_published(auth, client, app_session):
    pledge = make_pledge(app_session)
    found = _submitted_by_other(app_session, pledge)
    editor = make_user(app_session, Role.EDITOR)
    auth.login_as(Role.EDITOR)
    assert client.get(f"/volunteer/evidence/{found.id}").status_code == 200
    auth.logout()
    evidence_ops.publish_evidence(app_session, found, actor=editor)
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    assert client.get(f"/volunteer/evidence/{found.id}").status_code == 200
