"""postdoc_workstation over HTTP: profiles chosen at opening, rule refusals, deadlines on the case,
Chongqing's city-wide lists, and certification in batches."""

from __future__ import annotations

from tests.api.calls import act
from tests.factories import (
    BASIC,
    CQ_CITY_OFFICE,
    CQ_DISTRICT,
    CQ_OTHER_DISTRICT,
    application,
    pd_host,
    pd_unit,
)

PD = "/api/v1/programmes/postdoc_workstation"
CODES = ["91500106MA5U7G1X2C", "91500106MA5U7G1X4J", "91500106MA5U7G1X6Q"]


async def opened(api, auth, code=CODES[0], **params) -> dict:
    r = await api.post(f"{PD}/cases", json=pd_unit(code), params=params, headers=auth(pd_host(code)))
    assert r.status_code == 201, r.text
    return r.json()


async def recommended(api, auth, code=CODES[0]) -> str:
    case_id = (await opened(api, auth, code))["id"]
    assert (await act(api, auth, case_id, "submit_application", pd_host(code), application())).status_code == 200
    assert (await act(api, auth, case_id, "district_recommend", CQ_DISTRICT)).status_code == 200
    return case_id


async def batch(api, auth, actor, case_ids, action="certify", payload=None, **headers):
    body = {"action": action, "case_ids": case_ids, "payload": {"batch": "2026年第4批"} if payload is None else payload}
    return await api.post(f"{PD}/batches", json=body, headers=auth(actor, **headers))


async def test_programme_lists_both_profiles_and_a_case_records_the_one_chosen(api, auth) -> None:
    listed = {p["key"]: p for p in (await api.get("/api/v1/programmes", headers=auth(CQ_CITY_OFFICE))).json()}
    assert set(listed["postdoc_workstation"]["profiles"]) == {"chongqing@1", "chongqing-calendar@1"}
    case = await opened(api, auth, profile="chongqing-calendar@1")
    assert case["id"].startswith("pd-500106-") and case["state_label"] == "草稿"
    assert case["profile"] == "chongqing-calendar@1"
    r = await api.post(f"{PD}/cases", json=pd_unit(CODES[1]), params={"profile": "beijing@1"}, headers=auth(pd_host(CODES[1])))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "profile"]


async def test_submission_refused_names_rule_clause_and_missing_conditions(api, auth) -> None:
    case_id = (await opened(api, auth))["id"]
    r = await act(api, auth, case_id, "submit_application", pd_host(CODES[0]), application(basic=BASIC[:5]))
    body = r.json()
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    assert (body["rule"], body["clause"], body["not_met"]) == ("PD-BASIC", "002 §一(一)1-6", ["management"])
    assert "博士后工作管理办法" in body["detail_zh"]
    case = (await api.get(f"/api/v1/cases/{case_id}", headers=auth(CQ_DISTRICT))).json()
    assert case["state"] == "draft" and case["version"] == 1


async def test_certified_case_shows_its_window_deadlines_and_city_lists_cover_the_municipality(api, auth) -> None:
    case_id = await recommended(api, auth)
    r = await act(api, auth, case_id, "certify", CQ_CITY_OFFICE, {"batch": "2026年第4批"})
    case = r.json()
    assert case["state"] == "certified"
    assert case["allowed_actions"] == ["deregister", "extend_deadline", "suspend_deadline", "resume_deadline"]
    assert [(d["kind"], d["label"], d["status"]) for d in case["deadlines"]] == [
        ("non_recruitment_window", "连续未招收满三年（进入整改期）", "pending"),
        ("rectification_year_end", "整改期届满（仍未招收则注销）", "pending"),
    ]
    host_view = (await api.get(f"/api/v1/cases/{case_id}", headers=auth(pd_host(CODES[0])))).json()
    assert host_view["allowed_actions"] == ["record_recruitment"]
    city = (await api.get(f"{PD}/cases", params={"region": "500000"}, headers=auth(CQ_CITY_OFFICE))).json()
    assert [c["id"] for c in city["items"]] == [case_id]
    assert (await api.get(f"{PD}/cases", headers=auth(CQ_OTHER_DISTRICT))).json()["items"] == []


async def test_batch_certification_answers_per_case_and_is_idempotent(api, auth) -> None:
    ready = [await recommended(api, auth, code) for code in CODES[:2]]
    draft = (await opened(api, auth, CODES[2]))["id"]
    r = await batch(api, auth, CQ_CITY_OFFICE, [ready[0], draft, ready[1]], **{"Idempotency-Key": "cq-2026-4"})
    body = r.json()
    assert r.status_code == 200 and (body["applied"], body["refused"]) == (2, 1)
    assert [i["status"] for i in body["items"]] == [200, 409, 200]
    assert body["items"][1]["problem"]["rule"] == "STATE" and body["items"][1]["case"] is None
    assert body["items"][0]["case"]["data"]["certification"]["batch"] == "2026年第4批"
    again = (await batch(api, auth, CQ_CITY_OFFICE, [ready[0], draft, ready[1]], **{"Idempotency-Key": "cq-2026-4"})).json()
    assert again == body
    history = (await api.get(f"/api/v1/cases/{ready[0]}/history", headers=auth(CQ_CITY_OFFICE))).json()["items"]
    assert [h["action"] for h in history].count("certify") == 1


async def test_batch_refusals_roles_jurisdiction_and_bad_bodies(api, auth) -> None:
    case_id = await recommended(api, auth)
    assert [i["status"] for i in (await batch(api, auth, CQ_DISTRICT, [case_id])).json()["items"]] == [403]
    other = (await batch(api, auth, CQ_OTHER_DISTRICT, [case_id], action="reject", payload={"reason": "x"})).json()
    assert [i["status"] for i in other["items"]] == [404]
    missing = (await batch(api, auth, CQ_CITY_OFFICE, [case_id], payload={})).json()["items"][0]
    assert missing["status"] == 422 and missing["problem"]["errors"][0]["loc"] == ["body", "batch"]
    r = await batch(api, auth, CQ_CITY_OFFICE, [case_id], action="create_application")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "action"]
    r = await batch(api, auth, CQ_CITY_OFFICE, [case_id, case_id])
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][:2] == ["body", "case_ids"]
    r = await batch(api, auth, CQ_CITY_OFFICE, [])
    assert r.status_code == 422
    assert (await api.get(f"/api/v1/cases/{case_id}", headers=auth(CQ_CITY_OFFICE))).json()["version"] == 3
