"""The API's /metrics: requests by route template and status, actions by outcome and rule."""

from __future__ import annotations

from tests.api.calls import act
from tests.api.test_cases_api import open_case
from tests.factories import CITY, DISTRICT, HOST, filing
from tests.prometheus import samples


async def test_api_metrics_count_requests_and_action_outcomes(api, auth) -> None:
    case = await open_case(api, auth)
    assert (await act(api, auth, case["id"], "begin_cultivation", DISTRICT)).status_code == 200
    assert (await act(api, auth, case["id"], "submit_filing", HOST, filing(team_size=2))).status_code == 409
    assert (await act(api, auth, case["id"], "approve_filing", CITY)).status_code == 409
    text = (await api.get("/metrics")).text
    actions = samples(text, "zhanwu_actions_total")
    key = lambda action, outcome, rule: (  # noqa: E731
        ("action", action), ("outcome", outcome), ("programme", "doctoral_workstation"), ("rule", rule))
    assert actions[key("open_survey", "accepted", "")] == 1
    assert actions[key("begin_cultivation", "accepted", "")] == 1
    assert actions[key("submit_filing", "refused", "DW-TEAM-SIZE")] == 1
    assert actions[key("approve_filing", "refused", "STATE")] == 1
    counts = samples(text, "zhanwu_http_request_duration_seconds_count")
    route = "/api/v1/cases/{case_id}/actions/{action}"
    assert counts[(("method", "POST"), ("route", route), ("status", "409"))] == 2
    assert counts[(("method", "POST"), ("route", route), ("status", "200"))] == 1
