"""postdoc_workstation 市级博士后科研工作站 (seed 002, 重庆市): the lifecycle as data.

The non-recruitment window of `002 §四(一)` (连续四年，最后一年为整改期) counts from certification or
the latest recruitment, whichever is later. Its length and its reading (rolling years, or whole
calendar years after the start year) are profile settings, copied onto the case when it is
certified so that a later profile change does not move a running window.
"""

from __future__ import annotations

from datetime import date, datetime

from zhanwu.schemas.common import CaseSnapshot, Note, Reason, Role
from zhanwu.schemas.postdoc_workstation import (
    Action as A,
)
from zhanwu.schemas.postdoc_workstation import (
    Application,
    BasicConditions,
    Certification,
    Condition,
    CreateApplication,
    DeregisterReason,
    Deregistration,
    RecommendationConditions,
    Recruitment,
)
from zhanwu.schemas.postdoc_workstation import (
    State as S,
)
from zhanwu.workflows.common.calendar import add_months, calendar_of, local_date
from zhanwu.workflows.common.lifecycle import Action, Facts, Lifecycle, Rule, Timer, Violation, lapsed, note

WINDOW = {"window_years": 4, "rectification_years": 1}
PROFILES = {
    "chongqing@1": WINDOW | {"window_reading": "rolling"},
    "chongqing-calendar@1": WINDOW | {"window_reading": "calendar"},
}
CLAUSE_OF_REASON = {
    DeregisterReason.NON_RECRUITMENT: "002 §四(一)",
    DeregisterReason.SERIOUS_VIOLATION: "002 §四(二)",
    DeregisterReason.UNABLE_TO_CONTINUE: "002 §四(三)",
}

CITY, DISTRICT, HOST, SYSTEM = Role.CITY_OFFICE, Role.DISTRICT_OFFICE, Role.HOST_UNIT, Role.SYSTEM
LIVE = (S.CERTIFIED, S.RECTIFICATION_PERIOD)


# --- the window ------------------------------------------------------------------------------
def window_end(case: CaseSnapshot, years_before_end: int = 0) -> datetime | None:
    """When the window (less `years_before_end` years) ends: rolling, on the start's corresponding
    day; calendar, on 31 December of the start year plus as many years. Rolled past a holiday."""
    w = case.data.get("window")
    if w is None:
        return None
    start, years = date.fromisoformat(w["start"]), w["window_years"] - years_before_end
    last = add_months(start, 12 * years) if w["window_reading"] == "rolling" else date(start.year + years, 12, 31)
    return calendar_of(case).deadline_instant(last)


def _rectification_begins(c: CaseSnapshot) -> datetime | None:
    return window_end(c, c.data["window"]["rectification_years"]) if c.state == S.CERTIFIED else None


def _window_closes(c: CaseSnapshot) -> datetime | None:
    return window_end(c) if c.state in LIVE else None


# --- rules -----------------------------------------------------------------------------------
def _conditions(conditions: BasicConditions | RecommendationConditions) -> tuple[list[str], list[str], list[str]]:
    """(met with evidence, not met, claimed without evidence), by field name."""
    items: dict[str, Condition] = dict(conditions)
    return (
        [k for k, c in items.items() if c.met and (c.evidence or "").strip()],
        [k for k, c in items.items() if not c.met],
        [k for k, c in items.items() if c.met and not (c.evidence or "").strip()],
    )


def _labels(model: type[BasicConditions | RecommendationConditions], keys: list[str]) -> str:
    return "；".join(model.model_fields[k].description or k for k in keys)


def _basic(f: Facts) -> Violation | None:
    assert isinstance(f.payload, Application)
    _, unmet, unevidenced = _conditions(f.payload.basic)
    if not unmet and not unevidenced:
        return None
    missing = unmet + unevidenced
    return Violation(
        f"all six basic conditions are required, each with its evidence; not met: {unmet or 'none'}, "
        f"without evidence: {unevidenced or 'none'}",
        f"须具备全部六项基本条件并提供证明材料，缺少：{_labels(BasicConditions, missing)}",
        {"not_met": unmet, "without_evidence": unevidenced},
    )


def _recommend(f: Facts) -> Violation | None:
    assert isinstance(f.payload, Application)
    met, _, unevidenced = _conditions(f.payload.recommendation)
    if met:
        return None
    return Violation(
        "at least one of the five recommendation conditions must be met, with its evidence"
        + (f"; claimed without evidence: {unevidenced}" if unevidenced else ""),
        "须符合至少一项推荐条件并提供证明材料" + (f"，未附证明材料：{_labels(RecommendationConditions, unevidenced)}" if unevidenced else ""),
        {"without_evidence": unevidenced},
    )


def _recruitment_date(f: Facts) -> Violation | None:
    assert isinstance(f.payload, Recruitment)
    start, today, on = date.fromisoformat(f.case.data["window"]["start"]), local_date(f.now), f.payload.recruited_on
    if start <= on <= today:
        return None
    return Violation(
        f"the recruitment must be dated between the start of the current window ({start}) and today ({today})",
        f"进站日期须在本期起算日（{start}）至今日（{today}）之间",
        {"window_start": start.isoformat(), "today": today.isoformat()},
    )


BASIC = Rule("PD-BASIC", "002 §一(一)1-6", "具备全部六项基本条件", "all six basic conditions", _basic)
RECOMMEND = Rule("PD-RECOMMEND", "002 §一(二)1-5", "符合至少一项推荐条件", "at least one recommendation condition",
                 _recommend)
RECRUITMENT_DATE = Rule("PD-RECRUIT-DATE", "002 §四(一)", "进站日期在本期起算日至今日之间",
                        "recruitment dated within the current window", _recruitment_date)
