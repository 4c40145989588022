"""Logs and traces of the API and the worker.

Logs are JSON lines (or text for a terminal), each with the request id, the case id and the
actor's role and region where there is one; never the actor's subject or a payload (personal data)
at info level. Tracing is OpenTelemetry, off by default: a span per HTTP request, and Temporal's
`TracingInterceptor` carrying its context through the update into the workflow and its activities,
so one trace runs from the request to the projection."""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from contextvars import ContextVar
from typing import Any

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.contrib.opentelemetry import TracingInterceptor

from zhanwu.settings import Settings

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
access = logging.getLogger("zhanwu.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                                "logger": record.name, "msg": record.getMessage()}
        if rid := REQUEST_ID.get():
            line["request_id"] = rid
        line |= getattr(record, "fields", {})
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def setup_logging(settings: Settings, component: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if settings.log_format == "json"
                         else logging.Formatter(f"%(asctime)s {component} %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler], force=True)


def tracer(settings: Settings, component: str) -> trace.Tracer | None:
    """The tracer of `component` with the configured exporter (`ZHANWU_OTEL_EXPORTER`), or None when off."""
    exporter: SpanExporter
    match settings.otel_exporter:
        case "console":
            exporter = ConsoleSpanExporter()
        case "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter(endpoint=settings.otel_endpoint or None)
        case _:
            return None
    provider = TracerProvider(resource=Resource.create({"service.name": f"zhanwu-{component}"}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider.get_tracer("zhanwu")


def interceptors(t: trace.Tracer | None) -> list[TracingInterceptor]:
    """For the Temporal client (the worker takes them from its client)."""
    return [TracingInterceptor(t)] if t is not None else []


def install(app: FastAPI, t: trace.Tracer | None) -> None:
    """Per request: an id (`X-Request-Id`, kept or made), a span when tracing, and one access line
    with the route template, status, time, case id and the actor's role and region."""
    app.add_middleware(_Observed, tracer=t)


class _Observed:
    def __init__(self, app: ASGIApp, tracer: trace.Tracer | None) -> None:
        self.app, self.tracer = app, tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        rid = Headers(scope=scope).get("x-request-id", "")[:64] or uuid.uuid4().hex
        token = REQUEST_ID.set(rid)
        started, status, method = time.perf_counter(), 500, scope["method"]

        async def sent(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-Id"] = rid
            await send(message)

        t = self.tracer
        span_cm = t.start_as_current_span("HTTP", kind=trace.SpanKind.SERVER) if t else contextlib.nullcontext()
        with span_cm as span:
            try:
                await self.app(scope, receive, sent)
            finally:
                route = getattr(scope.get("route"), "path", "unmatched")
                fields = {"request_id": rid, "method": method, "route": route, "status": status,
                          "ms": round((time.perf_counter() - started) * 1000, 1),
                          "case_id": scope.get("path_params", {}).get("case_id"),
                          "actor": scope.get("state", {}).get("actor")}
                if span is not None:
                    span.update_name(f"{method} {route}")
                    span.set_attributes({"http.request.method": method, "http.route": route,
                                         "http.response.status_code": status, "zhanwu.request_id": rid}
                                        | ({"zhanwu.case_id": fields["case_id"]} if fields["case_id"] else {}))
                access.info("%s %s %s", method, route, status,
                            extra={"fields": {k: v for k, v in fields.items() if v is not None}})
                REQUEST_ID.reset(token)
