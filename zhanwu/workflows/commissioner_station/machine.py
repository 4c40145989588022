"""commissioner_station 企业科技特派员工作站 (seed 003, 内蒙古/包头): the lifecycle as data.

An institution applies (`003 内蒙古办法 第六条`), is reviewed and filed by the city. A filed station
reports every month (`003 包头方案 六(二)`): the due dates run on, a year at a time, and an overdue
one stays listed until it comes. Each year's evaluation comes by campaign, scored with the station
sheet (`003 附件2`): unqualified ⇒ rectification with a deadline (`内蒙古办法 第十四条`); a second
unqualified year in a row ⇒ revoked, and where the office marks a negative impact the institution
enters the integrity blacklist (`包头方案 六(四)`). False information ⇒ revoked and barred for three
years (`内蒙古办法 第十五条`).
"""

from __future__ import annotations

from zhanwu.schemas.commissioner_station import Action as A
from zhanwu.schemas.commissioner_station import Application, MonthlyReport, Revocation, StationType
from zhanwu.schemas.commissioner_station import State as S
from zhanwu.schemas.common import CaseSnapshot, Note, Reason, Role
from zhanwu.schemas.evaluations import Grade, GradedEvaluation
from zhanwu.workflows.common import grading
from zhanwu.workflows.common.bans import Bar, impose, lift_bans, years_on
from zhanwu.workflows.common.calendar import add_months, local_date
from zhanwu.workflows.common.lifecycle import (
    Action,
    Branch,
    Campaign,
    Facts,
    Lifecycle,
    Rule,
    Screen,
    Timer,
    Violation,
    lapsed,
    note,
)
from zhanwu.workflows.common.series import Series

PROFILES = {
    "inner_mongolia@1": {
        "jurisdiction": "内蒙古自治区（包头市）",
        "regions": ["15"],  # 在自治区境内注册
        "min_service_years": 2,
        # "稳定的技术人员队伍" names no number: the least team the office accepts is its setting
        "min_technical_staff": 3,
        "report_every_months": 1,
        "score_sheet": "baotou-station@1",
        # "限期整改" names no period: the office's default deadline
        "rectification_months": 3,
        "false_information_ban_years": 3,
        # 科研诚信黑名单 names no period: as long as the 3 years an integrity record counts (004 第十三条(一))
        "blacklist_years": 3,
    },
}

CITY, HOST, STATION, SYSTEM = Role.CITY_OFFICE, Role.HOST_UNIT, Role.STATION, Role.SYSTEM
LIVE = (S.FILED, S.RECTIFYING)
REPORTS, RECTIFICATION = Series("reports", LIVE), Series("rectification", (S.RECTIFYING,))
REPORTS_AHEAD = 12  # monthly due dates laid out at a time


# --- rules -----------------------------------------------------------------------------------
def _eligible(f: Facts) -> Violation | None:
    assert isinstance(f.payload, Application)
    p, profile = f.payload, f.profile
    served_from = add_months(local_date(f.now), -12 * profile["min_service_years"])
    failing = {
        "registered_in_region": not p.institution.region.startswith(tuple(profile["regions"])),
        "technical_staff": p.technical_staff < profile["min_technical_staff"],
        "service_years": p.service_since > served_from,
    }
    if not any(failing.values()):
        return None
    return Violation(
        f"the institution must be registered in the region {profile['regions']}, have a stable team of at least "
        f"{profile['min_technical_staff']} and have served enterprises since {served_from} "
        f"({profile['min_service_years']} years)",
        f"依托机构须在自治区境内注册、有稳定的技术人员队伍（不少于{profile['min_technical_staff']}人）、"
        f"为企业服务不少于{profile['min_service_years']}年（{served_from}以前开始）",
        {"failing": [k for k, v in failing.items() if v], "served_from": served_from.isoformat()},
    )


def _report_open(f: Facts) -> Violation | None:
    if REPORTS.current(f.case, f.now) is not None:
        return None
    return Violation("no monthly report is due: this month's is in", "本月工作情况已报送，暂无待报送的月度报告")


ELIGIBLE = Rule("CS-ELIGIBLE", "003 内蒙古办法 第六条", "在区内注册、队伍稳定、服务经验不少于2年",
                "registered in the region, a stable team, 2 years' service", _eligible)
REPORT_OPEN = Rule("CS-REPORT-OPEN", "003 包头方案 六(二)", "有待报送的月度工作情况", "a monthly report is due", _report_open)
REPORT_LAPSED = Rule("CS-REPORT-LAPSED", "003 包头方案 六(二)", "月度报送期限已过", "the month has ended",
                     lambda f: lapsed(REPORTS.next_due(f.case), f))
RECTIFICATION_LAPSED = Rule("CS-RECTIFICATION-LAPSED", "003 内蒙古办法 第十四条", "整改期限已过",
                            "the rectification deadline has passed", lambda f: lapsed(RECTIFICATION.next_due(f.case), f))
TWO_UNQUALIFIED = Bar("CS-TWO-UNQUALIFIED", "003 包头方案 六(四)", "连续两年评价不合格且造成负面影响，列入科研诚信黑名单")
FALSE_INFO = Bar("CS-FALSE-INFO", "003 内蒙古办法 第十五条", "提供虚假信息，三年内不再受理申请")
BANNED = Screen("CS-BANNED", "003 内蒙古办法 第十五条", "申请单位不在限制期内", "the institution is not barred",
                lambda f: [f.payload.institution.credit_code] if isinstance(f.payload, Application) else [])


