"""The doctoral_workstation lifecycle checked action by action through the real `CaseMachine`:
rules, states, roles, jurisdiction, payloads, and a random walk over the table."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from transitions import Machine

from tests.factories import (
    CITY,
    CITY_REGION,
    DISTRICT,
    HOST,
    LEAD,
    OTHER_DISTRICT,
    OTHER_REGION,
    REGION,
    SECTOR_INDUSTRY,
    UNIT_CODE,
    filing,
    open_survey,
    unit,
)
from tests.unit.driver import Driver
from zhanwu.schemas.common import Actor, CaseSnapshot, Refusal, Role, Sector
from zhanwu.workflows.common.calendar import CALENDARS, CURRENT, local_date
from zhanwu.workflows.common.lifecycle import CREATE, Facts
from zhanwu.workflows.doctoral_workstation.machine import FILING_RULES, FIVE
from zhanwu.workflows.doctoral_workstation.machine import LIFECYCLE as LC

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 Asia/Shanghai
APPLICANT = Actor(subject=LEAD, role=Role.APPLICANT, region=REGION)
SYSTEM = Actor(subject="system", role=Role.SYSTEM, region=REGION)
ACTOR_OF = {
    Role.DISTRICT_OFFICE: DISTRICT,
    Role.SECTOR_DEPARTMENT: SECTOR_INDUSTRY,
    Role.CITY_OFFICE: CITY,
    Role.HOST_UNIT: HOST,
    Role.APPLICANT: APPLICANT,
    Role.SYSTEM: SYSTEM,
}
STATES = [s.value for s in LC.states]
FINALS = {s.value for s in LC.finals}
RECOGNITION = {"kind": "provincial_station", "name": "山西省博士创新站", "recognised_on": "2025-06-30"}
# the actions taken to reach each state from a blank case, in order
PATH = ["open_survey", "begin_cultivation", "submit_filing", "recommend", "approve_filing", "issue_rectification"]
EXTRA_PATH = {"withdrawn": ["open_survey", "withdraw"], "revoked": [*PATH, "submit_rectification", "reject_rectification"]}


# --- helpers -------------------------------------------------------------------------------
def payload_for(action: str, now: datetime = NOW, filing_: dict[str, Any] | None = None) -> dict[str, Any]:
    """A valid payload for each action of the table."""
    match action:
        case "open_survey":
            return open_survey()
        case "register_existing":
            return {"unit": unit(), "recognition": RECOGNITION, "filing": filing_ or filing()}
        case "submit_filing":
            return filing_ or filing()
        case "return_for_revision" | "reject_rectification" | "withdraw":
            return {"reason": "材料不全"}
        case "set_tier":
            return {"tier": "demonstration"}
        case "issue_rectification":
            return {"findings": "团队解散", "deadline": (local_date(now) + timedelta(days=30)).isoformat()}
        case "submit_rectification":
            return {"report": "已补充团队成员"}
        case "begin_cultivation" | "recommend" | "approve_filing" | "accept_rectification" | "rectification_expired":
            return {}
        case "extend_deadline":
            return {"kind": "rectification", "until": (local_date(now) + timedelta(days=60)).isoformat(), "reason": "汛期"}
        case "suspend_deadline" | "resume_deadline":
            return {"kind": "rectification", "reason": "涉事人员住院"}
        case "remind":
            return {"kind": "rectification", "due_at": now.isoformat(), "level": "red"}
    raise AssertionError(f"no payload for {action}")


DRIVER = Driver(LC, ACTOR_OF, payload_for)


def actor_for(action: str) -> Actor:
    return ACTOR_OF[LC.by_key[action].roles[0]]


def blank(now: datetime = NOW, calendar: str = CURRENT.version) -> CaseSnapshot:
    return DRIVER.blank(now, calendar=calendar)


def check(case: CaseSnapshot, action: str, actor: Actor | None = None, payload: dict[str, Any] | None = None,
          now: datetime = NOW, **kw: Any) -> tuple[Facts | None, Refusal | None]:
    return DRIVER.check(case, action, now, actor, payload, **kw)


def act(case: CaseSnapshot, action: str, actor: Actor | None = None, payload: dict[str, Any] | None = None,
        now: datetime = NOW) -> CaseSnapshot:
    """Apply an action that must be accepted."""
    return DRIVER.act(case, action, now, actor, payload)


def refused(case: CaseSnapshot, action: str, actor: Actor | None = None, payload: dict[str, Any] | None = None,
            now: datetime = NOW, **kw: Any) -> Refusal:
    return DRIVER.refused(case, action, now, actor, payload, **kw)


def path_to(state: str) -> list[str]:
    if state in EXTRA_PATH:
        return EXTRA_PATH[state]
    dests = [LC.by_key[a].dest for a in PATH]
    return PATH[: dests.index(state) + 1]


def drive(state: str, filing_: dict[str, Any] | None = None, now: datetime = NOW,
          calendar: str = CURRENT.version) -> CaseSnapshot:
    """A case taken through the real machine, from a blank case, to `state`."""
    case = blank(now, calendar)
    for action in path_to(state):
        case = act(case, action, payload=payload_for(action, now, filing_), now=now)
    assert case.state == state
    return case


def filing_with(**changes: Any) -> dict[str, Any]:
    """filing() with dotted-path changes, e.g. `conditions.funding=None`, `team.1.lead=True`."""
    f = filing()
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node: Any = f
        for p in parents:
            node = node[int(p)] if p.isdigit() else node[p]
        node[int(leaf) if leaf.isdigit() else leaf] = value
    return f


def expected_available(state: str, actor: Actor) -> list[str]:
    """The actions `transitions` itself offers in `state`, restricted to the actor's role."""
    m = Machine(states=[CREATE, *STATES], transitions=LC.transitions(), initial=state, auto_transitions=False)
    triggers = set(m.get_triggers(state))
    supervising = LC.supervision if state == "rectifying" else ()  # only there does a supervised deadline run
    return ([a.key.value for a in LC.actions if a.key.value in triggers and actor.role in a.roles]
            + [a.key.value for a in supervising if actor.role in a.roles])


