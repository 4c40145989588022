"""Record the histories the replay test replays: `python -m tests.replay.record`.

Each scenario writes its histories only when they are missing: old histories stay as recorded,
because they are what running cases look like to a newer worker. Add a scenario (e.g. before
changing a workflow) and commit what it writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from tests.factories import (
    BT_CITY_OFFICE,
    BT_FIRM,
    BT_FIRM_2,
    CITY,
    CQ_CITY_OFFICE,
    CQ_DISTRICT,
    CQ_HOST,
    CS_HOST,
    CS_STATION,
    DISTRICT,
    DR_DISTRICT,
    DR_HOST,
    HOST,
    agreement,
    application,
    cm_actor,
    cm_agreement,
    cm_matching,
    cs_application,
    dr_doctor,
    filing,
    matching,
    open_survey,
    pd_unit,
    recruitment,
    registration,
)
from tests.gateway import fire
from zhanwu.schemas.common import Actor, CaseSnapshot, Role
from zhanwu.schemas.evaluations import EvaluationEntry, EvaluationRequest
from zhanwu.services.api.errors import Problem
from zhanwu.services.api.evaluations import evaluate
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.migrate import upgrade_async
from zhanwu.services.store.repository import Store, make_engine
from zhanwu.services.workers.main import build_worker
from zhanwu.services.workers.namespace import ensure_search_attributes
from zhanwu.workflows.commissioner.machine import LIFECYCLE as CM
from zhanwu.workflows.commissioner_station.machine import LIFECYCLE as CS
from zhanwu.workflows.common import case_workflow
from zhanwu.workflows.common.calendar import local_date
from zhanwu.workflows.doctoral_residency.machine import LIFECYCLE as DR
from zhanwu.workflows.doctoral_workstation.machine import LIFECYCLE as DW
from zhanwu.workflows.postdoc_workstation.machine import LIFECYCLE as PD

HERE = Path(__file__).parent / "histories"
CAN_HISTORY_LIMIT = 40  # the lowered limit the dw_continued_as_new histories were recorded with (before history-bound)
BOUND_HISTORY_LIMIT = 60  # the lowered limit the cs_history_bound histories were recorded with


class Recorder:
    def __init__(self, env: WorkflowEnvironment, store: Store) -> None:
        self.env, self.gw = env, Gateway(env.client, store, "record", 30)

    async def act(self, case_id: str, action: str, actor: Actor, payload: dict[str, Any] | None = None) -> CaseSnapshot:
        return await fire(self.gw, case_id, action, actor, payload)

    async def save_runs(self, case_id: str, name: str) -> None:
        """Each of the case's runs, first to last, as `<name>_run<n>`."""
        run_id: str | None = (await self.env.client.get_workflow_handle(case_id).describe()).run_id
        runs: list[str] = []
        while run_id:
            runs.insert(0, run_id)
            history = await self.env.client.get_workflow_handle(case_id, run_id=run_id).fetch_history()
            run_id = history.events[0].workflow_execution_started_event_attributes.continued_execution_run_id
        for n, run_id in enumerate(runs, 1):
            await self.save(case_id, f"{name}_run{n}", run_id)

    async def save(self, case_id: str, name: str, run_id: str | None = None) -> None:
        history = await self.env.client.get_workflow_handle(case_id, run_id=run_id).fetch_history()
        (HERE / f"{name}.json").write_text(history.to_json())


async def dw_filed(r: Recorder) -> str:
    """A doctoral workstation surveyed, cultivated and filed: the start of several histories."""
    c = (await r.gw.open(DW, "open_survey", DISTRICT, open_survey(), None)).id
    await r.act(c, "begin_cultivation", DISTRICT)
    await r.act(c, "submit_filing", HOST, filing(team_size=5))
    await r.act(c, "recommend", DISTRICT)
    await r.act(c, "approve_filing", CITY)
    return c


async def dw_rectifying(r: Recorder, c: str) -> datetime:
    """The city orders a rectification due in 30 days; its deadline."""
    due = (await r.env.get_current_time()) + timedelta(days=30)
    await r.act(c, "issue_rectification", CITY, {"findings": "团队解散", "deadline": due.isoformat()})
    return due


