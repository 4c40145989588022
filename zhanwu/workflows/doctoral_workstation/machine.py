"""doctoral_workstation 博士工作站 (seed 000, 晋中市): the lifecycle as data."""

from __future__ import annotations

from datetime import datetime

from zhanwu.schemas.common import CaseSnapshot, Note, Reason, Role
from zhanwu.schemas.doctoral_workstation import (
    Action as A,
)
from zhanwu.schemas.doctoral_workstation import (
    EmployerKind,
    Filing,
    IssueRectification,
    OpenSurvey,
    RectificationReport,
    RegisterExisting,
    SetTier,
    Tier,
)
from zhanwu.schemas.doctoral_workstation import (
    State as S,
)
from zhanwu.workflows.common.calendar import calendar_of, local_date
from zhanwu.workflows.common.lifecycle import Action, Claim, Facts, Lifecycle, Rule, Timer, Violation, note

PROFILES = {
    "jinzhong@1": {
        "team_min_members": 3,
        "team_min_doctors": 1,
        "provincial_min_members": 5,
        "provincial_min_doctors": 3,
    }
}

CITY, DISTRICT, SECTOR = Role.CITY_OFFICE, Role.DISTRICT_OFFICE, Role.SECTOR_DEPARTMENT
HOST, APPLICANT, SYSTEM = Role.HOST_UNIT, Role.APPLICANT, Role.SYSTEM
BEFORE_FILED = (S.SURVEYED, S.CULTIVATING, S.FILING_SUBMITTED, S.RECOMMENDED)


def filing_of(facts: Facts) -> Filing:
    """The filing a rule judges: the payload's on submission, the case's on approval."""
    p = facts.payload
    if isinstance(p, Filing):
        return p
    if isinstance(p, RegisterExisting):
        return p.filing
    return Filing.model_validate(facts.case.data["filing"])


# --- rules -----------------------------------------------------------------------------------
FIVE = {
    "innovation_need": ("有创新需求", "innovation need"),
    "research_team": ("有科研团队", "research team"),
    "funding": ("有资金保障", "funding"),
    "site": ("有建站场地", "site"),
    "management": ("有管理机制", "management mechanism"),
}


def _five_conditions(f: Facts) -> Violation | None:
    c = filing_of(f).conditions
    missing = [k for k in FIVE if not (getattr(c, k) or "").strip()]
    if not missing:
        return None
    return Violation(
        f"missing conditions: {', '.join(FIVE[k][1] for k in missing)}; all five are required",
        f"“五有”条件不全，缺少：{'、'.join(FIVE[k][0] for k in missing)}",
        {"missing": missing},
    )


def _team_size(f: Facts) -> Violation | None:
    team, p = filing_of(f).team, f.profile
    leads = [m for m in team if m.lead]
    doctors = sum(m.doctorate for m in team)
    if len(leads) != 1 or not leads[0].doctorate:
        return Violation(
            f"the team needs exactly one lead doctor holding a doctorate; it names {len(leads)} lead(s)",
            "进站博士团队须由一名领衔博士（具有博士学位）领衔", {"leads": len(leads)},
        )
    if len(team) < p["team_min_members"] or doctors < p["team_min_doctors"]:
        return Violation(
            f"team has {len(team)} members and {doctors} doctors; at least {p['team_min_members']} members, "
            f"{p['team_min_doctors']} with a doctorate, are required",
            f"团队成员不少于{p['team_min_members']}名（博士不少于{p['team_min_doctors']}名），现有{len(team)}名（博士{doctors}名）",
            {"members": len(team), "doctors": doctors},
        )
    return None


def _no_affiliation(f: Facts) -> Violation | None:
    bad = [m.name for m in filing_of(f).team if m.affiliated_with_host or m.employer_kind is EmployerKind.OTHER]
    if not bad:
        return None
    return Violation(
        f"members must come from universities, institutes or medical institutions and have no personnel "
        f"affiliation with the host unit: {', '.join(bad)}",
        f"进站博士应为高等学校、科研院所、医疗卫生机构等单位职工，与建站单位无人事隶属关系：{'、'.join(bad)}",
        {"members": bad},
    )


def _agreements(f: Facts) -> Violation | None:
    a, today = filing_of(f).agreements, local_date(f.now)
    missing = [
        zh for zh, d in (("共建协议", a.co_construction_signed_on), ("项目合作协议", a.project_cooperation_signed_on))
        if d is None or d > today
    ]
    if not missing:
        return None
    return Violation(
        "both the co-construction agreement and the project cooperation agreement must be signed (dated today or earlier)",
        f"建站单位与进站博士须签订共建协议和项目合作协议，未签订：{'、'.join(missing)}",
        {"missing": missing},
    )