# --- the table, as DOMAIN.md states it ----------------------------------------------------------
D, SD, C, H, AP, SY = "district_office", "sector_department", "city_office", "host_unit", "applicant", "system"
SPEC_TABLE = {  # action: (from, to (None: stays), roles)
    "open_survey": ((), "surveyed", {D, SD}),
    "register_existing": ((), "filing_submitted", {H, D, SD}),
    "begin_cultivation": (("surveyed",), "cultivating", {D, SD}),
    "submit_filing": (("cultivating",), "filing_submitted", {H, AP}),
    "recommend": (("filing_submitted",), "recommended", {D, SD}),
    "return_for_revision": (("filing_submitted", "recommended"), "cultivating", {D, SD, C}),
    "approve_filing": (("recommended",), "filed", {C}),
    "set_tier": (("filed",), None, {C, D}),
    "issue_rectification": (("filed",), "rectifying", {C}),
    "submit_rectification": (("rectifying",), None, {H}),
    "accept_rectification": (("rectifying",), "filed", {C}),
    "reject_rectification": (("rectifying",), "revoked", {C}),
    "rectification_expired": (("rectifying",), "revoked", {SY}),
    "withdraw": (("surveyed", "cultivating", "filing_submitted", "recommended"), "withdrawn", {H}),
}


def test_the_table_is_the_spec() -> None:
    table = {
        a.key.value: (tuple(s.value for s in a.sources), a.dest.value if a.dest else None, {r.value for r in a.roles})
        for a in LC.actions
    }
    assert table == SPEC_TABLE
    assert {s.value for s in LC.finals} == {"revoked", "withdrawn"}
    assert {r.id for r in LC.by_key["submit_filing"].rules} == {r.id for r in LC.by_key["approve_filing"].rules} == {
        "DW-FIVE-CONDITIONS", "DW-TEAM-SIZE", "DW-NO-AFFILIATION", "DW-AGREEMENTS"}
    assert LC.by_key["submit_filing"].claim is LC.by_key["register_existing"].claim is not None


# --- the helper itself -----------------------------------------------------------------------
def test_every_action_has_a_payload_and_every_state_is_reachable() -> None:
    for a in LC.actions:
        payload_for(a.key.value)
    for s in STATES:
        case = drive(s)
        assert (case.state, case.version) == (s, len(path_to(s)))


def test_the_main_path_records_state_tier_parties_and_deadline() -> None:
    case = drive("filed")
    assert (case.state, case.version, case.tier) == ("filed", 5, "key_improvement")
    assert case.region == REGION and case.sector == "industry"
    assert case.parties == {"host_unit": [UNIT_CODE], "applicant": [LEAD]}
    assert case.data["lead"] == LEAD and case.data["filing"]["team"][0]["person_id"] == LEAD
    assert case.flags == {"provincial_recommendation_eligible": False}
    rect = act(case, "issue_rectification")
    assert [(d.kind, d.due_at, d.met) for d in rect.deadlines] == [
        ("rectification", datetime(2026, 4, 1, 16, 0, tzinfo=UTC), False)  # 2026-04-01 24:00 Shanghai
    ]


