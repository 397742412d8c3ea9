"""A declared request body that never arrives is answered 408 after the read timeout (issue 26, item 6): the
connection is not held forever, and the app behind the middleware is never called."""

from __future__ import annotations

import asyncio
from typing import Any

from api.middleware import BodySizeLimit


def _exchange(receive_messages: list[dict[str, Any]] | None, read_timeout_s: float) -> tuple[list[dict[str, Any]],
                                                                                               list[bytes]]:
    """Run the middleware on one POST; ``None`` = the client never sends its body."""
    sent: list[dict[str, Any]] = []
    seen_by_app: list[bytes] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        seen_by_app.append(message["body"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def main() -> None:
        queue = list(receive_messages or [])
        never = asyncio.Event()

        async def receive() -> dict[str, Any]:
            if receive_messages is None:
                await never.wait()
            return queue.pop(0)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/v1/score", "headers": [(b"content-length", b"100")]}
        await BodySizeLimit(app, max_bytes=10_000, read_timeout_s=read_timeout_s)(scope, receive, send)

    asyncio.run(main())
    return sent, seen_by_app


def test_a_body_that_never_arrives_gets_408() -> None:
    sent, seen_by_app = _exchange(None, read_timeout_s=0.2)
    assert sent[0]["status"] == 408
    assert b'"code": "request_timeout"' in sent[1]["body"] and b"not received within 0.2 s" in sent[1]["body"]
    assert seen_by_app == []


def test_a_body_sent_in_pieces_reaches_the_app_whole() -> None:
    pieces = [{"type": "http.request", "body": b"{\"a\":", "more_body": True},
              {"type": "http.request", "body": b" 1}", "more_body": False}]
    sent, seen_by_app = _exchange(pieces, read_timeout_s=5.0)
    assert sent[0]["status"] == 200 and seen_by_app == [b'{"a": 1}']
