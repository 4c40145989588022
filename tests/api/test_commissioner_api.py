"""Commissioners and stations over HTTP: the profiles listed and chosen by region, a scored round of
stations answered with every entry's points, a yangquan round held to 20 % by rank with the tie rule,
and bad rounds refused naming the field before anything is kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from tests.api.calls import act
from tests.factories import (
    BT_CITY_OFFICE,
    CS_HOST,
    YQ_CITY_OFFICE,
    YQ_UNIVERSITY,
    cm_agreement,
    cm_matching,
    cs_application,
    registration,
)
from tests.gateway import until
from zhanwu.schemas.common import Actor, Role
from zhanwu.services.store.repository import Store

CM, CS = "/api/v1/programmes/commissioner", "/api/v1/programmes/commissioner_station"
YQ_FIRMS = ["91140302MA0YQ0001L", "91140302MA0YQ0002P"]


async def test_profiles_are_listed_and_chosen_by_the_case_s_region(api: httpx.AsyncClient, auth: Any) -> None:
    listed = {p["key"]: p for p in (await api.get("/api/v1/programmes", headers=auth(BT_CITY_OFFICE))).json()}
    assert set(listed["commissioner"]["profiles"]) == {"inner_mongolia@1", "yangquan@1"}
    assert listed["commissioner"]["profiles"]["yangquan@1"]["excellent_quota_percent"] == 20
    assert listed["commissioner_station"]["profiles"]["inner_mongolia@1"]["score_sheet"] == "baotou-station@1"
    programme = (await api.get(CM, headers=auth(BT_CITY_OFFICE))).json()
    approve = next(a for a in programme["actions"] if a["key"] == "approve")
    assert [r["id"] for r in approve["rules"]] == ["CM-APPROVER", "CM-QUALIFICATION", "CM-INTEGRITY", "CM-BANNED"]
    person = Actor(subject="yq-001", role=Role.APPLICANT, region="140300")
    reg = registration("yq-001", "master", unit=YQ_UNIVERSITY, region="140300")
    r = await api.post(f"{CM}/cases", json=reg, headers=auth(person))
    assert r.status_code == 201 and r.json()["profile"] == "yangquan@1", r.text
    wrong = await api.post(f"{CM}/cases?profile=inner_mongolia@1", json=reg, headers=auth(person))
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["loc"] == ["query", "profile"]


async def stations(api: httpx.AsyncClient, auth: Any, n: int) -> list[str]:
    codes = ["12150000MB0BT0005E", "91150203MA0BT0001G", "91150203MA0BT0002K"][:n]
    ids = []
    for code in codes:
        host = Actor(subject=code, role=Role.HOST_UNIT, region=CS_HOST.region)
        r = await api.post(f"{CS}/cases", json=cs_application(code), headers=auth(host))
        assert r.status_code == 201, r.text
        for action in ("start_review", "file"):
            assert (await act(api, auth, r.json()["id"], action, BT_CITY_OFFICE, {"note": "同意"})).status_code == 200
        ids.append(r.json()["id"])
    return ids


async def test_a_scored_round_answers_each_entry_s_points(api: httpx.AsyncClient, auth: Any) -> None:
    a, b, c = await stations(api, auth, 3)
    counts = [
        {"commissioners_filed": 30, "rd_guided": 11, "achievements_adopted": 21, "achievements_transferred": 21,
         "planning_helped": 60, "services_given": 60, "rd_institutions": 31, "talents_introduced": 41,
         "high_tech_approved": 7, "reports_on_time": 10},  # 100 + 17 bonus, capped at 100
        {"commissioners_filed": 16, "rd_guided": 6, "achievements_adopted": 11, "achievements_transferred": 9,
         "planning_helped": 41, "services_given": 41, "rd_institutions": 16, "talents_introduced": 21,
         "reports_on_time": 5},  # 65 + 5: qualified at exactly 70
        {"commissioners_filed": 5},  # 2
    ]
    bad = await api.post(f"{CS}/evaluations", headers=auth(BT_CITY_OFFICE), json={"round": "2027", "entries": [
        {"case_id": a, "counts": {"no_such_item": 1}}, {"case_id": b, "result": "excellent"}]})
    assert bad.status_code == 422
    assert {tuple(e["loc"]) for e in bad.json()["errors"]} == {
        ("body", "entries", 0, "counts", "no_such_item"), ("body", "entries", 1, "counts"),
        ("body", "entries", 1, "result")}
    r = await api.post(f"{CS}/evaluations", headers=auth(BT_CITY_OFFICE), json={"round": "2027", "entries": [
        {"case_id": x, "counts": k} for x, k in zip((a, b, c), counts, strict=True)]})
    assert r.status_code == 201, r.text
    items = r.json()["items"]
    assert [(i["result"], i["score"]) for i in items] == [("excellent", 100), ("qualified", 70), ("unqualified", 2)]
    assert items[1]["points"] == {"commissioners_filed": 8, "rd_guided": 6, "achievements_adopted": 6,
                                  "achievements_transferred": 12, "planning_helped": 6, "services_given": 7,
                                  "rd_institutions": 10, "talents_introduced": 10, "high_tech_approved": 0,
                                  "reports_on_time": 5}
    assert [i["case"]["state"] for i in items] == ["filed", "filed", "rectifying"]
    assert r.json()["figures"]["score_sheet"] == "baotou-station@1"
    again = await api.get(r.headers["Location"], headers=auth(BT_CITY_OFFICE))
    assert [i["points"] for i in again.json()["items"]] == [i["points"] for i in items]


async def serving_in_yangquan(api: httpx.AsyncClient, auth: Any, env: WorkflowEnvironment, store: Store,
                              n: int) -> list[str]:
    ids = []
    for i in range(n):
        person = Actor(subject=f"yq-{i:03d}", role=Role.APPLICANT, region="140300")
        r = await api.post(f"{CM}/cases", json=registration(person.subject, "master", unit=YQ_UNIVERSITY,
                                                            region="140300"), headers=auth(person))
        assert r.status_code == 201, r.text
        case_id = r.json()["id"]
        for action, payload in (("approve", {"note": "同意"}), ("match", cm_matching(YQ_FIRMS[0], region="140302")),
                                ("start_public_notice", {})):
            assert (await act(api, auth, case_id, action, YQ_CITY_OFFICE, payload)).status_code == 200
        ids.append(case_id)
    await env.sleep(timedelta(days=12))  # past 5 working days
    for i, case_id in enumerate(ids):
        await until(store, case_id, lambda c: c.state == "appointed")
        for who in (Actor(subject=YQ_UNIVERSITY, role=Role.DISPATCHING_UNIT, region="140300"),
                    Actor(subject=YQ_FIRMS[0], role=Role.HOST_UNIT, region="140300"),
                    Actor(subject=f"yq-{i:03d}", role=Role.APPLICANT, region="140300")):
            r = await act(api, auth, case_id, "sign_agreement", who, cm_agreement())
            assert r.status_code == 200, r.text
    return ids


async def test_yangquan_holds_excellent_to_20_percent_by_rank_with_the_tie_rule(
    api: httpx.AsyncClient, auth: Any, env: WorkflowEnvironment, store: Store
) -> None:
    ids = await serving_in_yangquan(api, auth, env, store, 5)  # 20 % of 5: one excellent
    unranked = [{"case_id": c, "result": r} for c, r in zip(ids, ["excellent", "excellent", "qualified", "qualified",
                                                                   "qualified"], strict=True)]
    refused = await api.post(f"{CM}/evaluations", headers=auth(YQ_CITY_OFFICE), json={"round": "2027a",
                                                                                         "entries": unranked})
    assert refused.status_code == 409, refused.text
    assert refused.json()["rule"] == "CM-EXCELLENT-QUOTA"
    assert refused.json()["allowed"] == 1 and refused.json()["clause"] == "004 第十八条"
    assert (await api.get(f"{CM}/evaluations/ev-cm-140300-2027a", headers=auth(YQ_CITY_OFFICE))).status_code == 404
    ranked = [{"case_id": c, "result": r, "score": s} for c, r, s in zip(
        ids, ["excellent", "excellent", "excellent", "qualified", "unqualified"], [95, 92, 92, 80, 40], strict=True)]
    r = await api.post(f"{CM}/evaluations", headers=auth(YQ_CITY_OFFICE), json={"round": "2027", "entries": ranked})
    assert r.status_code == 201, r.text
    items = r.json()["items"]
    assert [(i["result"], i["demoted_by"]) for i in items] == [
        ("excellent", None), ("qualified", "CM-EXCELLENT-QUOTA"), ("qualified", "CM-EXCELLENT-QUOTA"),
        ("qualified", None), ("unqualified", None)]
    assert r.json()["figures"]["quotas"][0] == {"rule": "CM-EXCELLENT-QUOTA", "clause": "004 第十八条",
                                                     "result": "excellent", "percent": 20, "allowed": 1, "held": 2}
    assert [i["case"]["state"] for i in items] == ["in_service"] * 4 + ["disqualified"]