# --- DW-FIVE-CONDITIONS ------------------------------------------------------------------------
@pytest.mark.parametrize("missing", list(FIVE))
@pytest.mark.parametrize("blank_value", [None, "   "])
def test_five_conditions_each_missing(missing: str, blank_value: str | None) -> None:
    f = filing_with(**{f"conditions__{missing}": blank_value})
    r = refused(drive("cultivating"), "submit_filing", HOST, f)
    assert (r.kind, r.rule, r.clause) == ("rule", "DW-FIVE-CONDITIONS", "000 §二(一)")
    assert r.extra["missing"] == [missing]
    assert FIVE[missing][0] in r.detail_zh
    # the same rule guards registering an existing station
    r = refused(blank(), "register_existing", HOST, payload_for("register_existing", filing_=f))
    assert (r.rule, r.extra["missing"]) == ("DW-FIVE-CONDITIONS", [missing])


def test_five_conditions_all_missing_names_all_five() -> None:
    f = filing_with(conditions={})
    r = refused(drive("cultivating"), "submit_filing", HOST, f)
    assert r.extra["missing"] == list(FIVE)


# --- DW-TEAM-SIZE ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("f", "extra"),
    [
        (filing(team_size=2), {"members": 2, "doctors": 2}),
        (filing_with(team__0__lead=False), {"leads": 0}),
        (filing_with(team__1__lead=True), {"leads": 2}),
        (filing_with(team__0__doctorate=False), {"leads": 1}),
        (filing(team_size=1), {"members": 1, "doctors": 1}),
    ],
    ids=["two-members", "no-lead", "two-leads", "lead-without-doctorate", "lead-alone"],
)
def test_team_size_refused(f: dict[str, Any], extra: dict[str, int]) -> None:
    r = refused(drive("cultivating"), "submit_filing", APPLICANT, f)
    assert (r.kind, r.rule) == ("rule", "DW-TEAM-SIZE")
    assert r.extra == extra


@pytest.mark.parametrize("f", [filing(team_size=3), filing(team_size=3, doctors=1), filing(team_size=8, doctors=1)],
                         ids=["three-doctors", "three-one-doctor", "eight-one-doctor"])
def test_team_size_accepted(f: dict[str, Any]) -> None:
    case = act(drive("cultivating"), "submit_filing", HOST, f)
    assert case.state == "filing_submitted" and case.data["filing"]["team"] == f["team"]


# --- DW-NO-AFFILIATION ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("f", "names"),
    [
        (filing_with(team__1__affiliated_with_host=True), ["博士1"]),
        (filing_with(team__2__employer_kind="other"), ["博士2"]),
        (filing_with(team__0__affiliated_with_host=True, team__2__employer_kind="other"), ["博士0", "博士2"]),
    ],
    ids=["affiliated", "employer-other", "both"],
)
def test_no_affiliation(f: dict[str, Any], names: list[str]) -> None:
    r = refused(drive("cultivating"), "submit_filing", HOST, f)
    assert (r.rule, r.extra["members"]) == ("DW-NO-AFFILIATION", names)


@pytest.mark.parametrize("kind", ["university", "research_institute", "medical_institution"])
def test_no_affiliation_accepts_the_three_employer_kinds(kind: str) -> None:
    f = filing_with(team__1__employer_kind=kind, team__2__employer_kind=kind)
    assert act(drive("cultivating"), "submit_filing", HOST, f).state == "filing_submitted"


# --- DW-AGREEMENTS ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"agreements__co_construction_signed_on": None}, ["共建协议"]),
        ({"agreements__project_cooperation_signed_on": None}, ["项目合作协议"]),
        ({"agreements": {}}, ["共建协议", "项目合作协议"]),
        ({"agreements__project_cooperation_signed_on": "2026-03-03"}, ["项目合作协议"]),  # tomorrow
    ],
    ids=["co-construction", "project-cooperation", "both", "future-date"],
)
def test_agreements(changes: dict[str, Any], missing: list[str]) -> None:
    r = refused(drive("cultivating"), "submit_filing", HOST, filing_with(**changes))
    assert (r.rule, r.extra["missing"]) == ("DW-AGREEMENTS", missing)


