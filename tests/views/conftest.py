"""View-test helpers: `auth` (login_as(role)), CSRF token helpers, a cheap password hasher."""

from __future__ import annotations

import re

import pytest

from models.enums import Role
from pledges import accounts

PASSWORD = "correct horse battery"
META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
FIELD_TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


@pytest.fixture(autouse=True)
def _cheap_passwords(cheap_hasher):
    """Every view test hashes passwords cheaply (tests/conftest.py)."""


def token_from(html: str) -> str:
    match = META_TOKEN.search(html) or FIELD_TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return next(g for g in match.groups() if g)


class AuthActions:
    def __init__(self, client, app, app_session) -> None:
        self.client = client
        self.app = app
        self.session = app_session
        self.user = None

    def create(self, role: Role | str = Role.VOLUNTEER, email: str | None = None, **kw):
        role = Role(role)
        email = email or f"{role.value}-{len(accounts.list_users(self.session))}@example.org"
        user = accounts.create_user(
            self.session,
            email=email,
            role=role,
            password=kw.pop("password", PASSWORD),
            display_name=kw.pop("display_name", f"{role.value.title()} Test"),
            actor="test",
        )
        self.session.commit()
        return user

    def login_token(self) -> str:
        return token_from(self.client.get("/auth/login").get_data(as_text=True))

    def login(self, email: str, password: str = PASSWORD, *, follow: bool = False):
        token = self.login_token()
        return self.client.post(
            "/auth/login",
            data={"email": email, "password": password, "csrf_token": token},
            follow_redirects=follow,
        )

    def login_as(self, role: Role | str = Role.VOLUNTEER, **kw):
        """Create a user of `role`, log the client in, return the user."""
        user = self.create(role, **kw)
        response = self.login(user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        self.user = user
        return user

    def csrf_token(self) -> str:
        """The token of the logged-in session (from the <meta> every logged-in page carries)."""
        return token_from(self.client.get("/auth/password").get_data(as_text=True))

    def logout(self):
        return self.client.post("/auth/logout", data={"csrf_token": self.csrf_token()})


@pytest.fixture
def auth(client, app, app_session) -> AuthActions:
    return AuthActions(client, app, app_session)
