"""`users create EMAIL --role ROLE [--password]`, `users list --json`, `users disable EMAIL`.

Thin wrappers over pledges.accounts that own the transaction. Without
--password, the password is read from standard input (never echoed; a
password on the command line lands in the shell history).
"""

from __future__ import annotations

import json
import sys

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlmodel import Session

from models.enums import Role
from pledges import accounts
from views.database import get_engine
from views.error_messages import error_message

users = AppGroup("users", help="Accounts: create, list, disable.")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users.command("create")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    required=True,
    help="volunteer, editor or admin",
)
@click.option("--password", help="The password (else read from standard input).")
@click.option("--name", "display_name", default="", help="Display name.")
def create(email: str, role: str, password: str | None, display_name: str) -> None:
    """Create an active account."""
    if password is None:
        password = _read_password()
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            user = accounts.create_user(
                session,
                email=email,
                role=Role(role),
                password=password,
                display_name=display_name,
                actor="cli",
            )
        except accounts.AccountError as error:
            session.rollback()
            # This command speaks English (its help and output): the table's English text.
            with force_locale("en"):
                raise click.ClickException(error_message(error)) from None
        session.commit()
        click.echo(f"Created {user.email} ({user.role.value}).")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array of accounts.")
def list_users(as_json: bool) -> None:
    """Every account: email, display name, role, active, created and last login times."""
    with Session(get_engine()) as session:
        rows = [
            {
                "id": u.id,
                "email": u.email,
                "display_name": u.display_name,
                "role": u.role.value,
                "active": u.active,
                "created_at": u.created_at.isoformat(),
                "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
            }
            for u in accounts.list_users(session)
        ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        state = "active" if row["active"] else "disabled"
        click.echo(f"{row['email']}\t{row['role']}\t{state}\t{row['display_name']}")


@users.command("disable")
@click.argument("email")
def disable(email: str) -> None:
    """Disable an account: it can no longer log in, and its open sessions end."""
    with Session(get_engine(), expire_on_commit=False) as session:
        user = accounts.get_user_by_email(session, email)
        if user is None:
            raise click.ClickException(f"No account with email {email}.")
        accounts.disable_user(session, user, actor="cli")
        session.commit()
        click.echo(f"Disabled {user.email}.")


def register(app: Flask) -> None:
    app.cli.add_command(users)
