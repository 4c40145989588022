"""GET /api/v1/deadlines: open deadlines across programmes for supervision 督办, each office
seeing its own jurisdiction, soonest first."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from tests.api.calls import act
from tests.api.test_cases_api import open_case
from tests.api.test_postdoc_api import recommended
from tests.factories import CITY, CQ_CITY_OFFICE, CQ_DISTRICT, DISTRICT, HOST, LEAD, OTHER_DISTRICT, filing
from zhanwu.services.api import gateway
from zhanwu.workflows.common.calendar import CALENDARS, CURRENT, SHANGHAI, end_of_day

URL = "/api/v1/deadlines"


async def filed_dw_case(api, auth, lead: str = LEAD) -> str:
    case_id = (await open_case(api, auth))["id"]
    for action, actor, payload in (("begin_cultivation", DISTRICT, None), ("submit_filing", HOST, filing(lead_id=lead)),
                                   ("recommend", DISTRICT, None), ("approve_filing", CITY, None)):
        r = await act(api, auth, case_id, action, actor, payload)
        assert r.status_code == 200, r.text
    return case_id


async def rectify(api, auth, case_id: str, deadline: str) -> dict:
    r = await act(api, auth, case_id, "issue_rectification", CITY, {"findings": "团队解散", "deadline": deadline})
    assert r.status_code == 200, r.text
    return r.json()


async def rectifying_dw_case(api, auth) -> str:
    case_id = await filed_dw_case(api, auth)
    await rectify(api, auth, case_id, (datetime.now(UTC) + timedelta(days=30)).isoformat())
    return case_id


async def test_a_running_case_keeps_its_calendar_when_a_new_one_is_installed(api, auth, monkeypatch) -> None:
    day = date.today() + timedelta(days=60)  # a working day followed by one, in the current calendar
    while not (CURRENT.is_working_day(day) and CURRENT.is_working_day(day + timedelta(days=1))):
        day += timedelta(days=1)
    before = await filed_dw_case(api, auth)
    # a new calendar version (as an upgraded `holidays` would bring) makes `day` a day off, from now on
    later = replace(CURRENT, version="CN/test-later", holidays=CURRENT.holidays | {day})
    monkeypatch.setitem(CALENDARS, later.version, later)
    monkeypatch.setattr(gateway, "CURRENT", later)
    after = await filed_dw_case(api, auth, lead="doc-lead-002")
    cases = {c: await rectify(api, auth, c, day.isoformat()) for c in (before, after)}
    assert [(c["calendar"], c["deadlines"][0]["due_at"]) for c in cases.values()] == [
        (CURRENT.version, end_of_day(day).astimezone(SHANGHAI).isoformat()),
        (later.version, end_of_day(day + timedelta(days=1)).astimezone(SHANGHAI).isoformat())]


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