def test_agreement_signed_today_counts_in_shanghai_time() -> None:
    f = filing_with(agreements__co_construction_signed_on="2026-03-03")
    case = drive("cultivating")
    # 2026-03-02 23:00 in Shanghai: the agreement is dated tomorrow
    assert refused(case, "submit_filing", HOST, f, now=datetime(2026, 3, 2, 15, 0, tzinfo=UTC)).rule == "DW-AGREEMENTS"
    # 2026-03-03 01:00 in Shanghai (still 03-02 in UTC): signed today
    assert act(case, "submit_filing", HOST, f, now=datetime(2026, 3, 2, 17, 0, tzinfo=UTC)).state == "filing_submitted"


def test_several_violations_are_all_named() -> None:
    f = filing_with(conditions__site=None, agreements={}, team__1__affiliated_with_host=True)
    r = refused(drive("cultivating"), "submit_filing", HOST, f)
    assert r.rule == "DW-FIVE-CONDITIONS"
    assert r.extra["also_violated"] == ["DW-NO-AFFILIATION", "DW-AGREEMENTS"]


# --- DW-DEADLINE ----------------------------------------------------------------------------
def rectification(deadline: str) -> dict[str, Any]:
    return {"findings": "团队解散", "deadline": deadline}


@pytest.mark.parametrize("deadline", ["2026-02-27", "2026-03-02T01:59:59+00:00", "2026-03-02T10:00:00+08:00"])
def test_deadline_in_the_past_is_refused(deadline: str) -> None:
    r = refused(drive("filed"), "issue_rectification", CITY, rectification(deadline))
    assert (r.kind, r.rule, r.clause) == ("rule", "DW-DEADLINE", "000 §四(四)")


def test_deadline_in_the_future_is_accepted() -> None:
    case = act(drive("filed"), "issue_rectification", CITY, rectification("2026-03-02T02:00:01+00:00"))
    assert case.state == "rectifying"
    assert case.data["rectification"]["due_at"] == "2026-03-02T02:00:01+00:00"
    assert case.deadlines[0].due_at == datetime(2026, 3, 2, 2, 0, 1, tzinfo=UTC)


def test_a_date_deadline_ends_at_24_00_shanghai() -> None:
    case = drive("filed")
    today = rectification("2026-03-02")
    # 23:59 in Shanghai on the day itself: still before its end
    ok = act(case, "issue_rectification", CITY, today, now=datetime(2026, 3, 2, 15, 59, tzinfo=UTC))
    assert ok.data["rectification"]["due_at"] == "2026-03-02T16:00:00+00:00"
    # 24:00 in Shanghai: the day is over
    r = refused(case, "issue_rectification", CITY, today, now=datetime(2026, 3, 2, 16, 0, tzinfo=UTC))
    assert r.rule == "DW-DEADLINE"


def test_a_date_deadline_on_a_holiday_rolls_past_it() -> None:
    case = act(drive("filed"), "issue_rectification", CITY, rectification("2026-10-01"))
    assert case.deadlines[0].due_at == datetime(2026, 10, 8, 16, 0, tzinfo=UTC)
    # yesterday was a Sunday: a period whose last day is a rest day ends on the next working day, today
    case = act(drive("filed"), "issue_rectification", CITY, rectification("2026-03-01"))
    assert case.deadlines[0].due_at == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


def test_a_case_counts_with_the_calendar_it_opened_with(monkeypatch: pytest.MonkeyPatch) -> None:
    # A later calendar version (an upgrade of `holidays` publishing 2027's schedule) makes Monday
    # 1 March 2027 a day off: cases opened after it roll past that day, cases opened before do not.
    later = replace(CURRENT, version="CN/test-later", holidays=CURRENT.holidays | {date(2027, 3, 1)})
    monkeypatch.setitem(CALENDARS, later.version, later)
    before, after = drive("filed"), drive("filed", calendar=later.version)
    assert (before.calendar, after.calendar) == (CURRENT.version, later.version)
    due = {c.calendar: act(c, "issue_rectification", CITY, rectification("2027-03-01")).deadlines[0].due_at
           for c in (before, after)}
    assert due == {CURRENT.version: datetime(2027, 3, 1, 16, 0, tzinfo=UTC),
                   later.version: datetime(2027, 3, 2, 16, 0, tzinfo=UTC)}


@pytest.mark.parametrize(
    ("deadline", "due"),
    [
        ("2026-04-01", datetime(2026, 4, 1, 16, 0, tzinfo=UTC)),  # a date, as JSON sends it
        ("2026-04-01T00:00:00+08:00", datetime(2026, 3, 31, 16, 0, tzinfo=UTC)),  # an instant: stays
        ("2026-04-01T10:00:00", datetime(2026, 4, 1, 2, 0, tzinfo=UTC)),  # no zone: Shanghai time
    ],
)
def test_deadline_strings_are_read_as_dates_or_instants(deadline: str, due: datetime) -> None:
    case = act(drive("filed"), "issue_rectification", CITY, rectification(deadline))
    assert case.deadlines[0].due_at == due
    assert datetime.fromisoformat(case.data["rectification"]["due_at"]) == due