# --- effects ---------------------------------------------------------------------------------
def _apply(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, Application)
    p = f.payload
    d.region, d.title, d.tier = p.institution.region, p.institution.name, p.type.value
    d.parties = {HOST.value: [p.institution.credit_code], STATION.value: [p.institution.credit_code]}
    d.data = p.model_dump(mode="json") | {"type_label": p.type.zh}


def _file(d: CaseSnapshot, f: Facts) -> None:
    note("filing")(d, f)
    REPORTS.schedule(d, f.now, f.profile["report_every_months"], REPORTS_AHEAD)


def _roll_reports(d: CaseSnapshot, f: Facts) -> None:
    if REPORTS.next_due(d) is None:
        REPORTS.extend(d, f.profile["report_every_months"], REPORTS_AHEAD)


def _report(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, MonthlyReport)
    REPORTS.hand_in(d, f.now, report=f.payload.report)
    _roll_reports(d, f)


def _report_overdue(d: CaseSnapshot, f: Facts) -> None:
    REPORTS.lapse(d, f.now)
    _roll_reports(d, f)


def _evaluate(d: CaseSnapshot, f: Facts) -> None:
    entry = grading.record(d, f)
    if grading.second_unqualified(f):
        entry["consequence"] = {"rule": TWO_UNQUALIFIED.id, "clause": TWO_UNQUALIFIED.clause}
        if entry["negative_impact"]:
            impose(d, f, {HOST.value: d.parties[HOST.value]}, TWO_UNQUALIFIED, years_on(f, f.profile["blacklist_years"]))
            entry["consequence"]["blacklist"] = "科研诚信黑名单"
    elif grading.unqualified(f):
        RECTIFICATION.schedule(d, f.now, f.profile["rectification_months"], 1)


def _revoke(d: CaseSnapshot, f: Facts) -> None:
    note("revocation")(d, f)
    impose(d, f, {HOST.value: d.parties[HOST.value]}, FALSE_INFO, years_on(f, f.profile["false_information_ban_years"]))


_revoked = Branch(S.REVOKED, grading.second_unqualified, "连续两年不合格：取消备案", "a second unqualified year: revoked")
_rectify = Branch(S.RECTIFYING, grading.unqualified, "不合格：限期整改", "unqualified: rectify")
LIFT_BAN, BAN_TIMER = lift_bans(A.LIFT_BAN, S)
LIFECYCLE = Lifecycle(
    key="commissioner_station",
    zh="企业科技特派员工作站",
    en="enterprise S&T commissioner station",
    id_prefix="cs",
    states=S,
    finals=(S.REVOKED, S.REJECTED),
    profiles=PROFILES,
    default_profile="inner_mongolia@1",
    campaign=Campaign(A.RECORD_EVALUATION, Grade),
    tiers=StationType,
    actions=(
        Action(A.SUBMIT_APPLICATION, (), S.APPLIED, (HOST,), Application, (ELIGIBLE,), _apply,
               "003 内蒙古办法 第六条", screen=BANNED),
        Action(A.START_REVIEW, (S.APPLIED,), S.UNDER_REVIEW, (CITY,), Note, effect=note("review"),
               clause="003 内蒙古办法 第六条(二)"),
        Action(A.FILE, (S.UNDER_REVIEW,), S.FILED, (CITY,), Note, effect=_file, clause="003 内蒙古办法 第六条(二)",
               new_run=True),
        Action(A.REJECT, (S.APPLIED, S.UNDER_REVIEW), S.REJECTED, (CITY,), Reason, effect=note("rejection"),
               clause="003 内蒙古办法 第六条(二)"),
        Action(A.SUBMIT_MONTHLY_REPORT, LIVE, None, (STATION,), MonthlyReport, (REPORT_OPEN,), _report,
               "003 包头方案 六(二)"),
        Action(A.REPORT_OVERDUE, LIVE, None, (SYSTEM,), Note, (REPORT_LAPSED,), _report_overdue, "003 包头方案 六(二)"),
        Action(A.RECORD_EVALUATION, LIVE, None, (CITY,), GradedEvaluation, (), _evaluate, "003 内蒙古办法 第十四条",
               new_run=True, branches=(_revoked, _rectify)),
        Action(A.RECTIFICATION_OVERDUE, (S.RECTIFYING,), None, (SYSTEM,), Note, (RECTIFICATION_LAPSED,),
               lambda d, f: RECTIFICATION.lapse(d, f.now), "003 内蒙古办法 第十四条"),
        Action(A.CONFIRM_RECTIFICATION, (S.RECTIFYING,), S.FILED, (CITY,), Note, effect=grading.rectified(RECTIFICATION),
               clause="003 内蒙古办法 第十四条"),
        Action(A.REVOKE, LIVE, S.REVOKED, (CITY,), Revocation, effect=_revoke, clause=FALSE_INFO.clause),
        LIFT_BAN,
    ),
    timers=(
        Timer("monthly_report", "月度工作情况报送", "monthly report", REPORTS.next_due, lambda c: False,
              A.REPORT_OVERDUE, REPORTS.outstanding, supervised=True),
        Timer("rectification", "限期整改", "rectification deadline", RECTIFICATION.next_due, lambda c: False,
              A.RECTIFICATION_OVERDUE, RECTIFICATION.outstanding, supervised=True),
        BAN_TIMER,
    ),
)

