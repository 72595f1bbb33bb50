"""404 and 500 pages in the site's look."""

from flask import Flask


def register(app: Flask) -> None:
    pass