# --- DW-RECT-REPORT / DW-RECT-LAPSED ---------------------------------------------------------------
@pytest.mark.parametrize("action", ["accept_rectification", "reject_rectification"])
def test_decision_before_a_report_is_refused(action: str) -> None:
    r = refused(drive("rectifying"), action, CITY)
    assert (r.kind, r.rule) == ("rule", "DW-RECT-REPORT")


def test_accept_after_a_report_returns_to_filed() -> None:
    case = act(drive("rectifying"), "submit_rectification", HOST)
    assert case.state == "rectifying" and case.data["rectification"]["report"] == "已补充团队成员"
    assert case.deadlines[0].met is True
    case = act(case, "accept_rectification", CITY)
    assert case.state == "filed" and case.data["rectification"] is None and case.deadlines == []


def test_reject_after_a_report_revokes() -> None:
    case = act(act(drive("rectifying"), "submit_rectification", HOST), "reject_rectification", CITY)
    assert case.state == "revoked" and case.data["revocation"]["reason"] == "材料不全"


def test_deadline_fires_only_when_passed_unreported() -> None:
    case = drive("rectifying")
    due = datetime.fromisoformat(case.data["rectification"]["due_at"])
    timer, at = LC.next_timer(case) or (None, None)
    assert timer is not None and timer.action == "rectification_expired" and at == due
    r = refused(case, "rectification_expired", SYSTEM, {}, now=due - timedelta(seconds=1))
    assert (r.kind, r.rule) == ("rule", "DW-RECT-LAPSED")
    assert act(case, "rectification_expired", SYSTEM, {}, now=due).state == "revoked"
    reported = act(case, "submit_rectification", HOST)
    assert LC.next_timer(reported) is None
    assert refused(reported, "rectification_expired", SYSTEM, {}, now=due + timedelta(days=1)).rule == "DW-RECT-LAPSED"


# --- approve_filing: the provincial flag, and the filing rules checked again ---------------------------
@pytest.mark.parametrize(
    ("size", "doctors", "eligible"),
    [(5, 3, True), (5, 2, False), (4, 4, False), (9, 3, True), (3, 3, False)],
)
def test_provincial_recommendation_flag(size: int, doctors: int, eligible: bool) -> None:
    case = act(drive("recommended", filing_=filing(team_size=size, doctors=doctors)), "approve_filing", CITY)
    assert case.state == "filed" and case.tier == "key_improvement"
    assert case.flags["provincial_recommendation_eligible"] is eligible


def test_approve_filing_checks_the_filing_rules_again() -> None:
    case = drive("recommended")
    assert act(case, "approve_filing", CITY).state == "filed"
    # the filing on record no longer meets the rules (e.g. it was changed since it was submitted)
    stale = case.model_copy(deep=True)
    stale.data["filing"]["conditions"]["funding"] = ""
    r = refused(stale, "approve_filing", CITY)
    assert (r.rule, r.extra["missing"]) == ("DW-FIVE-CONDITIONS", ["funding"])
    stale.data["filing"]["team"] = stale.data["filing"]["team"][:2]
    r = refused(stale, "approve_filing", CITY)
    assert r.rule == "DW-FIVE-CONDITIONS" and r.extra["also_violated"] == ["DW-TEAM-SIZE"]
    facts, _ = check(case, "approve_filing", CITY)
    assert facts is not None
    _, event = LC.machine("recommended").apply("approve_filing", facts)
    assert event.rules == [r.id for r in FILING_RULES]


# --- DW-TIER -------------------------------------------------------------------------------
@pytest.mark.parametrize("actor", [CITY, DISTRICT], ids=lambda a: a.role.value)
def test_set_tier_between_the_filed_tiers(actor: Actor) -> None:
    case = act(drive("filed"), "set_tier", actor, {"tier": "demonstration"})
    assert (case.state, case.tier, case.version) == ("filed", "demonstration", 6)
    case = act(case, "set_tier", actor, {"tier": "key_improvement"})
    assert (case.state, case.tier, case.version) == ("filed", "key_improvement", 7)


