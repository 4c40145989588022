"""Observability: one trace from the HTTP request through the Workflow Update to the projection
activity (OpenTelemetry, Temporal's TracingInterceptor), and JSON access logs with the request id,
the case id and the actor's role and region, never the actor's subject."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from tests.api.calls import act
from tests.api.test_cases_api import open_case
from tests.factories import DISTRICT
from zhanwu.services.api.main import create_app
from zhanwu.services.observability import JsonFormatter, interceptors, tracer
from zhanwu.services.store.repository import Store
from zhanwu.services.workers.main import build_worker
from zhanwu.settings import Settings


async def test_one_trace_from_the_request_to_the_projection(env: WorkflowEnvironment, store: Store, settings: Settings,
                                                            auth) -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    t = provider.get_tracer("test")
    client = await Client.connect(env.client.service_client.config.target_host, namespace=env.client.namespace,
                                  data_converter=pydantic_data_converter, interceptors=interceptors(t))
    app = create_app(settings, client=client, store=store, tracer=t)
    async with build_worker(client, store, settings.task_queue), app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://zhanwu.test") as api:
        case_id = (await open_case(api, auth))["id"]
        spans.clear()
        assert (await act(api, auth, case_id, "begin_cultivation", DISTRICT)).status_code == 200
    finished = spans.get_finished_spans()
    request = next(s for s in finished if s.name == "POST /api/v1/cases/{case_id}/actions/{action}")
    assert request.attributes["http.response.status_code"] == 200 and request.attributes["zhanwu.case_id"] == case_id
    named = {s.name: s for s in finished}
    update = named["StartWorkflowUpdate:begin_cultivation"]
    assert update.context.trace_id == request.context.trace_id and update.parent.span_id == request.context.span_id
    # in the workflow the update's span belongs to the case's own trace, linked to the caller's span
    handled = named["HandleUpdate:begin_cultivation"]
    assert [link.context.span_id for link in handled.links] == [update.context.span_id]
    assert {named["StartActivity:project"].context.trace_id, named["RunActivity:project"].context.trace_id} == {
        handled.context.trace_id}


def test_tracing_is_off_unless_an_exporter_is_set() -> None:
    assert tracer(Settings(), "api") is None
    assert tracer(Settings(otel_exporter="console"), "api") is not None
    with pytest.raises(ValueError, match="otel_exporter"):
        Settings(otel_exporter="jaeger")


async def test_access_log_lines_carry_request_and_case_ids_and_no_personal_data(api, auth, caplog) -> None:
    case_id = (await open_case(api, auth))["id"]
    with caplog.at_level(logging.INFO, logger="zhanwu.access"):
        r = await act(api, auth, case_id, "begin_cultivation", DISTRICT, **{"X-Request-Id": "req-abc-123"})
    assert r.headers["X-Request-Id"] == "req-abc-123"
    record = next(rec for rec in caplog.records if rec.name == "zhanwu.access")
    line = json.loads(JsonFormatter().format(record))
    assert line["route"] == "/api/v1/cases/{case_id}/actions/{action}" and line["status"] == 200
    assert line["request_id"] == "req-abc-123" and line["case_id"] == case_id and line["actor"] == "district_office@140702" and line["level"] == "INFO"
    assert DISTRICT.subject not in json.dumps(line)
    generated = (await api.get("/healthz")).headers["X-Request-Id"]
    assert len(generated) == 32