async def dw_revoked_by_deadline(r: Recorder) -> None:
    """Survey to revocation by the rectification deadline, with a return for revision on the way."""
    c = (await r.gw.open(DW, "open_survey", DISTRICT, open_survey(), None)).id
    await r.act(c, "begin_cultivation", DISTRICT)
    await r.act(c, "submit_filing", HOST, filing(team_size=5))
    await r.act(c, "return_for_revision", DISTRICT, {"reason": "材料不全"})
    await r.act(c, "submit_filing", HOST, filing(team_size=5))
    await r.act(c, "recommend", DISTRICT)
    await r.act(c, "approve_filing", CITY)
    await r.act(c, "set_tier", CITY, {"tier": "demonstration"})
    await dw_rectifying(r, c)
    await r.env.sleep(timedelta(days=31))
    await r.env.client.get_workflow_handle(c).result()
    await r.save(c, "dw_full_lifecycle_revoked_by_deadline")


async def dw_continued_as_new(r: Recorder) -> None:
    """A case that continues as new (history limit lowered while recording), both runs."""
    limit, case_workflow.HISTORY_LIMIT = case_workflow.HISTORY_LIMIT, CAN_HISTORY_LIMIT
    try:
        code = "91110000600037341L"
        c = (await r.gw.open(DW, "open_survey", DISTRICT, open_survey(code=code), None)).id
        await r.act(c, "begin_cultivation", DISTRICT)
        await r.act(c, "submit_filing", HOST.model_copy(update={"subject": code}), filing(lead_id="doc-lead-002"))
        await r.act(c, "recommend", DISTRICT)
        await r.act(c, "approve_filing", CITY)
        for i in range(10):
            await r.act(c, "set_tier", CITY, {"tier": "demonstration" if i % 2 == 0 else "key_improvement"})
        await r.save_runs(c, "dw_continued_as_new")
    finally:
        case_workflow.HISTORY_LIMIT = limit


async def cs_history_bound(r: Recorder, name: str = "cs_history_bound") -> None:
    """A filed station left alone (the patch `history-bound`, its limit lowered while recording): its
    reports lapse and their reminders fire, and it continues as new at the limit; every run."""
    limit, case_workflow.HISTORY_LIMIT = case_workflow.HISTORY_LIMIT, BOUND_HISTORY_LIMIT
    try:
        c = (await r.gw.open(CS, "submit_application", CS_HOST, cs_application(), None)).id
        await r.act(c, "start_review", BT_CITY_OFFICE, {"note": "组织专家评审"})
        await r.act(c, "file", BT_CITY_OFFICE, {"note": "予以备案"})
        await r.env.sleep(timedelta(days=75))
        await r.act(c, "submit_monthly_report", CS_STATION, {"report": "补报"})
        await r.env.sleep(timedelta(days=75))
        await r.save_runs(c, name)
    finally:
        case_workflow.HISTORY_LIMIT = limit


async def cs_patches_assumed(r: Recorder) -> None:
    """The same station opened under the code generation that assumes every patch (CaseStart.generation):
    its runs carry no patch marker."""
    assert case_workflow.GENERATION == 1  # recorded under generation 1; a later one records its own
    await cs_history_bound(r, "cs_patches_assumed")


async def pd_years_of_life(r: Recorder) -> None:
    """A postdoc station: a refused submission, certification, a recruitment, a rectification year
    and deregistration by the window; one history per run (it continues as new at each boundary)."""
    c = (await r.gw.open(PD, "create_application", CQ_HOST, pd_unit(), None)).id
    with contextlib.suppress(Problem):  # refused by PD-RECOMMEND: leaves no trace in the history
        await r.act(c, "submit_application", CQ_HOST, application(recommendation=()))
    await r.act(c, "submit_application", CQ_HOST, application())
    await r.act(c, "district_recommend", CQ_DISTRICT)
    await r.act(c, "certify", CQ_CITY_OFFICE, {"batch": "2026年第4批"})
    await r.env.sleep(timedelta(days=400))
    today = local_date(await r.env.get_current_time()).isoformat()
    await r.act(c, "record_recruitment", CQ_HOST, recruitment(today))
    await r.env.sleep(timedelta(days=5 * 365))
    await r.env.client.get_workflow_handle(c).result()
    await r.save_runs(c, "pd_years_of_life")


