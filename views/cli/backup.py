"""`backup FILE` and `restore FILE`: the whole database, for cron and for moving hosts."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask_babel import gettext as _

from pledges.backup import backup_database, restore_database
from pledges.errors import DomainError
from views.error_messages import error_message


def register(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(file: Path) -> None:
        """Write a consistent copy of the whole database to FILE.

        PostgreSQL: pg_dump's custom format (pg_restore reads it); SQLite: a copy of
        the database file made with SQLite's online backup, safe while the site runs.
        """
        try:
            backup_database(current_app.config["DATABASE_URL"], file)
        except DomainError as error:
            raise click.ClickException(f"{file}: {error_message(error)}") from None
        click.echo(_("Sauvegarde écrite dans %(file)s.", file=file))

    @app.cli.command("restore")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def restore_command(file: Path) -> None:
        """Load FILE, made by `backup`, into an empty database (refused if it holds data)."""
        try:
            restore_database(current_app.config["DATABASE_URL"], file)
        except DomainError as error:
            raise click.ClickException(f"{file}: {error_message(error)}") from None
        click.echo(_("Sauvegarde %(file)s restaurée.", file=file))
