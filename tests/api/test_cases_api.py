"""The REST contract of API.md, over HTTP to the real app."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tests.api.calls import act
from tests.factories import CITY, DISTRICT, HOST, OTHER_DISTRICT, SECTOR_INDUSTRY, filing, open_survey

DW = "/api/v1/programmes/doctoral_workstation"


async def open_case(api, auth, actor=DISTRICT, **kw):
    r = await api.post(f"{DW}/cases", json=open_survey(**kw), headers=auth(actor))
    assert r.status_code == 201, r.text
    return r.json()


async def test_open_get_and_list(api, auth) -> None:
    case = await open_case(api, auth)
    assert case["id"].startswith("dw-140702-") and case["state"] == "surveyed" and case["state_label"] == "摸排"
    assert case["tier"] == "basic_cultivation" and case["version"] == 1
    assert set(case["allowed_actions"]) == {"begin_cultivation"}
    got = await api.get(f"/api/v1/cases/{case['id']}", headers=auth(CITY))
    assert got.status_code == 200 and got.headers["ETag"] == '"1"'
    assert got.json()["allowed_actions"] == []  # the city office has no action in `surveyed`
    listed = (await api.get(f"{DW}/cases", params={"state": "surveyed"}, headers=auth(CITY))).json()
    assert [c["id"] for c in listed["items"]] == [case["id"]]
    assert (await api.get(f"{DW}/cases", params={"state": "filed"}, headers=auth(CITY))).json()["items"] == []


async def test_cursor_paging_newest_first(api, auth) -> None:
    ids = [(await open_case(api, auth))["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await api.get(f"{DW}/cases", params=params, headers=auth(DISTRICT))).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids[::-1]


async def test_auth_401_403_404(api, auth, settings) -> None:
    case = await open_case(api, auth)
    url = f"/api/v1/cases/{case['id']}"
    assert (await api.get(url)).status_code == 401
    assert (await api.get(url, headers={"Authorization": "Bearer nonsense"})).status_code == 401
    expired = jwt.encode({"sub": "x", "role": "city_office", "region": "140700", "iss": settings.jwt_issuer,
                          "aud": settings.jwt_audience, "exp": datetime.now(UTC) - timedelta(minutes=1)},
                         settings.jwt_secret, algorithm="HS256")
    r = await api.get(url, headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    forged = jwt.encode({"sub": "x", "role": "city_office", "region": "140700", "iss": settings.jwt_issuer,
                         "aud": settings.jwt_audience, "exp": datetime.now(UTC) + timedelta(minutes=5)},
                        "another-secret-of-thirty-two-bytes-x", algorithm="HS256")
    assert (await api.get(url, headers={"Authorization": f"Bearer {forged}"})).status_code == 401
    # wrong role for the action: 403, nothing changed
    r = await act(api, auth, case["id"], "begin_cultivation", CITY)
    assert r.status_code == 403 and r.json()["allowed_roles"] == ["district_office", "sector_department"]
    # another region's district: the case does not exist for it
    assert (await api.get(url, headers=auth(OTHER_DISTRICT))).status_code == 404
    assert (await act(api, auth, case["id"], "begin_cultivation", OTHER_DISTRICT)).status_code == 404
    assert (await api.get(f"{url}/history", headers=auth(OTHER_DISTRICT))).status_code == 404
    # the industry department of the same city sees an industry unit's case
    assert (await api.get(url, headers=auth(SECTOR_INDUSTRY))).status_code == 200
    assert (await api.get(url, headers=auth(DISTRICT))).json()["version"] == 1


async def test_409_rule_and_state_shapes(api, auth) -> None:
    case = await open_case(api, auth)
    r = await act(api, auth, case["id"], "submit_filing", HOST, filing())
    body = r.json()
    assert r.status_code == 409 and body["rule"] == "STATE" and body["state"] == "surveyed"
    assert body["available_actions"] == ["withdraw"]  # all the host unit may do in `surveyed`
    assert (await act(api, auth, case["id"], "begin_cultivation", DISTRICT)).status_code == 200
    r = await act(api, auth, case["id"], "submit_filing", HOST, filing(team_size=2))
    body = r.json()
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    assert body["rule"] == "DW-TEAM-SIZE" and body["clause"] == "000 §二(二)"
    assert "3" in body["detail"] and "不少于3名" in body["detail_zh"]
    assert body["type"].endswith("/rules/DW-TEAM-SIZE")
    history = (await api.get(f"/api/v1/cases/{case['id']}/history", headers=auth(CITY))).json()["items"]
    assert [h["action"] for h in history] == ["open_survey", "begin_cultivation"]  # refusals wrote nothing


async def test_422_names_the_field(api, auth) -> None:
    bad = open_survey()
    bad["unit"]["credit_code"] = "91350100M000100Y44"
    r = await api.post(f"{DW}/cases", json=bad, headers=auth(DISTRICT))
    assert r.status_code == 422
    assert any(e["loc"][-1] == "credit_code" for e in r.json()["errors"])
    case = await open_case(api, auth)
    await act(api, auth, case["id"], "begin_cultivation", DISTRICT)
    r = await act(api, auth, case["id"], "submit_filing", HOST, {"team": "three"})
    assert r.status_code == 422 and {e["loc"][-1] for e in r.json()["errors"]} >= {"team", "conditions"}
    assert "Traceback" not in r.text
    assert (await act(api, auth, case["id"], "no_such_action", HOST)).status_code == 404
    assert (await api.get("/api/v1/cases/dw-nope", headers=auth(CITY))).status_code == 404


async def test_text_holding_nul_is_refused_422_naming_it(api, auth) -> None:
    """PostgreSQL cannot store the NUL character: refused at the door on every backend, never a 503 or
    a projection retried for ever."""
    bad = open_survey()
    bad["unit"]["name"] = "晋中\x00公司"
    r = await api.post(f"{DW}/cases", json=bad, headers=auth(DISTRICT))
    assert r.status_code == 422 and [e["loc"] for e in r.json()["errors"]] == [["body", "unit", "name"]]
    r = await api.post(f"{DW}/batches", json={"action": "begin_cultivation", "case_ids": ["dw-\x00"]},
                       headers=auth(DISTRICT))
    assert r.status_code == 422 and [e["loc"] for e in r.json()["errors"]] == [["body", "case_ids"]]
    r = await api.get(f"{DW}/cases", params={"q": "晋中\x00"}, headers=auth(CITY))
    assert r.status_code == 422 and [e["loc"] for e in r.json()["errors"]] == [["query", "q"]]
    r = await api.get("/api/v1/cases/dw-%00", headers=auth(CITY))
    assert r.status_code == 422 and [e["loc"] for e in r.json()["errors"]] == [["path", "case_id"]]
    assert (await api.get(f"{DW}/cases", headers=auth(CITY))).json()["items"] == []


async def test_idempotent_retry_and_key_reuse(api, auth) -> None:
    first = await api.post(f"{DW}/cases", json=open_survey(), headers=auth(DISTRICT, **{"Idempotency-Key": "k-open"}))
    again = await api.post(f"{DW}/cases", json=open_survey(), headers=auth(DISTRICT, **{"Idempotency-Key": "k-open"}))
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    other = open_survey()
    other["intention"] = "另一个意向"
    r = await api.post(f"{DW}/cases", json=other, headers=auth(DISTRICT, **{"Idempotency-Key": "k-open"}))
    assert r.status_code == 422
    case_id = first.json()["id"]
    a = await act(api, auth, case_id, "begin_cultivation", DISTRICT, {"note": "x"}, **{"Idempotency-Key": "k1"})
    b = await act(api, auth, case_id, "begin_cultivation", DISTRICT, {"note": "x"}, **{"Idempotency-Key": "k1"})
    assert a.status_code == b.status_code == 200 and a.json()["version"] == b.json()["version"] == 2
    c = await act(api, auth, case_id, "begin_cultivation", DISTRICT, {"note": "y"}, **{"Idempotency-Key": "k1"})
    assert c.status_code == 422 and c.json()["rule"] == "IDEMPOTENCY_KEY_REUSED"
    history = (await api.get(f"/api/v1/cases/{case_id}/history", headers=auth(CITY))).json()["items"]
    assert [h["seq"] for h in history] == [1, 2]


async def test_if_match(api, auth) -> None:
    case = await open_case(api, auth)
    r = await act(api, auth, case["id"], "begin_cultivation", DISTRICT, **{"If-Match": '"7"'})
    assert r.status_code == 412 and r.json()["version"] == 1
    r = await act(api, auth, case["id"], "begin_cultivation", DISTRICT, **{"If-Match": '"1"'})
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'


async def test_concurrent_same_action_applies_once(api, auth) -> None:
    case = await open_case(api, auth)
    rs = await asyncio.gather(*(act(api, auth, case["id"], "begin_cultivation", DISTRICT) for _ in range(2)))
    assert sorted(r.status_code for r in rs) == [200, 409]
    history = (await api.get(f"/api/v1/cases/{case['id']}/history", headers=auth(CITY))).json()["items"]
    assert [h["action"] for h in history] == ["open_survey", "begin_cultivation"]


@pytest.mark.parametrize("fmt,marker", [("mermaid", "stateDiagram-v2"), ("bpmn", "<bpmn:definitions")])
async def test_programme_and_diagrams(api, auth, fmt, marker) -> None:
    p = (await api.get(DW, headers=auth(CITY))).json()
    assert {s["key"] for s in p["states"]} >= {"surveyed", "filed", "rectifying", "revoked", "withdrawn"}
    submit = next(a for a in p["actions"] if a["key"] == "submit_filing")
    assert {r["id"] for r in submit["rules"]} == {"DW-FIVE-CONDITIONS", "DW-TEAM-SIZE", "DW-NO-AFFILIATION",
                                                   "DW-AGREEMENTS", "DW-LEAD-UNIQUE"}
    assert (await api.get("/api/v1/programmes", headers=auth(CITY))).json()[0]["profiles"]
    r = await api.get(f"{DW}/diagram", params={"format": fmt}, headers=auth(CITY))
    assert r.status_code == 200 and marker in r.text
