"""What every response and request passes through: the body limit, the security headers, and
the check that a form was posted from this site.

- **Body limit.** A body over :data:`MAX_BODY_BYTES` is refused with 413, whether the client
  announces its length or sends it in chunks: the bytes are counted as they are read.
- **Headers.** A Content-Security-Policy that allows scripts and styles from this server only
  (no inline scripts), ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``
  (nothing leaves the site; ``no-referrer`` would make browsers post ``Origin: null``), no
  framing, and ``Cache-Control: no-store`` (pages carry case data; nothing keeps it).
- **Cross-site posts.** Forms carry a token that must equal the one in a ``SameSite=Strict``
  cookie (double submit), and a post that the browser marks as cross-site (``Sec-Fetch-Site``)
  or whose ``Origin`` is another host is refused. The JSON API takes no cookies and only JSON
  bodies, which a cross-site form cannot send.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._errors import msg, render

MAX_BODY_BYTES = 1024 * 1024
CSRF_COOKIE = "res_rules_csrf"
CSRF_FIELD = "_csrf"

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
])

SECURITY_HEADERS: Mapping[str, str] = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


class BodyTooLarge(Exception):
    """Raised inside ``receive`` when a body grows past the limit."""


class LimitBody:
    """ASGI middleware: refuse request bodies over ``limit`` bytes with 413."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(scope, send, self.limit)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await _too_large(scope, send, self.limit)


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    if str(scope.get("path", "")).startswith("/api/"):
        query = parse_qs(bytes(scope.get("query_string", b"")).decode("latin-1"))
        lang = "en" if query.get("lang") == ["en"] else "nl"
        message = render(msg("api.body_too_large", max=limit), lang)
        body = json.dumps({"errors": [{"path": "", "message": message}]},
                          ensure_ascii=False).encode()
        kind = b"application/json"
    else:
        body = (f"<!doctype html><html lang=\"nl\"><title>413</title><h1>413</h1>"
                f"<p>Wat u verstuurde, is groter dan 1 MiB ({limit} bytes).</p>").encode()
        kind = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", kind), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items())]})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """ASGI middleware: the security headers on every response; ``no-store`` on all but the
    static files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.decode().lower() not in SECURITY_HEADERS]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(request: Request) -> tuple[str, bool]:
    """The form token for this browser, and whether it is new (then set it as a cookie)."""
    existing = request.cookies.get(CSRF_COOKIE, "")
    if len(existing) == 43 and existing.replace("-", "").replace("_", "").isalnum():
        return existing, False
    return secrets.token_urlsafe(32), True


def cross_site(request: Request) -> bool:
    """True when the browser says the request comes from another site."""
    if request.headers.get("sec-fetch-site", "same-origin") not in (
            "same-origin", "none", "same-site"):
        return True
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin == "null"
    return urlsplit(origin).netloc != request.headers.get("host", "")


def form_is_genuine(request: Request, submitted: object) -> bool:
    """A posted form is ours: same site, and its token equals the cookie's."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not isinstance(submitted, str) or not cookie or cross_site(request):
        return False
    return hmac.compare_digest(submitted.encode(), cookie.encode())
