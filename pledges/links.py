"""Link hygiene: tracking parameters removed from every URL we store, and its length bound."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Columns holding URLs are varchar(2000); PostgreSQL refuses anything longer.
MAX_URL_LENGTH = 2000
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "xtor",
        "at_medium",
        "at_campaign",
        "ref_src",
        "s_cid",
    }
)


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def clean_url(url: str) -> str:
    """The URL without tracking parameters (utm_*, fbclid, ...), scheme and host lower-cased.

    A URL too broken to parse (e.g. "http://[::1") comes back as given:
    is_http_url refuses it, and callers validate with that.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(k)
    ]
    return urlunsplit(
        (
            parts.scheme.lower(),
            parts.netloc.lower(),
            parts.path or ("/" if parts.netloc else ""),
            urlencode(query, doseq=True),
            parts.fragment,
        )
    )


def is_http_url(url: str) -> bool:
    """An absolute http(s) URL that parses; anything else is refused."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (raises on a bad port such as ":99999" or ":x")
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def url_problem(cleaned: str) -> str | None:
    """Why a *cleaned* URL cannot be stored ("bad_url", "url_too_long"), or None.

    The length is checked after clean_url: re-encoding the query can make a URL
    several times longer (1,991 characters have become 11,841), so a check on the
    raw input lets too long a value reach the database.
    """
    if not is_http_url(cleaned):
        return "bad_url"
    if len(cleaned) > MAX_URL_LENGTH:
        return "url_too_long"
    return None
