"""Pure ASGI middleware: bodies over ``max_body_bytes`` get 413 (declared or streamed), bodies not received
within ``read_timeout_s`` get 408, and security headers on every response."""

from __future__ import annotations

import asyncio
import json
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .compute import ARRIVED
from .errors import BodyTooLarge, error_body


class BodySizeLimit:
    """Read the request body here, with a size limit and a deadline, then hand it to the app in one piece.

    The body is at most ``max_bytes`` (256 kB by default), so holding it is cheap; reading it here means a
    client that declares a body and never sends it (or trickles it) is answered 408 after ``read_timeout_s``
    instead of holding a connection and a thread forever (issue 26).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, read_timeout_s: float = 30.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.read_timeout_s = read_timeout_s

    async def _error(self, send: Send, status: int, payload: dict[str, object]) -> None:
        body = json.dumps(payload).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def _reject(self, send: Send, size: str) -> None:
        exc = BodyTooLarge("body", size, f"{self.max_bytes} bytes", "")
        await self._error(send, 413, error_body(exc.code, exc.message, exc.field))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ARRIVED.set(time.monotonic())  # the request's deadline counts from here (api.compute.deadline)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await self._reject(send, f"{declared} bytes")
                    return
        chunks: list[bytes] = []
        seen = 0
        deadline = time.monotonic() + self.read_timeout_s
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                await self._error(send, 408, error_body(
                    "request_timeout", f"body: not received within {self.read_timeout_s:g} s (the limit for "
                                       f"sending a request body); {seen} bytes arrived", "body"))
                return
            if message["type"] != "http.request":
                await self.app(scope, receive, send)  # client went away: let the app see it
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                await self._reject(send, f"more than {self.max_bytes} bytes")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def inline_hashes(html: str, tag: str) -> list[str]:
    """CSP source expressions ('sha256-...') of the inline <script> or <style> blocks of a page."""
    import base64
    import hashlib
    import re

    blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.S)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'" for b in blocks]


class SecurityHeaders:
    """Adds Content-Security-Policy, X-Content-Type-Options, X-Frame-Options and Referrer-Policy.

    The page's scripts and styles are files served from this origin (/static); any inline block a
    page has is allowed by its hash, nothing else inline, no other origin.  The interactive docs
    (/docs, /redoc) are the same: Swagger UI and ReDoc are vendored files of this origin; only their
    styles may be inline (ReDoc writes <style> elements at run time) and ReDoc's worker is a blob.
    """

    def __init__(self, app: ASGIApp, script_hashes: list[str], style_hashes: list[str]) -> None:
        self.app = app
        script_src = " ".join(["'self'", *script_hashes])
        style_src = " ".join(["'self'", *style_hashes])
        common = ("default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; "
                  "frame-ancestors 'none'; form-action 'self'; ")
        self.csp = common + f"script-src {script_src}; style-src {style_src}"
        self.docs_csp = common + "script-src 'self'; style-src 'self' 'unsafe-inline'; worker-src 'self' blob:"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = str(scope.get("path", "")).startswith(("/docs", "/redoc"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                            (b"referrer-policy", b"no-referrer")]
                csp = self.docs_csp if docs else self.csp
                headers.append((b"content-security-policy", csp.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