FILED_TIERS = (Tier.KEY_IMPROVEMENT, Tier.DEMONSTRATION)


def _filed_tier(f: Facts) -> Violation | None:
    assert isinstance(f.payload, SetTier)
    if f.payload.tier in FILED_TIERS:
        return None
    return Violation(
        f"a filed station is {' or '.join(t.value for t in FILED_TIERS)}; {f.payload.tier.value} is for stations not yet filed",
        f"已备案站点的梯次为{'或'.join(t.zh for t in FILED_TIERS)}，“{f.payload.tier.zh}”仅适用于未备案站点",
        {"allowed": [t.value for t in FILED_TIERS]},
    )


def _deadline_future(f: Facts) -> Violation | None:
    assert isinstance(f.payload, IssueRectification)
    if calendar_of(f.case).deadline_instant(f.payload.deadline) > f.now:
        return None
    return Violation("the rectification deadline must lie in the future", "整改期限须晚于当前时间")


def _report_submitted(f: Facts) -> Violation | None:
    if (f.case.data.get("rectification") or {}).get("report_submitted_at"):
        return None
    return Violation("no rectification report has been submitted yet", "尚未提交整改报告")


def _deadline_passed_unreported(f: Facts) -> Violation | None:
    r = f.case.data.get("rectification") or {}
    if r.get("report_submitted_at") is None and datetime.fromisoformat(r["due_at"]) <= f.now:
        return None
    return Violation("the deadline has not passed, or a report awaits review", "整改期限未到或整改报告待审核")


FIVE_CONDITIONS = Rule("DW-FIVE-CONDITIONS", "000 §二(一)", "建站单位具备“五有”条件", "five conditions present", _five_conditions)
TEAM_SIZE = Rule("DW-TEAM-SIZE", "000 §二(二)", "团队不少于3名，博士不少于1名", "team of 3 incl. a doctor", _team_size)
NO_AFFILIATION = Rule("DW-NO-AFFILIATION", "000 §二(二)", "与建站单位无人事隶属关系", "no affiliation with host", _no_affiliation)
AGREEMENTS = Rule("DW-AGREEMENTS", "000 §二(三)", "签订共建协议和项目合作协议", "both agreements signed", _agreements)
FILED_TIER = Rule("DW-TIER", "000 §四(四)", "备案站点梯次为重点提升或示范引领", "filed tier is key improvement or demonstration",
                  _filed_tier)
DEADLINE_FUTURE = Rule("DW-DEADLINE", "000 §四(四)", "限期整改的期限须在将来", "deadline in the future", _deadline_future)
REPORT_SUBMITTED = Rule("DW-RECT-REPORT", "000 §四(四)", "整改报告已提交", "rectification report submitted", _report_submitted)
UNREPORTED = Rule("DW-RECT-LAPSED", "000 §四(四)", "整改期满未提交整改报告", "deadline passed unreported", _deadline_passed_unreported)
FILING_RULES = (FIVE_CONDITIONS, TEAM_SIZE, NO_AFFILIATION, AGREEMENTS)

LEAD_UNIQUE = Claim(
    "DW-LEAD-UNIQUE", "000 §二(二)", "领衔博士仅能进驻一家工作站", "a doctor leads at most one station",
    key=lambda f: "dw-lead:" + next(m.person_id for m in filing_of(f).team if m.lead),
    detail="this doctor already leads another station", detail_zh="该博士已作为领衔博士进驻其他工作站",
)


# --- effects ---------------------------------------------------------------------------------
def _open(d: CaseSnapshot, f: Facts) -> None:
    p = f.payload
    assert isinstance(p, OpenSurvey | RegisterExisting)
    d.region, d.sector, d.title = p.unit.region, p.unit.sector.value, p.unit.name
    d.parties = {HOST.value: [p.unit.credit_code]}
    d.tier = Tier.BASIC_CULTIVATION.value
    d.data = p.model_dump(mode="json")
    if isinstance(p, RegisterExisting):
        _record_filing(d, p.filing, f)
        d.flags["existing_recognition"] = True


def _record_filing(d: CaseSnapshot, filing: Filing, f: Facts) -> None:
    lead = next(m for m in filing.team if m.lead)
    d.data["filing"] = filing.model_dump(mode="json")
    d.data["lead"] = lead.person_id
    d.data["filing_submitted_at"] = f.now.isoformat()
    d.parties[APPLICANT.value] = [lead.person_id]


def _submit_filing(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, Filing)
    _record_filing(d, f.payload, f)