def test_set_tier_refuses_the_unfiled_tier() -> None:
    r = refused(drive("filed"), "set_tier", CITY, {"tier": "basic_cultivation"})
    assert (r.kind, r.rule, r.extra["allowed"]) == ("rule", "DW-TIER", ["key_improvement", "demonstration"])


# --- register_existing ----------------------------------------------------------------------
@pytest.mark.parametrize("actor", [HOST, DISTRICT, SECTOR_INDUSTRY], ids=lambda a: a.role.value)
def test_register_existing_creates_at_filing_submitted(actor: Actor) -> None:
    case = act(blank(), "register_existing", actor)
    assert (case.state, case.version, case.tier) == ("filing_submitted", 1, "basic_cultivation")
    assert case.flags == {"existing_recognition": True}
    assert case.parties == {"host_unit": [UNIT_CODE], "applicant": [LEAD]}
    assert case.data["recognition"]["kind"] == "provincial_station" and case.data["lead"] == LEAD
    assert case.created_at == NOW
    # then on the ordinary path
    case = act(act(case, "recommend", DISTRICT), "approve_filing", CITY)
    assert case.state == "filed" and case.flags["existing_recognition"] is True


def test_register_existing_checks_the_filing_rules() -> None:
    r = refused(blank(), "register_existing", HOST, payload_for("register_existing", filing_=filing(team_size=2)))
    assert r.rule == "DW-TEAM-SIZE"


def test_open_survey_creates_at_surveyed() -> None:
    case = act(blank(), "open_survey", SECTOR_INDUSTRY)
    assert (case.state, case.version, case.title, case.region) == ("surveyed", 1, "晋中某新材料有限公司", REGION)
    assert case.data["intention"] == "高性能镁合金研发" and case.flags == {}


# --- the table: every illegal (state, action) pair is refused by state -------------------------------
@pytest.mark.parametrize("state", STATES)
def test_every_illegal_pair_is_refused_with_state(state: str) -> None:
    case = drive(state)
    illegal = [a for a in LC.actions if state not in [s.value for s in a.sources]]
    assert illegal
    for action in illegal:
        for role in action.roles:
            actor = ACTOR_OF[role]
            r = refused(case, action.key.value, actor)
            assert (r.kind, r.rule) == ("state", "STATE"), (state, action.key.value, role, r)
            assert r.extra["state"] == state
            assert r.extra["available_actions"] == expected_available(state, actor)
            assert action.key.value not in r.extra["available_actions"]
            assert LC.state_label(state) in r.detail_zh


@pytest.mark.parametrize("state", STATES)
def test_every_legal_pair_passes_the_state_check(state: str) -> None:
    case = drive(state)
    legal = [a for a in LC.actions if state in [s.value for s in a.sources]]
    assert (state in FINALS) == (not legal)
    for action in legal:
        for role in action.roles:
            _, r = check(case, action.key.value, ACTOR_OF[role])
            assert r is None or r.kind == "rule", (state, action.key.value, role, r)
        assert action.key.value in LC.allowed_actions(ACTOR_OF[action.roles[0]], case)


def test_non_create_action_on_a_blank_case_is_refused_by_state() -> None:
    r = refused(blank(), "rectification_expired", SYSTEM, {})
    assert (r.kind, r.rule, r.extra["state"], r.extra["available_actions"]) == ("state", "STATE", None, [])


# --- roles, jurisdiction, payloads, versions ---------------------------------------------------
@pytest.mark.parametrize(
    ("state", "action", "actor"),
    [
        (None, "open_survey", CITY),
        (None, "open_survey", HOST),
        (None, "register_existing", CITY),
        ("surveyed", "begin_cultivation", HOST),
        ("cultivating", "submit_filing", DISTRICT),
        ("filing_submitted", "recommend", CITY),
        ("recommended", "approve_filing", HOST),
        ("recommended", "approve_filing", DISTRICT),
        ("filed", "issue_rectification", DISTRICT),
        ("rectifying", "submit_rectification", CITY),
        ("rectifying", "rectification_expired", CITY),
        ("surveyed", "withdraw", DISTRICT),
        ("filed", "set_tier", SYSTEM),
    ],
)
def test_role_not_allowed_is_forbidden(state: str | None, action: str, actor: Actor) -> None:
    r = refused(drive(state) if state else blank(), action, actor)
    assert (r.kind, r.rule) == ("forbidden", "ROLE")
    assert r.extra["allowed_roles"] == [role.value for role in LC.by_key[action].roles]


