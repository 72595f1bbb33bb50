"""Every state-changing route, generated from the URL map: CSRF, anonymous and role refusals.

A route added later is covered automatically; one whose required role is
unknown (no protect_blueprint, no @requires) fails the first test.
"""

import pytest
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from app import create_app
from models.enums import Role
from views.auth import ANONYMOUS_ENDPOINTS, required_role

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_EXEMPT_BLUEPRINTS = {"api", "embed"}


def _rules() -> list[Rule]:
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "x"})
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.methods & STATE_CHANGING
        and rule.endpoint not in ANONYMOUS_ENDPOINTS
        and rule.endpoint.partition(".")[0] not in CSRF_EXEMPT_BLUEPRINTS
    ]


RULES = _rules()
IDS = [f"{r.endpoint}:{sorted(r.methods & STATE_CHANGING)[0]}" for r in RULES]


def _url(rule: Rule) -> str:
    values = {
        arg: 1 if isinstance(rule._converters[arg], NumberConverter) else "x"
        for arg in rule.arguments
    }
    return rule.build(values, append_unknown=False)[1]


def _method(rule: Rule) -> str:
    return sorted(rule.methods & STATE_CHANGING)[0]


def test_there_are_state_changing_routes_to_check():
    assert len(RULES) >= 12
    endpoints = {r.endpoint for r in RULES}
    assert {
        "volunteer.review_suggestion",
        "admin.ruling",
        "admin.invite",
        "auth.logout",
    } <= endpoints


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_every_state_changing_route_declares_a_role(app, rule):
    with app.test_request_context():
        assert required_role(rule.endpoint) is not None, f"{rule.endpoint} needs no role"


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_refused_without_csrf_token(auth, client, rule):
    auth.login_as(Role.ADMIN)
    response = client.open(_url(rule), method=_method(rule), data={"x": "1"})
    assert response.status_code == 400


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_refused_with_a_forged_csrf_token(auth, client, rule):
    auth.login_as(Role.ADMIN)
    response = client.open(
        _url(rule),
        method=_method(rule),
        headers={"X-CSRFToken": "forged"},
        data={"csrf_token": "forged"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_refused_when_anonymous(auth, client, rule):
    # A valid token of an anonymous session (from the login page): only the login is missing.
    token = auth.login_token()
    response = client.open(_url(rule), method=_method(rule), data={"csrf_token": token})
    assert response.status_code in {302, 401, 403}
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/auth/login")
    htmx = client.open(
        _url(rule), method=_method(rule), data={"csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code in {401, 403}


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_refused_for_every_role_below_the_required_one(app, auth, client, rule):
    with app.test_request_context():
        needed = required_role(rule.endpoint)
    below = [role for role in Role if not role.at_least(needed)]
    for role in below:
        auth.login_as(role)
        token = auth.csrf_token()
        response = client.open(_url(rule), method=_method(rule), data={"csrf_token": token})
        assert response.status_code == 403, (role, response.status_code)
        auth.logout()


def test_read_pages_of_protected_blueprints_are_refused_too(auth, client, app):
    with app.test_request_context():
        rules = [
            r
            for r in app.url_map.iter_rules()
            if "GET" in r.methods and r.endpoint.split(".")[0] in {"volunteer", "admin"}
        ]
        needed = {r.endpoint: required_role(r.endpoint) for r in rules}
    assert rules
    for rule in rules:
        response = client.get(_url(rule))
        assert response.status_code == 302, rule.endpoint
    auth.login_as(Role.VOLUNTEER)
    for rule in rules:
        status = client.get(_url(rule)).status_code
        if needed[rule.endpoint].at_least(Role.EDITOR):
            assert status == 403, rule.endpoint
        else:
            assert status in {200, 404}, rule.endpoint


def test_no_route_can_edit_or_delete_audit_entries(app):
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule or "audit" in rule.endpoint:
            assert not (rule.methods & STATE_CHANGING), rule
