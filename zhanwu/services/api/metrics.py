"""Prometheus metrics of the API process, served at `GET /metrics`: request latency by route and
status, and actions by programme, action and outcome (accepted, or refused by which rule). The
worker exports the Temporal SDK's metrics and the deadlines fired on its own endpoint."""

from __future__ import annotations

import time

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Metrics:
    """One registry per app (tests build many apps in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "zhanwu_http_request_duration_seconds", "HTTP request latency", ["method", "route", "status"],
            registry=self.registry, buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.actions = Counter(
            "zhanwu_actions", "actions fired through the API", ["programme", "action", "outcome", "rule"],
            registry=self.registry,
        )
        self.refusals = Counter(
            "zhanwu_access_refusals", "requests refused: 401 (rule TOKEN), 403, 404 for another jurisdiction, 429",
            ["status", "rule"], registry=self.registry,
        )

    def refused(self, status: int, rule: str) -> None:
        self.refusals.labels(str(status), rule).inc()

    def action(self, programme: str, action: str, rule: str | None = None) -> None:
        """Count one action: accepted when `rule` is None, else refused by that rule (or status)."""
        self.actions.labels(programme, action, "refused" if rule else "accepted", rule or "").inc()

    def install(self, app: FastAPI) -> None:
        app.add_middleware(_Timed, metrics=self)

        @app.get("/metrics", include_in_schema=False)
        async def _metrics() -> Response:
            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class _Timed:
    """Each request's latency, labelled with its route's template (not the ids) and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), 500

        async def sent(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sent)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.latency.labels(scope["method"], route, str(status)).observe(time.perf_counter() - started)