async def dr_residency(r: Recorder) -> None:
    """A doctor's year: two reports on time and two quarters left overdue, a poor evaluation by
    campaign and the warning cleared, the term's end, summary and final evaluation; one history per run."""
    doctor = dr_doctor()
    c = (await r.gw.open(DR, "open_matching", doctor, matching(), None)).id
    with contextlib.suppress(Problem):  # refused by DR-TERM: leaves no trace in the history
        await r.act(c, "sign_agreement", DR_HOST, agreement(term_months=6))
    await r.act(c, "sign_agreement", DR_HOST, agreement())
    await r.act(c, "file_agreement", DR_DISTRICT)
    await r.act(c, "start_residency", DR_HOST, {"position": "other", "position_title": "首席技术顾问"})
    await r.env.sleep(timedelta(days=30))
    await r.act(c, "submit_quarterly_report", doctor, {"report": "第一季度"})
    await r.env.sleep(timedelta(days=100))
    await r.act(c, "submit_quarterly_report", doctor, {"report": "第二季度（迟报）"})
    await r.env.sleep(timedelta(days=250))
    round_ = EvaluationRequest(round="2027", entries=[EvaluationEntry(case_id=c, result="poor")])
    await evaluate(r.gw, DR, DR_DISTRICT, round_)
    await r.act(c, "clear_warning", DR_DISTRICT, {"note": "已取得推进"})
    await r.act(c, "submit_final_summary", doctor, {"summary": "入驻工作总结"})
    await r.act(c, "issue_final_evaluation", DR_DISTRICT, {"opinion": "完成入驻任务"})
    await r.env.client.get_workflow_handle(c).result()
    await r.save_runs(c, "dr_residency")


async def cs_station_years(r: Recorder) -> None:
    """A station filed, a report on time and one overdue, an unqualified year and its rectification, a
    second unqualified year with a negative impact: revoked and blacklisted; the ban runs out 3 years on."""
    c = (await r.gw.open(CS, "submit_application", CS_HOST, cs_application(), None)).id
    await r.act(c, "start_review", BT_CITY_OFFICE, {"note": "组织专家评审"})
    await r.act(c, "file", BT_CITY_OFFICE, {"note": "予以备案"})
    await r.env.sleep(timedelta(days=10))
    await r.act(c, "submit_monthly_report", CS_STATION, {"report": "第一个月"})
    await r.env.sleep(timedelta(days=50))
    poor = {"planning_helped": 20}
    await evaluate(r.gw, CS, BT_CITY_OFFICE, EvaluationRequest(round="2027", entries=[
        EvaluationEntry(case_id=c, counts=poor)]))
    await r.act(c, "confirm_rectification", BT_CITY_OFFICE, {"note": "整改到位"})
    await r.env.sleep(timedelta(days=300))
    await evaluate(r.gw, CS, BT_CITY_OFFICE, EvaluationRequest(round="2028", entries=[
        EvaluationEntry(case_id=c, counts=poor, negative_impact=True)]))
    await r.env.sleep(timedelta(days=3 * 366))
    await r.env.client.get_workflow_handle(c).result()
    await r.save_runs(c, "cs_station_years")


async def cm_service_term(r: Recorder) -> None:
    """A commissioner from registration to the term's end: an objection dismissed during the notice,
    the appointment by the system, three signatures, service days, a report, an enterprise changed,
    an excellent scored year, the term's end; one history per run."""
    applicant = cm_actor(Role.APPLICANT)
    c = (await r.gw.open(CM, "register", applicant, registration(), None)).id
    await r.act(c, "approve", cm_actor(Role.STATION, "150200"), {"note": "工作站审核同意"})
    await r.act(c, "match", BT_CITY_OFFICE, cm_matching(BT_FIRM))
    await r.act(c, "start_public_notice", BT_CITY_OFFICE, {})
    await r.act(c, "raise_objection", cm_actor(Role.HOST_UNIT), {"objection": "需求不符"})
    await r.env.sleep(timedelta(days=10))
    await r.act(c, "resolve_objection", BT_CITY_OFFICE, {"objection": 1, "upheld": False, "finding": "经核查不属实"})
    await r.env.sleep(timedelta(hours=1))
    for who in (cm_actor(Role.DISPATCHING_UNIT, "150200"), cm_actor(Role.HOST_UNIT), applicant):
        await r.act(c, "sign_agreement", who, cm_agreement())
    today = local_date(await r.env.get_current_time()).isoformat()
    await r.act(c, "log_service", applicant, {"on": today, "days": 30, "enterprise": BT_FIRM, "work": "现场指导"})
    await r.act(c, "submit_report", applicant, {"report": "上半年工作小结"})
    await r.act(c, "request_change", applicant, {"kind": "enterprise", "application": "增加服务企业"}
                | cm_matching(BT_FIRM, BT_FIRM_2))
    await r.act(c, "approve_change", BT_CITY_OFFICE, {"approved": True, "note": "同意"})
    await r.env.sleep(timedelta(days=300))
    counts = {"rd_guided": 4, "achievements_adopted": 7, "achievements_transferred": 6, "planning_helped": 11,
              "services_given": 30, "rd_institutions": 11}
    await evaluate(r.gw, CM, BT_CITY_OFFICE, EvaluationRequest(round="2027", entries=[
        EvaluationEntry(case_id=c, counts=counts)]))
    await r.env.sleep(timedelta(days=70))
    await r.env.client.get_workflow_handle(c).result()
    await r.save_runs(c, "cm_service_term")


