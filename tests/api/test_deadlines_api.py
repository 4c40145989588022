"""GET /api/v1/deadlines: open deadlines across programmes for supervision 督办, each office
seeing its own jurisdiction, soonest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.calls import act
from tests.api.test_cases_api import open_case
from tests.api.test_postdoc_api import recommended
from tests.factories import CITY, CQ_CITY_OFFICE, CQ_DISTRICT, DISTRICT, HOST, OTHER_DISTRICT, filing

URL = "/api/v1/deadlines"


async def rectifying_dw_case(api, auth) -> str:
    case_id = (await open_case(api, auth))["id"]
    for action, actor, payload in (("begin_cultivation", DISTRICT, None), ("submit_filing", HOST, filing()),
                                   ("recommend", DISTRICT, None), ("approve_filing", CITY, None)):
        assert (await act(api, auth, case_id, action, actor, payload)).status_code == 200
    due = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    r = await act(api, auth, case_id, "issue_rectification", CITY, {"findings": "团队解散", "deadline": due})
    assert r.status_code == 200
    return case_id


async def test_deadlines_across_programmes_by_jurisdiction(api, auth) -> None:
    dw = await rectifying_dw_case(api, auth)
    pd = await recommended(api, auth)
    assert (await act(api, auth, pd, "certify", CQ_CITY_OFFICE, {"batch": "2026年第4批"})).status_code == 200

    jinzhong = (await api.get(URL, headers=auth(CITY))).json()
    assert [(d["case_id"], d["kind"], d["status"], d["state_label"]) for d in jinzhong["items"]] == [
        (dw, "rectification", "pending", "整改中")]
    chongqing = (await api.get(URL, headers=auth(CQ_CITY_OFFICE))).json()["items"]
    assert [(d["case_id"], d["kind"]) for d in chongqing] == [
        (pd, "non_recruitment_window"), (pd, "rectification_year_end")]
    assert chongqing[0]["due_at"].endswith("+08:00") and chongqing[0]["programme"] == "postdoc_workstation"
    assert (await api.get(URL, headers=auth(CQ_DISTRICT))).json()["items"] == chongqing
    assert (await api.get(URL, headers=auth(OTHER_DISTRICT))).json()["items"] == []

    soon = (await api.get(URL, params={"due_before": "2030-06-01"}, headers=auth(CQ_CITY_OFFICE))).json()["items"]
    assert [d["kind"] for d in soon] == ["non_recruitment_window"]
    assert (await api.get(URL, params={"overdue": "true"}, headers=auth(CQ_CITY_OFFICE))).json()["items"] == []
    one = (await api.get(URL, params={"limit": 1}, headers=auth(CQ_CITY_OFFICE))).json()
    rest = (await api.get(URL, params={"cursor": one["next_cursor"]}, headers=auth(CQ_CITY_OFFICE))).json()
    assert [d["kind"] for d in one["items"] + rest["items"]] == ["non_recruitment_window", "rectification_year_end"]
    assert rest["next_cursor"] is None

    assert (await act(api, auth, dw, "submit_rectification", HOST, {"report": "已补充团队"})).status_code == 200
    assert (await api.get(URL, headers=auth(CITY))).json()["items"] == []  # a report is in: nothing open


async def test_bad_queries(api, auth) -> None:
    assert (await api.get(URL)).status_code == 401
    assert (await api.get(URL, params={"programme": "nope"}, headers=auth(CITY))).status_code == 404
    r = await api.get(URL, params={"cursor": "garbage"}, headers=auth(CITY))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "cursor"]
    r = await api.get(URL, params={"region": "14"}, headers=auth(CITY))
    assert r.status_code == 422
