"""Two ASGI middlewares: a request body limit (413) and an access log that never holds message text."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]

access_logger = logging.getLogger("threatdetect.service.access")


async def _send_json(send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class BodySizeLimit:
    """Answers 413 to a request body over `limit` bytes, before anything parses it.

    A declared Content-Length over the limit is refused at once; a chunked body is read up to the
    limit and then replayed to the app, so no request ever makes the service hold more than `limit`.
    """

    def __init__(self, app, limit: int) -> None:
        self.app = app
        self.limit = limit

    def _too_large(self, size: str) -> dict[str, Any]:
        return {
            "detail": f"request body is {size}; the limit is {self.limit:,} bytes (--max-body-bytes). "
            "Send fewer or shorter messages per request."
        }

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _send_json(send, 413, self._too_large(f"{int(declared):,} bytes"))
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                await _send_json(send, 413, self._too_large(f"over {self.limit:,} bytes"))
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: wait for the disconnect, as servers do
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


class AccessLog:
    """One line per request: method, path, status and milliseconds; no query string, body or client.

    Only the app's own paths are written as they are (`/v1/score`); any other path is logged as
    `<unmatched>`, because a raw path is whatever the client typed, text included.
    """

    def __init__(self, app, paths: frozenset[str]) -> None:
        self.app = app
        self.paths = paths

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            path = scope["path"] if scope["path"] in self.paths else "<unmatched>"
            milliseconds = (time.perf_counter() - started) * 1000
            access_logger.info("%s %s %d %.1f ms", scope["method"], path, status, milliseconds)
