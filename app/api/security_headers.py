"""The query page's Content-Security-Policy: scripts, styles and data from this origin only, nothing inline.

Applied to the page (`/`) and its static files. The page loads no CDN, font, tile server or external API, so the
policy allows 'self' alone; CodeMirror and d3 set styles through the CSSOM, which style-src does not restrict.
"""

from __future__ import annotations

from pathlib import Path

from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
STATIC_PATH = "/static"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    )
)

PAGE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)


def is_page_path(path: str) -> bool:
    """The paths this policy covers: the query page and its static assets."""
    return path == "/" or path == STATIC_PATH or path.startswith(STATIC_PATH + "/")


class PageSecurityHeaders:
    """ASGI middleware adding the policy headers to the responses of the page and its assets."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_page_path(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in PAGE_HEADERS if name not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def static_files() -> StaticFiles:
    """The page's scripts, styles and vendored libraries (mounted at /static)."""
    return StaticFiles(directory=STATIC_DIR)
