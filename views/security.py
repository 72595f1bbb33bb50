"""Security and privacy headers on every response.

The CSP allows nothing inline and nothing from another host: htmx and every
asset are served from static/, and htmx's inline indicator styles are turned
off in the htmx-config meta tag so `style-src 'self'` holds.
"""

from __future__ import annotations

from flask import Flask, Response, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors {frame_ancestors}"
)


def frame_ancestors_for(app: Flask) -> str:
    """Embed routes may be framed (by anyone, or the listed origins); nothing else."""
    if request.blueprint == "embed":
        origins = app.config["EMBED_ALLOWED_ORIGINS"].split()
        return " ".join(origins) if origins else "*"
    return "'none'"


def install_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        ancestors = frame_ancestors_for(app)
        response.headers.setdefault("Content-Security-Policy", CSP.format(frame_ancestors=ancestors))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if ancestors == "'none'":
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        return response
