"""Supervision 督办 of deadlines: the reminder ladder on the working-day calendar, and an office's
extension, suspension and resumption of a running deadline, through the real machine."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.factories import CITY, DISTRICT, HOST
from tests.unit.test_doctoral_workstation_rules import NOW, SYSTEM, act, drive, refused
from zhanwu.schemas.common import CaseSnapshot, Level
from zhanwu.workflows.common.calendar import CURRENT, SHANGHAI
from zhanwu.workflows.common.supervision import Ladder, next_step
from zhanwu.workflows.doctoral_workstation.machine import LIFECYCLE as LC

DUE = CURRENT.deadline_instant(date(2026, 10, 9))  # Friday 9 October 2026, 24:00: just after 国庆 (1–7 October)


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def test_the_ladder_counts_working_days_around_national_day() -> None:
    # three working days back: 8 October, then 30 and 29 September (1–7 October are holidays);
    # three forward: Saturday 10 October (a 调休 working day), Monday 12, Tuesday 13
    assert Ladder().steps(DUE, CURRENT) == [(Level.YELLOW, shanghai(2026, 9, 29)), (Level.RED, DUE),
                                   (Level.ESCALATED, shanghai(2026, 10, 14))]
    assert Ladder(yellow_days=1, escalate_days=1).steps(DUE, CURRENT) == [
        (Level.YELLOW, shanghai(2026, 10, 8)), (Level.RED, DUE), (Level.ESCALATED, shanghai(2026, 10, 11))]


def rectifying(due: date = date(2026, 10, 9)) -> CaseSnapshot:
    case = drive("filed")
    return act(case, "issue_rectification", CITY, {"findings": "团队解散", "deadline": due.isoformat()})


@pytest.mark.parametrize(("now", "expected"), [
    (NOW, (Level.YELLOW, shanghai(2026, 9, 29))),  # ahead: the first step, when it comes
    (shanghai(2026, 9, 30), (Level.YELLOW, shanghai(2026, 9, 29))),  # yellow due now
    (shanghai(2026, 10, 12), (Level.RED, DUE)),  # found late: only the highest step due, red, not yellow too
    (shanghai(2026, 12, 1), (Level.ESCALATED, shanghai(2026, 10, 14))),
])
def test_the_next_step_is_the_highest_due_or_the_next_ahead(now: datetime, expected: tuple[Level, datetime]) -> None:
    step = next_step(rectifying(), now)
    assert step is not None and (step[0].kind, step[0].due_at, step[0].level) == ("rectification", DUE, expected[0])
    assert step[1] == expected[1]


def test_each_step_is_sent_once_then_the_next_and_never_for_a_met_deadline() -> None:
    case = rectifying()
    yellow = next_step(case, shanghai(2026, 9, 29))
    assert yellow is not None
    case = act(case, "remind", SYSTEM, yellow[0].model_dump(mode="json"), now=shanghai(2026, 9, 29))
    assert [(a.level, a.due_at) for a in case.alerts] == [(Level.YELLOW, DUE)]
    assert next(d for d in case.deadlines if d.kind == "rectification").alert is Level.YELLOW
    r = refused(case, "remind", SYSTEM, yellow[0].model_dump(mode="json"), now=shanghai(2026, 9, 30))
    assert r.rule == "SUP-STEP-DUE"  # recorded once
    early = {"kind": "rectification", "due_at": DUE.isoformat(), "level": "red"}
    assert refused(case, "remind", SYSTEM, early, now=shanghai(2026, 9, 30)).rule == "SUP-STEP-DUE"  # not yet due
    step = next_step(case, shanghai(2026, 9, 30))
    assert step is not None and (step[0].level, step[1]) == (Level.RED, DUE)
    met = act(case, "submit_rectification", HOST, {"report": "已补充团队"}, now=shanghai(2026, 9, 30))
    assert next_step(met, shanghai(2026, 12, 1)) is None


def test_an_office_extends_a_running_deadline_to_a_later_date() -> None:
    case = rectifying()
    extended = act(case, "extend_deadline", DISTRICT, {"kind": "rectification", "until": "2026-10-30", "reason": "汛期"})
    d = next(d for d in extended.deadlines if d.kind == "rectification")
    assert (d.due_at, d.base_due_at) == (CURRENT.deadline_instant(date(2026, 10, 30)), DUE)
    assert LC.next_timer(extended)[1] == CURRENT.deadline_instant(date(2026, 10, 30))  # type: ignore[index]
    step = next_step(extended, NOW)
    assert step is not None and step[0].due_at == d.due_at  # a new due date starts a new ladder
    for until in ("2026-10-09", "2026-10-01", "2026-02-01"):
        r = refused(case, "extend_deadline", DISTRICT, {"kind": "rectification", "until": until, "reason": "x"})
        assert (r.rule, r.clause) == ("SUP-LATER", "站务督办规程"), until
    r = refused(case, "extend_deadline", DISTRICT, {"kind": "quarterly_report", "until": "2026-12-01", "reason": "x"})
    assert r.rule == "SUP-RUNNING" and r.extra["running"] == ["rectification"]
    assert refused(case, "extend_deadline", HOST, {"kind": "rectification", "until": "2026-12-01",
                                                  "reason": "x"}).kind == "forbidden"
    assert refused(case, "extend_deadline", DISTRICT, {"kind": "rectification", "until": "2026-12-01"}).kind == "invalid"


def test_a_suspended_deadline_keeps_its_remaining_time() -> None:
    case = rectifying()
    stopped_at, resumed_at = shanghai(2026, 9, 1), shanghai(2026, 9, 21)  # twenty days stopped
    stopped = act(case, "suspend_deadline", CITY, {"kind": "rectification", "reason": "负责人住院"}, now=stopped_at)
    d = next(d for d in stopped.deadlines if d.kind == "rectification")
    assert d.suspended and LC.next_timer(stopped) is None and next_step(stopped, resumed_at) is None
    again = refused(stopped, "suspend_deadline", CITY, {"kind": "rectification", "reason": "x"}, now=resumed_at)
    assert again.rule == "SUP-NOT-SUSPENDED"
    resumed = act(stopped, "resume_deadline", CITY, {"kind": "rectification", "reason": "已出院"}, now=resumed_at)
    d = next(d for d in resumed.deadlines if d.kind == "rectification")
    assert not d.suspended and d.due_at == DUE + timedelta(days=20) and d.base_due_at == DUE
    assert LC.next_timer(resumed)[1] == DUE + timedelta(days=20)  # type: ignore[index]
    assert refused(resumed, "resume_deadline", CITY, {"kind": "rectification", "reason": "x"}).rule == "SUP-SUSPENDED"


def test_supervision_is_offered_to_offices_only_while_a_supervised_deadline_runs() -> None:
    assert "extend_deadline" not in LC.allowed_actions(CITY, drive("filed"))
    assert {"extend_deadline", "suspend_deadline", "resume_deadline"} <= set(LC.allowed_actions(CITY, rectifying()))
    assert "extend_deadline" not in LC.allowed_actions(HOST, rectifying())
    assert "remind" not in LC.allowed_actions(CITY, rectifying())