OTHER_SECTOR = Actor(subject="wjw-1", role=Role.SECTOR_DEPARTMENT, region=CITY_REGION, sector=Sector.HEALTH)
OTHER_CITY_SECTOR = Actor(subject="gxj-9", role=Role.SECTOR_DEPARTMENT, region="140800", sector=Sector.INDUSTRY)
OTHER_CITY = Actor(subject="city-9", role=Role.CITY_OFFICE, region="140800")
OTHER_HOST = Actor(subject="91110000600037341L", role=Role.HOST_UNIT, region=REGION)
OTHER_APPLICANT = Actor(subject="doc-999", role=Role.APPLICANT, region=REGION)


@pytest.mark.parametrize(
    ("state", "action", "actor"),
    [
        (None, "open_survey", OTHER_DISTRICT),
        (None, "open_survey", OTHER_SECTOR),
        (None, "open_survey", OTHER_CITY_SECTOR),
        (None, "register_existing", OTHER_HOST),
        ("surveyed", "begin_cultivation", OTHER_DISTRICT),
        ("surveyed", "begin_cultivation", OTHER_SECTOR),
        ("surveyed", "begin_cultivation", OTHER_CITY_SECTOR),
        ("surveyed", "withdraw", OTHER_HOST),
        ("cultivating", "submit_filing", OTHER_HOST),
        ("recommended", "approve_filing", OTHER_CITY),
        ("recommended", "return_for_revision", OTHER_DISTRICT),
        ("rectifying", "submit_rectification", OTHER_HOST),
    ],
)
def test_actor_outside_jurisdiction_does_not_find_the_case(state: str | None, action: str, actor: Actor) -> None:
    r = refused(drive(state) if state else blank(), action, actor)
    assert (r.kind, r.rule) == ("not_found", "JURISDICTION")
    if state is not None:
        assert LC.allowed_actions(actor, drive(state)) == []


def test_applicant_is_bound_to_the_case_once_named() -> None:
    case = drive("cultivating")
    # before a filing names the lead, an applicant of the region may file ...
    assert check(case, "submit_filing", OTHER_APPLICANT)[1] is None
    # ... once the lead is named (filed, then returned for revision), only that lead may
    returned = act(drive("filing_submitted"), "return_for_revision", CITY)
    assert returned.state == "cultivating"
    assert refused(returned, "submit_filing", OTHER_APPLICANT).kind == "not_found"
    assert act(returned, "submit_filing", APPLICANT).state == "filing_submitted"


def test_other_district_may_open_in_its_own_region() -> None:
    case = act(blank(), "open_survey", OTHER_DISTRICT, open_survey(region=OTHER_REGION))
    assert case.region == OTHER_REGION
    assert refused(case, "begin_cultivation", DISTRICT).kind == "not_found"
    assert act(case, "begin_cultivation", OTHER_DISTRICT).state == "cultivating"


def names_field(r: Refusal, loc: tuple[Any, ...]) -> bool:
    """The refusal is a payload error naming `loc` (a union type adds its member after it)."""
    assert (r.kind, r.rule) == ("invalid", "PAYLOAD")
    return any(tuple(e["loc"][: len(loc)]) == loc for e in r.extra["errors"])


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        (open_survey(code="91350100M000100Y44"), ("body", "unit", "credit_code")),
        (open_survey(code="91350100M000100Y4"), ("body", "unit", "credit_code")),
        (open_survey(region="14070"), ("body", "unit", "region")),
        (open_survey(region="040702"), ("body", "unit", "region")),
        (open_survey() | {"intention": ""}, ("body", "intention")),
        (open_survey() | {"extra": 1}, ("body", "extra")),
        ({"intention": "x"}, ("body", "unit")),
    ],
    ids=["check-digit", "short-code", "short-region", "region-leading-zero", "empty-intention", "extra-field", "no-unit"],
)
def test_malformed_open_survey_is_invalid(payload: dict[str, Any], loc: tuple[str, ...]) -> None:
    assert names_field(refused(blank(), "open_survey", DISTRICT, payload), loc)


@pytest.mark.parametrize(
    ("state", "action", "payload", "loc"),
    [
        ("filed", "set_tier", {"tier": "gold"}, ("body", "tier")),
        ("filed", "issue_rectification", {"deadline": "2026-04-01"}, ("body", "findings")),
        ("filed", "issue_rectification", rectification("next week"), ("body", "deadline")),
        ("surveyed", "withdraw", {}, ("body", "reason")),
        ("cultivating", "submit_filing", filing_with(team__1__doctorate="maybe"), ("body", "team", 1, "doctorate")),
        ("cultivating", "submit_filing", filing_with(team__1__employer_kind="company"),
         ("body", "team", 1, "employer_kind")),
        ("cultivating", "submit_filing", filing_with(agreements__co_construction_signed_on="someday"),
         ("body", "agreements", "co_construction_signed_on")),
    ],
)
def test_malformed_payload_is_invalid(state: str, action: str, payload: dict[str, Any], loc: tuple[Any, ...]) -> None:
    assert names_field(refused(drive(state), action, None, payload), loc)


