"""Flask CLI commands: thin wrappers over pledges/ that own the transaction."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from views.cli import backup, data, evidence, feeds, mail, users

    backup.register(app)
    data.register(app)
    evidence.register(app)
    feeds.register(app)
    mail.register(app)
    users.register(app)
