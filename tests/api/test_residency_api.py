"""doctoral_residency over HTTP: the programme's evaluation campaign as data, and one round of ten
doctors: the 30 % quota refused with its figures (nothing changed), accepted at three, retried
without applying twice, other results for the round refused; who may run and read a round."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.api.calls import act
from tests.factories import (
    DR_CITY_OFFICE,
    DR_DISTRICT,
    DR_HOST,
    DR_OTHER_DISTRICT,
    agreement,
    dr_doctor,
    matching,
)
from tests.unit import test_doctoral_residency_rules as rules
from zhanwu.schemas.common import AuditEvent, Projection
from zhanwu.schemas.evaluations import EvaluationRequest
from zhanwu.services.api.errors import Problem
from zhanwu.services.api.evaluations import evaluate
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.repository import Store
from zhanwu.workflows.doctoral_residency.machine import LIFECYCLE

DR = "/api/v1/programmes/doctoral_residency"


async def resident(api, auth, n: int) -> str:
    r = await api.post(f"{DR}/cases", json=matching(f"doctor-{n:02d}"), headers=auth(DR_DISTRICT))
    assert r.status_code == 201, r.text
    case_id = r.json()["id"]
    for action, actor, payload in [("sign_agreement", DR_HOST, agreement()), ("file_agreement", DR_DISTRICT, {}),
                                   ("start_residency", DR_HOST, {"position": "vice_president_technology"})]:
        assert (await act(api, auth, case_id, action, actor, payload)).status_code == 200
    return case_id


async def awaiting_evaluation(api, auth, env: WorkflowEnvironment, store: Store, count: int) -> list[str]:
    ids = [await resident(api, auth, n) for n in range(count)]
    await env.sleep(timedelta(days=370))
    for _ in range(200):
        cases = [await store.get_case(c) for c in ids]
        if all(c and c.data["evaluations"][0]["status"] == "outstanding" for c in cases):
            return ids
        await asyncio.sleep(0.05)
    raise AssertionError("the evaluations never came due")


def round_of(ids: list[str], excellent: int, poor: int = 0, name: str = "2027") -> dict:
    results = ["excellent"] * excellent + ["poor"] * poor
    results += ["competent"] * (len(ids) - len(results))
    return {"round": name, "entries": [{"case_id": c, "result": r} for c, r in zip(ids, results, strict=True)]}


async def test_the_programme_declares_its_campaign_quota_and_branch(api, auth) -> None:
    body = (await api.get(DR, headers=auth(DR_DISTRICT))).json()
    assert body["evaluation"]["action"] == "record_annual_evaluation"
    assert [r["key"] for r in body["evaluation"]["results"]] == ["excellent", "competent", "poor"]
    assert body["evaluation"]["quotas"][0]["id"] == "DR-EXCELLENT-QUOTA"
    assert body["profiles"]["pingdingshan-hitech@1"]["excellent_quota_percent"] == 30
    record = next(a for a in body["actions"] if a["key"] == "record_annual_evaluation")
    assert record["campaign_only"] and record["branches"] == [
        {"dest": "under_warning", "when": "评价为履职不到位：约谈", "when_en": "a poor result: interview"}]


async def test_a_round_of_ten_holds_excellent_to_three(api, auth, env: WorkflowEnvironment, store: Store) -> None:
    ids = await awaiting_evaluation(api, auth, env, store, 10)
    before = [(await store.get_case(c)).version for c in ids]

    r = await api.post(f"{DR}/evaluations", json=round_of(ids, excellent=4), headers=auth(DR_DISTRICT))
    body = r.json()
    assert r.status_code == 409 and (body["rule"], body["clause"]) == ("DR-EXCELLENT-QUOTA", "001 第十六条")
    assert (body["evaluated"], body["excellent"], body["allowed"], body["percent"]) == (10, 4, 3, 30)
    assert "10人中至多3人" in body["detail_zh"]
    assert [(await store.get_case(c)).version for c in ids] == before
    assert (await api.get(f"{DR}/evaluations/ev-dr-410471-2027", headers=auth(DR_DISTRICT))).status_code == 404

    r = await api.post(f"{DR}/evaluations", json=round_of(ids, excellent=3, poor=1), headers=auth(DR_DISTRICT))
    assert r.status_code == 201, r.text
    answer = r.json()
    assert r.headers["location"] == f"{DR}/evaluations/ev-dr-410471-2027"
    assert answer["recorded"] == 10 and answer["figures"]["results"] == {"excellent": 3, "competent": 6, "poor": 1}
    assert answer["figures"]["quotas"][0]["allowed"] == 3
    states = [i["case"]["state"] for i in answer["items"]]
    assert states == ["in_residence"] * 3 + ["under_warning"] + ["in_residence"] * 6
    assert [len(i["case"]["data"].get("rewards", [])) for i in answer["items"]] == [1, 1, 1] + [0] * 7

    again = await api.post(f"{DR}/evaluations", json=round_of(ids, excellent=3, poor=1), headers=auth(DR_DISTRICT))
    assert again.status_code == 201 and [i["outcome"] for i in again.json()["items"]] == ["recorded"] * 10
    for c in ids:
        assert [h.action for h in await store.history(c)].count("record_annual_evaluation") == 1

    other = await api.post(f"{DR}/evaluations", json=round_of(ids, excellent=0), headers=auth(DR_DISTRICT))
    assert other.status_code == 409 and other.json()["rule"] == "EVALUATION-ROUND"

    read = (await api.get(f"{DR}/evaluations/ev-dr-410471-2027", headers=auth(DR_CITY_OFFICE))).json()
    assert read["recorded"] == 10 and read["round"] == "2027" and read["by_role"] == "district_office"
    assert [i["result"] for i in read["items"]][:4] == ["excellent"] * 3 + ["poor"]
    hidden = await api.get(f"{DR}/evaluations/ev-dr-410471-2027", headers=auth(DR_OTHER_DISTRICT))
    assert hidden.status_code == 404


async def test_bad_rounds_are_refused_before_anything_is_kept(api, auth, env: WorkflowEnvironment, store: Store) -> None:
    ids = await awaiting_evaluation(api, auth, env, store, 2)
    r = await api.post(f"{DR}/evaluations", json=round_of(ids, 0) | {"entries": [
        {"case_id": ids[0], "result": "competent"}, {"case_id": ids[1], "result": "outstanding"}]}, headers=auth(DR_DISTRICT))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "entries", 1, "result"]
    r = await api.post(f"{DR}/evaluations", json={"round": "2027", "entries": [{"case_id": ids[0], "result": "poor"}] * 2},
                       headers=auth(DR_DISTRICT))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][:2] == ["body", "entries"]
    r = await api.post(f"{DR}/evaluations", json=round_of(ids, 0), headers=auth(DR_HOST))
    assert r.status_code == 403
    r = await api.post(f"{DR}/evaluations", json=round_of([*ids, "dr-410471-2026-9999"], 0), headers=auth(DR_DISTRICT))
    assert r.status_code == 404 and (r.json()["entry"], r.json()["case_id"]) == (2, "dr-410471-2026-9999")
    r = await api.post(f"{DR}/evaluations", json=round_of(ids, 0), headers=auth(DR_OTHER_DISTRICT))
    assert r.status_code == 404 and r.json()["entry"] == 0
    r = await act(api, auth, ids[0], "record_annual_evaluation", DR_DISTRICT, {"result": "competent", "round": "2027"})
    assert r.status_code == 409 and r.json()["rule"] == "EVALUATION-CAMPAIGN"
    r = await api.post("/api/v1/programmes/postdoc_workstation/evaluations", json=round_of(ids, 0), headers=auth(DR_DISTRICT))
    assert r.status_code == 404
    assert (await api.get(f"{DR}/evaluations/ev-dr-410471-2027", headers=auth(DR_DISTRICT))).status_code == 404
    assert [(await store.get_case(c)).data["evaluations"][0]["status"] for c in ids] == ["outstanding"] * 2


async def test_a_doctor_reports_over_http_and_sees_the_overdue_item(api, auth, env: WorkflowEnvironment, store: Store) -> None:
    case_id = await resident(api, auth, 1)
    await env.sleep(timedelta(days=100))  # the first quarter passed without a report
    for _ in range(200):
        case = (await api.get(f"/api/v1/cases/{case_id}", headers=auth(dr_doctor("doctor-01")))).json()
        if case["data"]["reports"][0]["status"] == "outstanding":
            break
        await asyncio.sleep(0.05)
    # the API reads "overdue" against the wall clock, which the time-skipping server has left behind:
    # what is checked here is that the missed quarter stays listed beside the next one
    first, second = case["data"]["reports"][:2]
    reports = [d["due_at"] for d in case["deadlines"] if d["kind"] == "quarterly_report"]
    assert [datetime.fromisoformat(d) for d in reports] == [datetime.fromisoformat(r["due_at"]) for r in (first, second)]
    assert "submit_quarterly_report" in case["allowed_actions"]
    listed = (await api.get("/api/v1/deadlines", params={"programme": "doctoral_residency"}, headers=auth(DR_DISTRICT))).json()
    assert [i["kind"] for i in listed["items"]][:2] == ["quarterly_report"] * 2
    r = await act(api, auth, case_id, "submit_quarterly_report", dr_doctor("doctor-01"), {"report": "迟报：完成中试"})
    assert r.status_code == 200 and r.json()["data"]["reports"][0]["late"] is True
    other = await act(api, auth, case_id, "submit_quarterly_report", dr_doctor("doctor-02"), {"report": "冒名"})
    assert other.status_code == 404


async def test_a_round_mixing_policy_profiles_is_refused_before_anything_is_kept(store: Store) -> None:
    """A round applies one profile's quota: cases opened under two versions cannot share it. (Served
    from the store alone: the refusal comes before anything reaches Temporal.)"""
    lc = replace(LIFECYCLE, profiles=LIFECYCLE.profiles | {"pingdingshan-hitech@2": rules.PROFILE})
    awaited = rules.D.act(rules.resident(), "evaluation_due", rules.month(12))
    ids = []
    for n, profile in enumerate(lc.profiles, 1):
        case = awaited.model_copy(update={"id": f"dr-410471-2026-{n:04d}", "profile": profile})
        event = AuditEvent(case_id=case.id, programme=case.programme, seq=case.version, at=case.updated_at,
                           actor=DR_DISTRICT, action="evaluation_due", from_state=case.state, to_state=case.state)
        assert await store.project(Projection(snapshot=case, event=event))
        ids.append(case.id)
    req = EvaluationRequest.model_validate(round_of(ids, excellent=0))
    with pytest.raises(Problem) as mixed:
        await evaluate(Gateway(None, store, "unused", 1), lc, DR_DISTRICT, req)  # type: ignore[arg-type]
    assert mixed.value.status == 409 and mixed.value.extra == {
        "rule": "EVALUATION-PROFILE", "profiles": ["pingdingshan-hitech@1", "pingdingshan-hitech@2"]}
    assert await store.get_evaluation("ev-dr-410471-2027") is None
