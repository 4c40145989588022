"""commissioner 科技特派员 (seeds 003, 004): the lifecycle as data, one table for two jurisdictions.

What differs between `inner_mongolia` (seed 003) and `yangquan` (seed 004) is in the profile: who
approves, the qualification, the notice period, the term, the report cadence, the service days,
the score sheet or the quota, and what an unqualified year does. A third city is a new profile.

A matched commissioner is publicly noticed for a period in working days; an open objection holds
the case, an upheld one returns it to `approved`, and with none open the system appoints at the
window's end. The tripartite agreement starts the term: reports fall due, service days are logged,
the term ends by itself unless renewed. False information bars the person and the enterprises for
three years (`003 内蒙古办法 第十五条`), lifted by the case's own timer.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from zhanwu.schemas.commissioner import Action as A
from zhanwu.schemas.commissioner import (
    Agreement,
    ChangeDecision,
    ChangeKind,
    ChangeRequest,
    Degree,
    Disqualification,
    Ground,
    Matching,
    Objection,
    ObjectionDecision,
    PublicNotice,
    Registration,
    Renewal,
    Report,
    ServiceLog,
    Title,
)
from zhanwu.schemas.commissioner import State as S
from zhanwu.schemas.common import CaseSnapshot, Note, Role
from zhanwu.schemas.evaluations import Grade, GradedEvaluation
from zhanwu.workflows.common import grading
from zhanwu.workflows.common.bans import Bar, impose, lift_bans, years_on
from zhanwu.workflows.common.calendar import calendar_of, end_of_day, local_date
from zhanwu.workflows.common.lifecycle import (
    Action,
    Branch,
    Campaign,
    Facts,
    Lifecycle,
    Quota,
    Rule,
    Screen,
    Timer,
    Violation,
    lapsed,
    note,
)
from zhanwu.workflows.common.series import Series

PROFILES: dict[str, dict[str, Any]] = {
    "inner_mongolia@1": {
        "jurisdiction": "内蒙古自治区（包头市）",
        "regions": ["15"],
        "approvers": ["station", "city_office"],  # 经工作站审核同意后报归口管理部门备案 (003 包头方案 六(三))
        "qualification": {"min_degree": "college", "full_time_degree": True, "min_title": "intermediate",
                          "clause": "003 内蒙古办法 第七条(二)"},
        "enterprise_conditions": True,  # 003 内蒙古办法 第八条
        # "在官网上公示" names no period: the office's default, in working days
        "notice_working_days": 5,
        "term_months": 12,  # 服务时间一般为一年 (003 内蒙古办法 第十一条)
        "university_min_term_months": 6,  # 派驻期限一般不少于6个月 (003 内蒙古科技大学办法 第五条)
        "report_every_months": 6, "report_clause": "003 内蒙古办法 第十三条",
        "service_days_per_year": 30,  # 003 内蒙古办法 第七条(五)
        "score_sheet": "baotou-commissioner@1",
        "excellent_quota_percent": None,
        "unqualified": "rectify",  # 限期整改; two in a row ⇒ disqualified (003 包头方案 六(四))
        "rectification_months": 3,
        "false_information_ban_years": 3,
    },
    "yangquan@1": {
        "jurisdiction": "阳泉市",
        "regions": ["1403"],
        "approvers": ["city_office"],  # 市科学技术局……确定选派名单 (004 第十四条(四))
        "qualification": {"min_degree": "master", "full_time_degree": False, "min_title": "intermediate",
                          "clause": "004 第十三条(二)"},
        "enterprise_conditions": False,
        # "在一定范围内公示" names no period: the office's default, in working days
        "notice_working_days": 5,
        "term_months": 12,  # 协议有效期一般为一年 (004 第十四条(五))
        "university_min_term_months": 12,
        "report_every_months": 3, "report_clause": "004 第十七条",
        "service_days_per_year": None,
        "score_sheet": None,  # 综合考评: grades given directly
        "excellent_quota_percent": 20,  # 004 第十八条
        "unqualified": "disqualify",  # 004 第十六条(一), and not eligible the next year (第十八条)
        "rectification_months": None,
        "false_information_ban_years": 3,
    },
}

APPLICANT, DISPATCHER, STATION = Role.APPLICANT, Role.DISPATCHING_UNIT, Role.STATION
CITY, DISTRICT, HOST, SYSTEM = Role.CITY_OFFICE, Role.DISTRICT_OFFICE, Role.HOST_UNIT, Role.SYSTEM
SIGNATORIES = (DISPATCHER, HOST, APPLICANT)
ANYONE = tuple(r for r in Role if r is not SYSTEM)
LIVE = (S.IN_SERVICE, S.RECTIFYING)
NOT_FINAL = tuple(s for s in S if s not in (S.ENDED, S.DISQUALIFIED))
REPORTS, TERM = Series("reports", LIVE), Series("term", LIVE)
RECTIFICATION = Series("rectification", (S.RECTIFYING,))
DEGREES, TITLES = list(Degree), list(Title)


# --- reading the case ------------------------------------------------------------------------
def _registration(c: CaseSnapshot) -> dict[str, Any]:
    return c.data["registration"]


def _enterprises(c: CaseSnapshot) -> list[str]:
    return [e["credit_code"] for e in (c.data.get("matching") or {}).get("enterprises", [])]


def _objections(c: CaseSnapshot, status: str = "open") -> list[dict[str, Any]]:
    return [o for o in (c.data.get("notice") or {}).get("objections", []) if o["status"] == status]


def _notice_until(c: CaseSnapshot) -> datetime | None:
    notice = c.data.get("notice")
    return datetime.fromisoformat(notice["until"]) if notice else None


def notice_end(c: CaseSnapshot) -> datetime | None:
    """When the system appoints: at the window's end, or when the last objection was dismissed
    after it; never while an objection is open."""
    until = _notice_until(c)
    if c.state != S.IN_PUBLIC_NOTICE or until is None or _objections(c):
        return None
    return max([until, *(datetime.fromisoformat(o["resolved_at"]) for o in _objections(c, "dismissed"))])


def _signed(c: CaseSnapshot) -> dict[str, Any]:
    return (c.data.get("agreement") or {}).get("signatures", {})


def term_service_days(c: CaseSnapshot) -> int:
    term = len(c.data.get(TERM.key) or [])
    return sum(e["days"] for e in c.data.get("service_log", []) if e["term"] == term)


# --- rules -----------------------------------------------------------------------------------
def _approver(f: Facts) -> Violation | None:
    approvers = f.profile["approvers"]
    if f.actor.role.value in approvers:
        return None
    return Violation(f"under this profile the approval is by {approvers}",
                     f"本政策版本下由{'、'.join(Role(r).zh for r in approvers)}审核", {"approvers": approvers})


def _qualification(f: Facts) -> Violation | None:
    q, person = f.profile["qualification"], _registration(f.case)["person"]
    degree_ok = (DEGREES.index(Degree(person["degree"])) >= DEGREES.index(Degree(q["min_degree"]))
                 and (person["full_time"] or not q["full_time_degree"]))
    if degree_ok or TITLES.index(Title(person["title"])) >= TITLES.index(Title(q["min_title"])):
        return None
    full_time = "全日制" if q["full_time_degree"] else ""
    return Violation(
        f"a {'full-time ' if q['full_time_degree'] else ''}{q['min_degree']} degree or a {q['min_title']} title "
        f"or above is required ({q['clause']})",
        f"须具有{full_time}{Degree(q['min_degree']).zh}以上学历（学位）或{Title(q['min_title']).zh}以上职称（{q['clause']}）",
        {"qualification": q},
    )


def _integrity(f: Facts) -> Violation | None:
    marks = [k for k, v in _registration(f.case)["integrity"].items() if v]
    if not marks:
        return None
    return Violation("no research misconduct, violation or bad credit record in the last 3 years",
                     "近三年内须无科研失信行为、无违法违纪记录、无不良信用记录", {"records": marks})


def _enterprise_conditions(f: Facts) -> Violation | None:
    assert isinstance(f.payload, Matching)
    if not f.profile["enterprise_conditions"]:
        return None
    regions = tuple(f.profile["regions"])
    failing = {e.credit_code: [k for k, ok in (("registered_in_region", e.region.startswith(regions)),
                                               ("rd_and_production", e.conditions.rd_and_production),
                                               ("operating_normally", e.conditions.operating_normally),
                                               ("no_bad_credit", not e.conditions.bad_credit),
                                               ("research_conditions", e.conditions.research_conditions)) if not ok]
               for e in f.payload.enterprises}
    failing = {k: v for k, v in failing.items() if v}
    if not failing:
        return None
    return Violation("each enterprise is a technology enterprise registered in the region, operating normally, "
                     "without a bad credit record, with basic research conditions and funds",
                     "服务企业须在区内注册、从事研发和生产、经营正常、无不良信用记录、具备基本科研条件和经费", {"failing": failing})


def _notice_open(f: Facts) -> Violation | None:
    until = _notice_until(f.case)
    if until is None or f.now < until:
        return None
    return Violation("the notice period is over", "公示期已结束", {"until": until.isoformat()})


def _objection_open(f: Facts) -> Violation | None:
    assert isinstance(f.payload, ObjectionDecision)
    if any(o["n"] == f.payload.objection for o in _objections(f.case)):
        return None
    return Violation(f"no open objection {f.payload.objection}", f"无待处理的第{f.payload.objection}号异议",
                     {"open": [o["n"] for o in _objections(f.case)]})


def _no_objection(f: Facts) -> Violation | None:
    if not (open_ := _objections(f.case)):
        return None
    return Violation("an objection is open", "有未处理的异议", {"open": [o["n"] for o in open_]})


def _not_signed_yet(f: Facts) -> Violation | None:
    if f.actor.role.value not in _signed(f.case):
        return None
    return Violation(f"the {f.actor.role.value} has signed already", f"{f.actor.role.zh}已签署")


def _term(f: Facts) -> Violation | None:
    assert isinstance(f.payload, Agreement)
    longest = f.profile["term_months"]
    least = f.profile["university_min_term_months"] if _registration(f.case)["university"] else longest
    first = (f.case.data.get("agreement") or {}).get("terms")
    if first is not None and first != f.payload.model_dump(mode="json"):
        return Violation("each party signs the same terms as the first", "三方须签署同一协议条款", {"terms": first})
    if least <= f.payload.term_months <= longest:
        return None
    return Violation(f"the term is {least}–{longest} months", f"协议有效期为{least}至{longest}个月",
                     {"min_term_months": least, "max_term_months": longest})


def _enterprise_served(f: Facts) -> Violation | None:
    assert isinstance(f.payload, ServiceLog)
    if f.payload.enterprise in _enterprises(f.case):
        return None
    return Violation("service is logged at an enterprise the commissioner serves", "服务须在派驻企业开展",
                     {"enterprises": _enterprises(f.case)})


def _report_open(f: Facts) -> Violation | None:
    if REPORTS.current(f.case, f.now) is not None:
        return None
    return Violation("no progress report is due: this period's is in", "本期工作进展已报送，暂无待报送的报告")


def _no_change_pending(f: Facts) -> Violation | None:
    if (pending := f.case.data.get("change_request")) is None:
        return None
    return Violation("a change request awaits its decision", "已有待审批的调整申请", {"pending": pending["kind"]})


def _change_complete(f: Facts) -> Violation | None:
    assert isinstance(f.payload, ChangeRequest)
    needs = {ChangeKind.ENTERPRISE: "enterprises", ChangeKind.TARGETS: "targets"}.get(f.payload.kind)
    if needs is None or getattr(f.payload, needs):
        return None
    return Violation(f"a change of {f.payload.kind.value} names the new {needs}", f"{f.payload.kind.zh}须写明变更后的内容",
                     {"missing": needs})


def _change_pending(f: Facts) -> Violation | None:
    if f.case.data.get("change_request") is not None:
        return None
    return Violation("no change request awaits a decision", "没有待审批的调整申请")


def _service_days(f: Facts) -> Violation | None:
    assert isinstance(f.payload, GradedEvaluation)
    least = f.profile["service_days_per_year"]
    days = term_service_days(f.case)
    if least is None or f.payload.result is Grade.UNQUALIFIED or days >= least:
        return None
    return Violation(f"{days} days on site this term, fewer than {least}: only unqualified may be recorded",
                     f"本服务期在派驻企业工作{days}天，不足{least}天，只能评为不合格", {"days": days, "required": least})


def _term_running(f: Facts) -> Violation | None:
    ends = TERM.next_due(f.case)
    if ends is not None and f.now < ends:
        return None
    return Violation("the term has ended: renew before its end", "服务期已届满，须在届满前续签",
                     {"term_ends_at": ends.isoformat() if ends else None})


APPROVER = Rule("CM-APPROVER", "003 包头方案 六(三)；004 第十四条(四)", "按政策版本由工作站或市科技局审核",
                "approved by the profile's approver", _approver)
QUALIFICATION = Rule("CM-QUALIFICATION", "003 内蒙古办法 第七条(二)；004 第十三条(二)", "学历或职称符合选派条件",
                     "degree or title as the profile requires", _qualification)
INTEGRITY = Rule("CM-INTEGRITY", "004 第十三条(一)", "近三年无科研失信、违法违纪、不良信用记录",
                 "no misconduct or credit record in 3 years", _integrity)
ENTERPRISE = Rule("CM-ENTERPRISE", "003 内蒙古办法 第八条", "服务企业符合申请条件", "the enterprises qualify",
                  _enterprise_conditions)
NOTICE_OPEN = Rule("CM-NOTICE-OPEN", "004 第十四条(四)", "公示期内提出异议", "objections during the notice", _notice_open)
OBJECTION_OPEN = Rule("CM-OBJECTION-OPEN", "004 第十四条(四)", "异议待处理", "the objection is open", _objection_open)
NOTICE_LAPSED = Rule("CM-NOTICE-LAPSED", "004 第十四条(五)", "公示期满", "the notice period is over",
                     lambda f: lapsed(_notice_until(f.case), f))
NO_OBJECTION = Rule("CM-NO-OBJECTION", "004 第十四条(五)", "经公示无异议", "no open objection", _no_objection)
NOT_SIGNED = Rule("CM-SIGNED-ONCE", "004 第十四条(五)", "各方签署一次", "each party signs once", _not_signed_yet)
TERM_LENGTH = Rule("CM-TERM", "004 第十四条(五)；003 内蒙古科技大学办法 第五条", "协议有效期一般为一年，高校派驻不少于6个月",
                   "a term of a year (from 6 months for a university)", _term)
SERVED_ENTERPRISE = Rule("CM-SERVICE-ENTERPRISE", "003 内蒙古办法 第七条(五)", "在派驻企业服务",
                         "service at a served enterprise", _enterprise_served)
REPORT_OPEN = Rule("CM-REPORT-OPEN", "003 内蒙古办法 第十三条；004 第十七条", "有待报送的工作进展", "a report is due",
                   _report_open)
REPORT_LAPSED = Rule("CM-REPORT-LAPSED", "003 内蒙古办法 第十三条；004 第十七条", "报送期限已过", "the period has ended",
                     lambda f: lapsed(REPORTS.next_due(f.case), f))
NO_CHANGE_PENDING = Rule("CM-CHANGE-PENDING", "004 第十一条", "无待审批的调整申请", "no change pending", _no_change_pending)
CHANGE_COMPLETE = Rule("CM-CHANGE-CONTENT", "004 第十五条(二)", "书面申请写明调整内容", "the change is stated",
                       _change_complete)
CHANGE_REQUESTED = Rule("CM-CHANGE-REQUESTED", "004 第十一条", "有待审批的调整申请", "a change awaits its decision",
                        _change_pending)
SERVICE_DAYS = Rule("CM-SERVICE-DAYS", "003 内蒙古办法 第七条(五)", "每年在派驻企业工作不少于30天",
                    "30 days a year on site", _service_days)
RECTIFICATION_LAPSED = Rule("CM-RECTIFICATION-LAPSED", "003 内蒙古科技大学通知 五(四)", "整改期限已过",
                            "the rectification deadline has passed", lambda f: lapsed(RECTIFICATION.next_due(f.case), f))
TERM_RUNNING = Rule("CM-TERM-RUNNING", "003 内蒙古办法 第十一条；004 第十四条(五)", "服务期未满时续签",
                    "renewed before the term ends", _term_running)
TERM_LAPSED = Rule("CM-TERM-END", "003 内蒙古办法 第十一条；004 第十四条(五)", "服务期满", "the term has ended",
                   lambda f: lapsed(TERM.next_due(f.case), f))
EXCELLENT_QUOTA = Quota("CM-EXCELLENT-QUOTA", "004 第十八条", Grade.EXCELLENT, "excellent_quota_percent", Grade.QUALIFIED)
FALSE_INFO = Bar("CM-FALSE-INFO", "003 内蒙古办法 第十五条", "提供虚假信息，三年内不再受理科技特派员、企业申请")
NOT_ELIGIBLE = Bar("CM-NOT-ELIGIBLE", "004 第十八条", "年度考核不合格，取消下一年度申报资格")


def _parties(f: Facts) -> list[str]:
    p = f.payload
    person = [p.person.person_id] if isinstance(p, Registration) else [_registration(f.case)["person"]["person_id"]]
    if isinstance(p, (Matching, ChangeRequest)):
        return person + [e.credit_code for e in p.enterprises or []]
    return person


BANNED = Screen("CM-BANNED", "003 内蒙古办法 第十五条；004 第十八条", "当事人不在限制期内", "no party is barred", _parties)


# --- effects ---------------------------------------------------------------------------------
def _register(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, Registration)
    p = f.payload
    d.region, d.title = p.dispatching_unit.region, f"{p.person.name} · {p.dispatching_unit.name}"
    d.parties = {APPLICANT.value: [p.person.person_id], DISPATCHER.value: [p.dispatching_unit.credit_code]}
    d.data = {"registration": p.model_dump(mode="json")}


def _approve(d: CaseSnapshot, f: Facts) -> None:
    note("approval")(d, f)
    d.data["approval"]["qualification_clause"] = f.profile["qualification"]["clause"]


def _match(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, Matching)
    d.data["matching"] = f.payload.model_dump(mode="json") | {"at": f.now.isoformat()}
    d.parties[HOST.value] = _enterprises(d)


def _start_notice(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, PublicNotice)
    days = f.payload.working_days or f.profile["notice_working_days"]
    last = calendar_of(d).add_working_days(local_date(f.now), days)
    d.data["notice"] = {"from": f.now.isoformat(), "working_days": days, "last_day": last.isoformat(),
                        "until": end_of_day(last).isoformat(), "where": f.payload.where, "objections": []}


def _object(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, Objection)
    objections = d.data["notice"]["objections"]
    objections.append({"n": len(objections) + 1, "objection": f.payload.objection, "by": f.actor.role.value,
                       "at": f.now.isoformat(), "status": "open"})


def _resolve(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, ObjectionDecision)
    p = f.payload
    o = next(o for o in d.data["notice"]["objections"] if o["n"] == p.objection)
    o |= {"status": "upheld" if p.upheld else "dismissed", "finding": p.finding, "resolved_at": f.now.isoformat()}
    if p.upheld:  # back to approved: the notice and the matching it published are history
        d.data.setdefault("past_notices", []).append(d.data.pop("notice") | {"matching": d.data.pop("matching")})
        d.parties.pop(HOST.value, None)


def _sign(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, Agreement)
    agreement = d.data.setdefault("agreement", {"terms": f.payload.model_dump(mode="json"), "signatures": {}})
    agreement["signatures"][f.actor.role.value] = {"by": f.actor.subject, "at": f.now.isoformat()}
    if len(agreement["signatures"]) == len(SIGNATORIES):
        term, every = agreement["terms"]["term_months"], f.profile["report_every_months"]
        agreement["filed_at"] = f.now.isoformat()  # 协议签订后报市科学技术局备案
        TERM.schedule(d, f.now, term, 1)
        REPORTS.schedule(d, f.now, every, max(term // every, 1))


def _log(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, ServiceLog)
    entry = f.payload.model_dump(mode="json") | {"term": len(d.data[TERM.key]), "at": f.now.isoformat()}
    d.data.setdefault("service_log", []).append(entry)
    d.data["service_days_this_term"] = term_service_days(d)


def _report(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, Report)
    REPORTS.hand_in(d, f.now, report=f.payload.report)


def _request_change(d: CaseSnapshot, f: Facts) -> None:
    d.data["change_request"] = f.payload.model_dump(mode="json") | {"by": f.actor.role.value, "at": f.now.isoformat()}


def _decide_change(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, ChangeDecision)
    request = d.data.pop("change_request") | {"approved": f.payload.approved, "decision": f.payload.note,
                                              "decided_at": f.now.isoformat()}
    d.data.setdefault("changes", []).append(request)
    if f.payload.approved and request["kind"] == ChangeKind.ENTERPRISE:
        d.data["matching"]["enterprises"] = request["enterprises"]
        d.parties[HOST.value] = _enterprises(d)
    if f.payload.approved and request["kind"] == ChangeKind.TARGETS:
        d.data["matching"]["targets"] = request["targets"]


def _disqualifies(f: Facts) -> bool:
    return grading.unqualified(f) and (f.profile["unqualified"] == "disqualify" or grading.second_unqualified(f))


def _evaluate(d: CaseSnapshot, f: Facts) -> None:
    entry = grading.record(d, f)
    entry["service_days"] = term_service_days(d)
    if not grading.unqualified(f):
        return
    if f.profile["unqualified"] == "disqualify":  # 取消下一年度科技特派员申报资格
        next_year_end = end_of_day(date(local_date(f.now).year + 1, 12, 31))
        impose(d, f, {APPLICANT.value: d.parties[APPLICANT.value]}, NOT_ELIGIBLE, next_year_end)
    elif not grading.second_unqualified(f):
        RECTIFICATION.schedule(d, f.now, f.profile["rectification_months"], 1)


def _renew(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, Renewal)
    term, every = d.data["agreement"]["terms"]["term_months"], f.profile["report_every_months"]
    TERM.complete(d, f.now, renewed=True, note=f.payload.note)
    TERM.extend(d, term, 1)
    REPORTS.extend(d, every, max(term // every, 1))


def _disqualify(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, Disqualification)
    note("disqualification")(d, f)
    if f.payload.ground is Ground.FALSE_INFORMATION:
        parties = {APPLICANT.value: d.parties[APPLICANT.value], HOST.value: d.parties.get(HOST.value, [])}
        impose(d, f, parties, FALSE_INFO, years_on(f, f.profile["false_information_ban_years"]))


_upheld = Branch(S.APPROVED, lambda f: getattr(f.payload, "upheld", False), "异议成立：退回", "upheld: back to approved")
_all_signed = Branch(S.IN_SERVICE, lambda f: len(_signed(f.case) | {f.actor.role.value: 1}) == len(SIGNATORIES),
                     "三方均已签署：开始服务", "all three signed: in service")
_disqualified = Branch(S.DISQUALIFIED, _disqualifies, "不合格（阳泉）或连续两年不合格：取消资格",
                       "unqualified (yangquan) or twice in a row: disqualified")
_rectify = Branch(S.RECTIFYING, grading.unqualified, "不合格：限期整改", "unqualified: rectify")
LIFT_BAN, BAN_TIMER = lift_bans(A.LIFT_BAN, S)
LIFECYCLE = Lifecycle(
    key="commissioner",
    zh="科技特派员",
    en="S&T commissioner",
    id_prefix="cm",
    states=S,
    finals=(S.ENDED, S.DISQUALIFIED),
    profiles=PROFILES,
    default_profile="inner_mongolia@1",
    campaign=Campaign(A.RECORD_EVALUATION, Grade, (EXCELLENT_QUOTA,)),
    actions=(
        Action(A.REGISTER, (), S.REGISTERED, (APPLICANT, DISPATCHER, STATION), Registration, effect=_register,
               clause="003 包头方案 六(一)", screen=BANNED),
        Action(A.APPROVE, (S.REGISTERED,), S.APPROVED, (STATION, CITY), Note, (APPROVER, QUALIFICATION, INTEGRITY),
               _approve, "004 第十三条", screen=BANNED),
        Action(A.MATCH, (S.APPROVED,), S.MATCHED, (CITY, DISTRICT), Matching, (ENTERPRISE,), _match,
               "004 第十四条(四)", screen=BANNED),
        Action(A.START_PUBLIC_NOTICE, (S.MATCHED,), S.IN_PUBLIC_NOTICE, (CITY,), PublicNotice, effect=_start_notice,
               clause="004 第十四条(四)"),
        Action(A.RAISE_OBJECTION, (S.IN_PUBLIC_NOTICE,), None, ANYONE, Objection, (NOTICE_OPEN,), _object,
               "004 第十四条(四)"),
        Action(A.RESOLVE_OBJECTION, (S.IN_PUBLIC_NOTICE,), None, (CITY,), ObjectionDecision, (OBJECTION_OPEN,),
               _resolve, "004 第十四条(四)", branches=(_upheld,)),
        Action(A.NOTICE_ENDED, (S.IN_PUBLIC_NOTICE,), S.APPOINTED, (SYSTEM,), Note, (NOTICE_LAPSED, NO_OBJECTION),
               note("appointment"), "004 第十四条(五)"),
        Action(A.SIGN_AGREEMENT, (S.APPOINTED,), None, SIGNATORIES, Agreement, (NOT_SIGNED, TERM_LENGTH), _sign,
               "004 第十四条(五)", new_run=True, branches=(_all_signed,)),
        Action(A.LOG_SERVICE, LIVE, None, (APPLICANT,), ServiceLog, (SERVED_ENTERPRISE,), _log, "003 内蒙古办法 第七条(五)"),
        Action(A.SUBMIT_REPORT, LIVE, None, (APPLICANT,), Report, (REPORT_OPEN,), _report, REPORT_OPEN.clause),
        Action(A.REPORT_OVERDUE, LIVE, None, (SYSTEM,), Note, (REPORT_LAPSED,), lambda d, f: REPORTS.lapse(d, f.now),
               REPORT_LAPSED.clause),
        Action(A.REQUEST_CHANGE, LIVE, None, (APPLICANT, HOST), ChangeRequest, (NO_CHANGE_PENDING, CHANGE_COMPLETE),
               _request_change, "004 第十一条", screen=BANNED),
        Action(A.APPROVE_CHANGE, LIVE, None, (CITY,), ChangeDecision, (CHANGE_REQUESTED,), _decide_change,
               "004 第十五条(二)"),
        Action(A.RECORD_EVALUATION, LIVE, None, (CITY,), GradedEvaluation, (SERVICE_DAYS,), _evaluate, "004 第十八条",
               new_run=True, branches=(_disqualified, _rectify)),
        Action(A.RECTIFICATION_OVERDUE, (S.RECTIFYING,), None, (SYSTEM,), Note, (RECTIFICATION_LAPSED,),
               lambda d, f: RECTIFICATION.lapse(d, f.now), RECTIFICATION_LAPSED.clause),
        Action(A.CONFIRM_RECTIFICATION, (S.RECTIFYING,), S.IN_SERVICE, (CITY,), Note, effect=grading.rectified(RECTIFICATION),
               clause="003 内蒙古科技大学通知 五(四)"),
        Action(A.RENEW, (S.IN_SERVICE,), None, (CITY,), Renewal, (TERM_RUNNING,), _renew, TERM_RUNNING.clause,
               new_run=True),
        Action(A.TERM_ENDED, LIVE, S.ENDED, (SYSTEM,), Note, (TERM_LAPSED,), lambda d, f: TERM.lapse(d, f.now),
               TERM_LAPSED.clause),
        Action(A.DISQUALIFY, NOT_FINAL, S.DISQUALIFIED, (CITY,), Disqualification, effect=_disqualify,
               clause="004 第十六条"),
        LIFT_BAN,
    ),
    timers=(
        Timer("public_notice", "公示期满", "notice period ends", notice_end, lambda c: False, A.NOTICE_ENDED),
        Timer("progress_report", "工作进展报送", "progress report", REPORTS.next_due, lambda c: False,
              A.REPORT_OVERDUE, REPORTS.outstanding, supervised=True),
        Timer("term_end", "服务期满", "term ends", TERM.next_due, lambda c: False, A.TERM_ENDED),
        Timer("rectification", "限期整改", "rectification deadline", RECTIFICATION.next_due, lambda c: False,
              A.RECTIFICATION_OVERDUE, RECTIFICATION.outstanding, supervised=True),
        BAN_TIMER,
    ),
)