THREE_YEARS = Rule("PD-WINDOW-RECTIFY", "002 §四(一)", "连续未招收满三年（第四年为整改期）",
                   "three years without recruitment", lambda f: lapsed(_rectification_begins(f.case), f))
FOUR_YEARS = Rule("PD-WINDOW-END", "002 §四(一)", "连续四年（最后一年为整改期）未招收",
                  "four years without recruitment, the last a rectification year", lambda f: lapsed(window_end(f.case), f))


# --- effects ---------------------------------------------------------------------------------
def _open(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, CreateApplication)
    unit = f.payload.unit
    d.region, d.title = unit.region, unit.name
    d.parties = {HOST.value: [unit.credit_code]}
    d.data = f.payload.model_dump(mode="json")


def _submit(d: CaseSnapshot, f: Facts) -> None:
    d.data["application"] = f.payload.model_dump(mode="json")
    d.data["submitted_at"] = f.now.isoformat()


def _restart_window(d: CaseSnapshot, start: date, kind: str) -> None:
    d.data["window"] |= {"start": start.isoformat(), "start_kind": kind}
    d.data["rectification"] = None


def _certify(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, Certification)
    d.data["certification"] = {"batch": f.payload.batch, "note": f.payload.note, "certified_at": f.now.isoformat()}
    d.data["window"] = {k: f.profile[k] for k in ("window_years", "rectification_years", "window_reading")}
    _restart_window(d, local_date(f.now), "certification")


def _recruit(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, Recruitment)
    d.data.setdefault("recruitments", []).append(f.payload.model_dump(mode="json") | {"recorded_at": f.now.isoformat()})
    _restart_window(d, f.payload.recruited_on, "recruitment")


def _rectification_year(d: CaseSnapshot, f: Facts) -> None:
    ends = window_end(d)
    d.data["rectification"] = {
        "began_at": f.now.isoformat(), "ends_at": ends.isoformat() if ends else None,
        "notice": "连续三年未招收博士后研究人员，第四年为整改期；整改期内仍未招收的，将注销设站资格（002 §四(一)）",
        "notice_en": "No postdoc recruited for three years: the fourth year is the rectification year; without a "
                     "recruitment by its end the station is deregistered (002 §四(一)).",
    }


def _deregister(d: CaseSnapshot, f: Facts) -> None:
    reason = f.payload.reason if isinstance(f.payload, Deregistration) else DeregisterReason.NON_RECRUITMENT
    d.data["deregistration"] = {"reason": reason.value, "reason_label": reason.zh, "clause": CLAUSE_OF_REASON[reason],
                                "by": f.actor.role.value, "at": f.now.isoformat(),
                                "evidence": getattr(f.payload, "evidence", None)}


LIFECYCLE = Lifecycle(
    key="postdoc_workstation",
    zh="市级博士后科研工作站",
    en="municipal postdoctoral research workstation",
    id_prefix="pd",
    states=S,
    finals=(S.DEREGISTERED, S.REJECTED),
    profiles=PROFILES,
    default_profile="chongqing@1",
    actions=(
        Action(A.CREATE_APPLICATION, (), S.DRAFT, (HOST,), CreateApplication, effect=_open, clause="002 §二"),
        Action(A.SUBMIT_APPLICATION, (S.DRAFT,), S.SUBMITTED, (HOST,), Application, (BASIC, RECOMMEND), _submit,
               "002 §一"),
        Action(A.DISTRICT_RECOMMEND, (S.SUBMITTED,), S.DISTRICT_RECOMMENDED, (DISTRICT,), Note,
               effect=note("district_recommendation"), clause="002 §二"),
        Action(A.DISTRICT_RETURN, (S.SUBMITTED,), S.DRAFT, (DISTRICT,), Reason, effect=note("returned"),
               clause="002 §二"),
        Action(A.CERTIFY, (S.DISTRICT_RECOMMENDED,), S.CERTIFIED, (CITY,), Certification, effect=_certify,
               clause="002 §三", new_run=True),
        Action(A.REJECT, (S.SUBMITTED, S.DISTRICT_RECOMMENDED), S.REJECTED, (DISTRICT, CITY), Reason,
               effect=note("rejection"), clause="002 §二"),
        Action(A.RECORD_RECRUITMENT, LIVE, S.CERTIFIED, (HOST,), Recruitment, (RECRUITMENT_DATE,), _recruit,
               "002 §四(一)", new_run=True),
        Action(A.WINDOW_LAPSED, (S.CERTIFIED,), S.RECTIFICATION_PERIOD, (SYSTEM,), Note, (THREE_YEARS,),
               _rectification_year, "002 §四(一)", new_run=True),
        Action(A.DEREGISTER_NON_RECRUITMENT, (S.RECTIFICATION_PERIOD,), S.DEREGISTERED, (SYSTEM,), Note,
               (FOUR_YEARS,), _deregister, "002 §四(一)"),
        Action(A.DEREGISTER, LIVE, S.DEREGISTERED, (CITY,), Deregistration, effect=_deregister,
               clause="002 §四(二)(三)"),
    ),
    timers=(
        Timer("non_recruitment_window", "连续未招收满三年（进入整改期）", "three years without recruitment (rectification year)",
              _rectification_begins, lambda c: False, A.WINDOW_LAPSED, supervised=True),
        Timer("rectification_year_end", "整改期届满（仍未招收则注销）", "rectification year ends (deregistration)",
              _window_closes, lambda c: False, A.DEREGISTER_NON_RECRUITMENT, supervised=True),
    ),
)