def _approve(d: CaseSnapshot, f: Facts) -> None:
    team, p = filing_of(f).team, f.profile
    d.tier = Tier.KEY_IMPROVEMENT.value
    d.data["filed_at"] = f.now.isoformat()
    d.flags["provincial_recommendation_eligible"] = (
        len(team) >= p["provincial_min_members"] and sum(m.doctorate for m in team) >= p["provincial_min_doctors"]
    )


def _set_tier(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, SetTier)
    d.tier = f.payload.tier.value


def _issue_rectification(d: CaseSnapshot, f: Facts) -> None:
    p = f.payload
    assert isinstance(p, IssueRectification)
    d.data["rectification"] = {
        "findings": p.findings, "reported_by": p.reported_by, "issued_at": f.now.isoformat(),
        "due_at": calendar_of(d).deadline_instant(p.deadline).isoformat(), "report": None, "report_submitted_at": None,
    }


def _submit_rectification(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, RectificationReport)
    d.data["rectification"] |= {"report": f.payload.report, "report_submitted_at": f.now.isoformat()}


def _close_rectification(d: CaseSnapshot, f: Facts) -> None:
    d.data["rectification"] = None


def _rectification_due(c: CaseSnapshot) -> datetime | None:
    r = c.data.get("rectification")
    return datetime.fromisoformat(r["due_at"]) if c.state == S.RECTIFYING and r else None


LIFECYCLE = Lifecycle(
    key="doctoral_workstation",
    zh="博士工作站",
    en="doctoral workstation",
    id_prefix="dw",
    states=S,
    finals=(S.REVOKED, S.WITHDRAWN),
    profiles=PROFILES,
    default_profile="jinzhong@1",
    tiers=Tier,
    actions=(
        Action(A.OPEN_SURVEY, (), S.SURVEYED, (DISTRICT, SECTOR), OpenSurvey, effect=_open, clause="000 §四(一)"),
        Action(A.REGISTER_EXISTING, (), S.FILING_SUBMITTED, (HOST, DISTRICT, SECTOR), RegisterExisting,
               FILING_RULES, _open, "000 §二(四)", claim=LEAD_UNIQUE),
        Action(A.BEGIN_CULTIVATION, (S.SURVEYED,), S.CULTIVATING, (DISTRICT, SECTOR), Note,
               effect=note("cultivation"), clause="000 §四(二)"),
        Action(A.SUBMIT_FILING, (S.CULTIVATING,), S.FILING_SUBMITTED, (HOST, APPLICANT), Filing,
               FILING_RULES, _submit_filing, "000 §四(三)", claim=LEAD_UNIQUE),
        Action(A.RECOMMEND, (S.FILING_SUBMITTED,), S.RECOMMENDED, (DISTRICT, SECTOR), Note,
               effect=note("recommendation"), clause="000 §四(三)"),
        Action(A.RETURN_FOR_REVISION, (S.FILING_SUBMITTED, S.RECOMMENDED), S.CULTIVATING, (DISTRICT, SECTOR, CITY),
               Reason, effect=note("returned"), clause="000 §四(三)"),
        Action(A.APPROVE_FILING, (S.RECOMMENDED,), S.FILED, (CITY,), Note, FILING_RULES, _approve, "000 §四(三)"),
        Action(A.SET_TIER, (S.FILED,), None, (CITY, DISTRICT), SetTier, (FILED_TIER,), _set_tier, "000 §四(四)"),
        Action(A.ISSUE_RECTIFICATION, (S.FILED,), S.RECTIFYING, (CITY,), IssueRectification, (DEADLINE_FUTURE,),
               _issue_rectification, "000 §四(四)"),
        Action(A.SUBMIT_RECTIFICATION, (S.RECTIFYING,), None, (HOST,), RectificationReport,
               effect=_submit_rectification, clause="000 §四(四)"),
        Action(A.ACCEPT_RECTIFICATION, (S.RECTIFYING,), S.FILED, (CITY,), Note, (REPORT_SUBMITTED,),
               _close_rectification, "000 §四(四)"),
        Action(A.REJECT_RECTIFICATION, (S.RECTIFYING,), S.REVOKED, (CITY,), Reason, (REPORT_SUBMITTED,),
               note("revocation"), "000 §四(四)"),
        Action(A.RECTIFICATION_EXPIRED, (S.RECTIFYING,), S.REVOKED, (SYSTEM,), Note, (UNREPORTED,),
               note("revocation"), "000 §四(四)"),
        Action(A.WITHDRAW, BEFORE_FILED, S.WITHDRAWN, (HOST,), Reason, effect=note("withdrawal")),
    ),
    timers=(
        Timer("rectification", "整改期限", "rectification deadline", _rectification_due,
              lambda c: bool((c.data.get("rectification") or {}).get("report_submitted_at")), A.RECTIFICATION_EXPIRED,
              supervised=True),
    ),
)