def test_credit_code_is_normalised_to_upper_case() -> None:
    case = act(blank(), "open_survey", DISTRICT, open_survey(code=UNIT_CODE.lower()))
    assert case.data["unit"]["credit_code"] == UNIT_CODE and case.parties["host_unit"] == [UNIT_CODE]


def test_stale_expected_version_is_refused() -> None:
    case = drive("surveyed")
    r = refused(case, "begin_cultivation", DISTRICT, expected_version=0)
    assert (r.kind, r.extra["version"]) == ("version", 1)
    assert check(case, "begin_cultivation", DISTRICT, expected_version=1)[1] is None


def test_unknown_action() -> None:
    assert refused(drive("filed"), "promote", CITY, {}).kind == "not_found"


def test_check_does_not_change_the_case() -> None:
    case = drive("recommended")
    before = case.model_copy(deep=True)
    facts, _ = check(case, "approve_filing", CITY)
    assert case == before and facts is not None and facts.case is case
    LC.machine("recommended").apply("approve_filing", facts)
    assert case == before


# --- a random walk over the table ---------------------------------------------------------------
ALL_ACTORS = [*ACTOR_OF.values(), OTHER_DISTRICT, OTHER_SECTOR, OTHER_HOST, OTHER_APPLICANT]
FILINGS = [filing(), filing(team_size=2), filing(team_size=5, doctors=3), filing_with(agreements={}),
           filing_with(conditions__site=None), filing_with(team__1__affiliated_with_host=True)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_walk_keeps_the_machine_invariants(data: st.DataObject) -> None:
    case = blank()
    now = NOW
    accepted = 0
    for _ in range(data.draw(st.integers(1, 25), label="steps")):
        state = case.state or None
        offered = [a.key.value for a in LC.available(state)]
        keys = data.draw(st.sampled_from([offered, list(LC.by_key)]) if offered else st.just(list(LC.by_key)))
        action = LC.by_key[data.draw(st.sampled_from(keys), label="action")]
        actor = data.draw(st.sampled_from([*(ACTOR_OF[r] for r in action.roles), *ALL_ACTORS]), label="actor")
        now += timedelta(days=data.draw(st.integers(0, 40), label="days"))
        f = data.draw(st.sampled_from(FILINGS), label="filing")
        payload = payload_for(action.key.value, now, copy.deepcopy(f))
        before = case.model_copy(deep=True)
        facts, refusal = LC.machine(state).check(action.key.value, actor, payload, now, case)
        assert case == before, "check changed the case"
        if state in FINALS:
            assert refusal is not None and refusal.kind in ("state", "not_found", "forbidden")
        if actor.role not in action.roles:
            assert refusal is not None and refusal.kind == "forbidden"
        elif refusal is not None and refusal.kind == "state":
            assert action.key.value not in offered
        elif refusal is None or refusal.kind == "rule":
            assert action.key.value in offered
        if refusal is not None:
            assert refusal.kind in ("state", "rule", "forbidden", "not_found")
            continue
        assert facts is not None
        new, event = LC.machine(state).apply(action.key.value, facts)
        accepted += 1
        assert new.state in STATES
        assert new.version == before.version + 1 == accepted == event.seq
        assert new.state == (action.dest.value if action.dest else state)
        assert (event.from_state, event.to_state) == (state, new.state)
        assert new.updated_at == now
        if state is not None:
            assert new.region == before.region and new.id == before.id
        case = new
    if case.state in FINALS:
        for a in LC.actions:
            for role in a.roles:
                assert LC.machine(case.state).check(a.key.value, ACTOR_OF[role], payload_for(a.key.value, now),
                                                    now, case)[1] is not None
        assert all(LC.allowed_actions(actor, case) == [] for actor in ALL_ACTORS)


def test_random_walk_reaches_the_final_states() -> None:
    """The walk above is only meaningful if accepted sequences reach the ends: show one of each."""
    assert drive("revoked").state == "revoked" and drive("withdrawn").state == "withdrawn"
    case = drive("rectifying")
    due = datetime.fromisoformat(case.data["rectification"]["due_at"])
    assert act(case, "rectification_expired", SYSTEM, {}, now=due).state == "revoked"
