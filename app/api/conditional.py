"""HTTP validators for representations that change only with the data: ETag, Last-Modified and 304 answers.

The data version (a hash of every input file) is the natural validator: same version, same bytes. Clients and
caches revalidate with If-None-Match (preferred) or If-Modified-Since and get 304 Not Modified without a body.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import Response


def strong_etag(*parts: str) -> str:
    """A quoted strong entity tag for the representation identified by `parts` (version, path, format…)."""
    return '"' + hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32] + '"'


def http_date(moment: datetime) -> str:
    """RFC 9110 IMF-fixdate, e.g. `Tue, 10 Jul 2018 09:00:00 GMT`."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def validators(etag: str, last_modified: datetime | None) -> dict[str, str]:
    """The response headers carrying the validators."""
    headers = {"ETag": etag}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified)
    return headers


def is_not_modified(request: Request, etag: str, last_modified: datetime | None) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present; else If-Modified-Since (GET/HEAD only)."""
    if request.method not in ("GET", "HEAD"):
        return False
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since is None or last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified.replace(microsecond=0) <= since


def not_modified(headers: dict[str, str]) -> Response:
    """A 304 carrying the same validators and caching headers as the full response would."""
    kept = {k: v for k, v in headers.items() if k.lower() in ("etag", "last-modified", "cache-control", "vary")}
    return Response(status_code=304, headers=kept)
