"""Prometheus metrics of the API process, served at `GET /metrics`: request latency by route and
status, and actions by programme, action and outcome (accepted, or refused by which rule). The
worker exports the Temporal SDK's metrics and the deadlines fired on its own endpoint."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest


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
        @app.middleware("http")
        async def _time(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            started, status = time.perf_counter(), 500
            try:
                response = await call_next(request)
                status = response.status_code
                return response
            finally:
                route = getattr(request.scope.get("route"), "path", "unmatched")  # the template, not the ids
                self.latency.labels(request.method, route, str(status)).observe(time.perf_counter() - started)

        @app.get("/metrics", include_in_schema=False)
        async def _metrics() -> Response:
            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