async def dw_supervised(r: Recorder) -> None:
    """A rectification deadline under supervision 督办: the yellow notice, a suspension and its
    resumption, an extension, the notices of the new date, and revocation at the new date."""
    c = await dw_filed(r)
    due = await dw_rectifying(r, c)
    await r.env.sleep(timedelta(days=28))
    await r.act(c, "suspend_deadline", DISTRICT, {"kind": "rectification", "reason": "负责人住院"})
    await r.env.sleep(timedelta(days=10))
    await r.act(c, "resume_deadline", DISTRICT, {"kind": "rectification", "reason": "已出院"})
    until = local_date(due + timedelta(days=30))
    await r.act(c, "extend_deadline", CITY, {"kind": "rectification", "until": until.isoformat(), "reason": "汛期"})
    await r.env.sleep(timedelta(days=50))
    await r.env.client.get_workflow_handle(c).result()
    await r.save(c, "dw_supervised")


async def dw_local_projection(r: Recorder) -> None:
    """Projections as local activities (the patch `local-projection`): survey to filing, a refusal
    between (no trace), the tier set; the case stays open."""
    c = (await r.gw.open(DW, "open_survey", DISTRICT, open_survey(), None)).id
    await r.act(c, "begin_cultivation", DISTRICT)
    with contextlib.suppress(Problem):  # refused by DW-TEAM-SIZE: leaves no trace in the history
        await r.act(c, "submit_filing", HOST, filing(team_size=2))
    await r.act(c, "submit_filing", HOST, filing(team_size=5))
    await r.act(c, "recommend", DISTRICT)
    await r.act(c, "approve_filing", CITY)
    await r.act(c, "set_tier", CITY, {"tier": "demonstration"})
    await r.save(c, "dw_local_projection")


async def dw_attributes_on_change(r: Recorder) -> None:
    """Search attributes upserted only when one changes (the patch `search-attributes-on-change`): a
    suspension and a resumption leave them, a new state and a new tier upsert."""
    c = await dw_filed(r)
    await r.act(c, "set_tier", CITY, {"tier": "demonstration"})
    await dw_rectifying(r, c)
    await r.act(c, "suspend_deadline", DISTRICT, {"kind": "rectification", "reason": "负责人住院"})
    await r.act(c, "resume_deadline", DISTRICT, {"kind": "rectification", "reason": "已出院"})
    await r.save(c, "dw_attributes_on_change")


SCENARIOS: dict[str, Callable[[Recorder], Awaitable[None]]] = {
    "dw_full_lifecycle_revoked_by_deadline": dw_revoked_by_deadline,
    "dw_continued_as_new": dw_continued_as_new,
    "pd_years_of_life": pd_years_of_life,
    "dr_residency": dr_residency,
    "cs_station_years": cs_station_years,
    "cm_service_term": cm_service_term,
    "dw_supervised": dw_supervised,
    "dw_local_projection": dw_local_projection,
    "cs_history_bound": cs_history_bound,
    "dw_attributes_on_change": dw_attributes_on_change,
    "cs_patches_assumed": cs_patches_assumed,
}


async def main() -> None:
    missing = {k: f for k, f in SCENARIOS.items() if not list(HERE.glob(f"{k}*.json"))}
    if not missing:
        print("every scenario is recorded")
        return
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite+aiosqlite:///{tmp / 'z.db'}"
    await upgrade_async(url)
    store = Store(make_engine(url))
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=shutil.which("temporal-test-server"), data_converter=pydantic_data_converter
    )
    async with env, build_worker(env.client, store, "record"):
        await ensure_search_attributes(env.client)
        recorder = Recorder(env, store)
        for name, scenario in missing.items():
            print("recording", name)
            await scenario(recorder)
    await store.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
