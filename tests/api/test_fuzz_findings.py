"""What the Schemathesis run (tests/fuzz) found, each with the input that showed it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import CITY, DISTRICT


async def test_a_body_that_is_not_utf8_is_a_422_naming_the_body(api: httpx.AsyncClient, auth: Any) -> None:
    # found: POST /api/v1/subscriptions with the bytes 05 ff answered FastAPI's undocumented 400
    for path, actor in (("/api/v1/subscriptions", CITY), ("/api/v1/programmes/doctoral_workstation/cases", DISTRICT)):
        r = await api.post(path, content=b"\x05\xff", headers=auth(actor, **{"Content-Type": "application/json"}))
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"] == [{"loc": ["body"], "msg": "the body is not JSON in UTF-8", "type": "json_invalid"}]


async def test_every_error_status_is_documented_as_problem_json(api: httpx.AsyncClient) -> None:
    doc = (await api.get("/openapi.json")).json()
    act = doc["paths"]["/api/v1/cases/{case_id}/actions/{action}"]["post"]["responses"]
    assert set(act) == {"200", "401", "403", "404", "409", "412", "413", "422", "429", "503"}
    assert act["409"]["content"] == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert doc["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "detail"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]  # FastAPI's 422 shape is not what answers


async def test_redrive_ids_out_of_range_are_a_422_naming_the_id(api: httpx.AsyncClient, auth: Any) -> None:
    # found: POST …/redrive {"ids": [28554441438243885940736]} overflowed the database's integer: a 500
    sub = await api.post("/api/v1/subscriptions", json={"url": "https://oa.example.gov.cn/hook", "secret": "s" * 16},
                         headers=auth(CITY))
    assert sub.status_code == 201, sub.text
    for ids, loc in (([5, 28554441438243885940736], ["body", "ids", 1]), ([-2832], ["body", "ids", 0])):
        r = await api.post(f"/api/v1/subscriptions/{sub.json()['id']}/redrive", json={"ids": ids}, headers=auth(CITY))
        assert r.status_code == 422, r.text
        assert [e["loc"] for e in r.json()["errors"]] == [loc]


async def test_list_cursors_out_of_range_are_a_422_naming_the_cursor(api: httpx.AsyncClient, auth: Any) -> None:
    # found: GET /api/v1/refusals?cursor=171358409266478641829642240 overflowed the database's integer: a 500
    sub = await api.post("/api/v1/subscriptions", json={"url": "https://oa.example.gov.cn/hook", "secret": "s" * 16},
                         headers=auth(CITY))
    assert sub.status_code == 201, sub.text
    for path in ("/api/v1/refusals", f"/api/v1/subscriptions/{sub.json()['id']}/deliveries"):
        r = await api.get(path, params={"cursor": "171358409266478641829642240"}, headers=auth(CITY))
        assert r.status_code == 422, r.text
        assert [e["loc"] for e in r.json()["errors"]] == [["query", "cursor"]]
        assert (await api.get(path, params={"cursor": str(2**63 - 1)}, headers=auth(CITY))).status_code == 200
