"""Bounds on what one client may ask of an API process, each answered at once as problem+json:
a body over `ZHANWU_MAX_BODY_BYTES` is 413 (by its Content-Length before any of it is read, or once a
chunked body passes the bound), and more than `ZHANWU_RATE_LIMIT` requests a minute under `/api/`
from one token subject (or, without a valid token, one client address) is 429 with Retry-After.
The rate is an in-process token bucket: with API ×N behind a balancer each process keeps its own."""

from __future__ import annotations

import math
import time

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zhanwu.services.api.auth import decode
from zhanwu.services.api.errors import Problem, ProblemWhileReading, problem_response
from zhanwu.services.api.metrics import Metrics
from zhanwu.settings import Settings

MAX_BUCKETS = 10_000  # beyond this, full buckets (the same as none) are dropped


def too_large(most: int) -> Problem:
    return Problem(413, f"the request body exceeds {most} bytes", f"请求内容超过 {most} 字节")


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = Headers(scope=scope).get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await problem_response(too_large(self.max_bytes), {"Connection": "close"})(scope, receive, send)
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise ProblemWhileReading(too_large(self.max_bytes))
            return message

        await self.app(scope, counted, send)


class RateLimit:
    """A token bucket per key: `per_minute` requests at once, then one every 60/`per_minute` s."""

    def __init__(self, app: ASGIApp, settings: Settings, metrics: Metrics) -> None:
        self.app, self.settings, self.metrics = app, settings, metrics
        self.per_minute = settings.rate_limit
        self.buckets: dict[str, tuple[float, float]] = {}  # key → (tokens, at)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.per_minute or not scope["path"].startswith("/api/"):
            return await self.app(scope, receive, send)
        wait = self.take(self.key(scope), time.monotonic())
        if wait:
            self.metrics.refused(429, "RATE")
            p = Problem(429, f"more than {self.per_minute} requests a minute; retry after {wait} s",
                        f"每分钟请求超过 {self.per_minute} 次，请 {wait} 秒后重试")
            return await problem_response(p, {"Retry-After": str(wait)})(scope, receive, send)
        await self.app(scope, receive, send)

    def key(self, scope: Scope) -> str:
        """The token's subject when the token is valid; else the client's address."""
        scheme, _, token = (Headers(scope=scope).get("authorization") or "").partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token:
            try:
                actor = decode(self.settings, token)
            except Problem:
                pass
            else:
                scope.setdefault("state", {})["verified"] = (token, actor)  # authentication takes it as is
                return "sub:" + actor.subject
        client = scope.get("client")
        return "ip:" + (client[0] if client else "-")

    def take(self, key: str, now: float) -> int:
        """Take a token from the key's bucket: 0 if there was one, else the seconds until there is."""
        rate = self.per_minute / 60
        tokens, at = self.buckets.get(key, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - at) * rate)
        if tokens < 1:
            self.buckets[key] = (tokens, now)
            return math.ceil((1 - tokens) / rate)
        if len(self.buckets) >= MAX_BUCKETS:
            self.buckets = {k: (t, a) for k, (t, a) in self.buckets.items() if t + (now - a) * rate < self.per_minute}
        self.buckets[key] = (tokens - 1, now)
        return 0
