"""Score sheets over HTTP: served as data with each item's clause and bands, and scored item by item."""

from __future__ import annotations

from tests.factories import DR_DISTRICT

URL = "/api/v1/score-sheets"


async def test_sheets_are_served_with_clauses_bands_and_grades(api, auth) -> None:
    sheets = {s["key"]: s for s in (await api.get(URL, headers=auth(DR_DISTRICT))).json()}
    station = sheets["baotou-station@1"]
    assert station["clause"] == "003 附件2" and station["cap"] == 100
    first = station["items"][0]
    assert (first["clause"], first["max_points"], first["bands"][:2]) == (
        "003 附件2 第1项", 10, [{"low": 30, "high": None, "points": 10}, {"low": 16, "high": 30, "points": 8}])
    assert [g["at_least"] for g in station["grades"]] == [85, 70, 0]
    assert (await api.get(f"{URL}/baotou-commissioner@1", headers=auth(DR_DISTRICT))).json()["items"][-1]["per_unit"] == 2
    assert (await api.get(f"{URL}/yangquan@1", headers=auth(DR_DISTRICT))).status_code == 404
    assert (await api.get(URL)).status_code == 401


async def test_counts_are_scored_item_by_item(api, auth) -> None:
    counts = {"commissioners_filed": 30, "rd_guided": 6, "achievements_transferred": 9, "planning_helped": 60,
              "high_tech_approved": 12, "reports_on_time": 10}
    r = await api.post(f"{URL}/baotou-station@1/score", json={"counts": counts}, headers=auth(DR_DISTRICT))
    body = r.json()
    assert r.status_code == 200
    assert {i["key"]: i["points"] for i in body["items"]} == {
        "commissioners_filed": 10, "rd_guided": 6, "achievements_adopted": 0, "achievements_transferred": 12,
        "planning_helped": 10, "services_given": 0, "rd_institutions": 0, "talents_introduced": 0,
        "high_tech_approved": 10, "reports_on_time": 10}
    assert (body["base"], body["bonus"], body["total"], body["grade"]["key"]) == (38, 20, 58, "unqualified")
    assert body["items"][0]["clause"] == "003 附件2 第1项"


async def test_bad_counts_name_the_item(api, auth) -> None:
    r = await api.post(f"{URL}/baotou-station@1/score", json={"counts": {"patents": 1, "reports_on_time": 11}},
                       headers=auth(DR_DISTRICT))
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["errors"]] == [["body", "counts", "patents"], ["body", "counts", "reports_on_time"]]
    r = await api.post(f"{URL}/baotou-station@1/score", json={"counts": {"rd_guided": -1}}, headers=auth(DR_DISTRICT))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "counts", "rd_guided"]
