"""Supervision 督办 of a case's deadlines, the same in every programme, like the 电子监察 systems.

- A reminder ladder per open deadline of a `Timer` marked `supervised` (what a party must do by a
  date): yellow `yellow_days` working days before the due date, red at it, escalated to the
  supervising office `escalate_days` working days after it while still unmet. Each step is the
  system action `remind`: it fires by a durable timer, is audited once, reaches the webhooks and
  shows on the case (`CaseSnapshot.alerts`, `Deadline.alert`). A deadline found late gets only its
  highest step due.
- An office extends a running deadline to a later instant, or suspends it and resumes it later:
  the clock stops while suspended and the remaining time is kept (the due date moves on by the time
  suspended). Each with a reason, audited. An adjustment belongs to one due date (the next report's
  deadline starts afresh), and a new due date starts a new ladder.

The seeds say nothing of extending or suspending a deadline: these are the service's own rules of
supervision, cited as `站务督办规程`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from pydantic import Field

from zhanwu.schemas.common import (
    LEVEL_ORDER,
    Adjustment,
    Alert,
    CaseSnapshot,
    Deadline,
    Labelled,
    Level,
    Payload,
    Role,
    Text,
)
from zhanwu.workflows.common.calendar import SHANGHAI, WorkCalendar, calendar_of, local_date
from zhanwu.workflows.common.lifecycle import Action, Facts, Rule, Violation

CLAUSE = "站务督办规程"
OFFICES = (Role.CITY_OFFICE, Role.DISTRICT_OFFICE, Role.SECTOR_DEPARTMENT)
TOP = list(Level)[-1]  # the ladder's top: nothing fires above it


class Supervise(Labelled):
    EXTEND = ("extend_deadline", "延长期限", "extend a deadline")
    SUSPEND = ("suspend_deadline", "中止计时", "suspend a deadline")
    RESUME = ("resume_deadline", "恢复计时", "resume a deadline")
    REMIND = ("remind", "督办提醒", "deadline reminder")


@dataclass(frozen=True)
class Ladder:
    yellow_days: int = 3
    escalate_days: int = 3

    def steps(self, due: datetime, cal: WorkCalendar) -> list[tuple[Level, datetime]]:
        """When each step fires for a deadline due at `due`: yellow at 00:00 Asia/Shanghai of the
        working day `yellow_days` working days before the due day, red at the due instant, escalated
        at 24:00 of the `escalate_days`-th working day after the due day."""
        day = local_date(due - timedelta(microseconds=1))  # a deadline at 24:00 belongs to the day before
        yellow = datetime.combine(cal.add_working_days(day, -self.yellow_days), time(0), SHANGHAI)
        return [(Level.YELLOW, min(yellow, due)), (Level.RED, due),
                (Level.ESCALATED, cal.deadline_instant(cal.add_working_days(day, self.escalate_days)))]


LADDER = Ladder()


class DeadlineChoice(Payload):
    kind: str = Field(max_length=64, description="the running deadline's kind, as the case lists it")
    reason: Text


class Extension(DeadlineChoice):
    until: datetime | date = Field(
        description="the new due instant; a date ends at 24:00 Asia/Shanghai (rolled past a statutory holiday)")


class Reminder(Payload):
    kind: str
    due_at: datetime
    level: Level


def next_step(case: CaseSnapshot, now: datetime) -> tuple[Reminder, datetime] | None:
    """The next reminder to fire and when: for each open supervised deadline, the highest step
    already due above what was sent, or else the next step ahead."""
    out = []
    for d in case.deadlines:
        if d.met or d.suspended or not d.supervised or d.alert == TOP:
            continue
        todo = [(lvl, at) for lvl, at in LADDER.steps(d.due_at, calendar_of(case)) if _above(lvl, d.alert)]
        passed = [s for s in todo if s[1] <= now]
        if todo:
            lvl, at = passed[-1] if passed else todo[0]
            out.append((Reminder(kind=d.kind, due_at=d.due_at, level=lvl), at))
    return min(out, key=lambda r: r[1]) if out else None


def _above(level: Level, sent: Level | None) -> bool:
    return sent is None or LEVEL_ORDER[level] > LEVEL_ORDER[sent]


# --- rules ---------------------------------------------------------------------------------------
def _running(f: Facts) -> Deadline | None:
    """The running (not outstanding) deadline the payload names."""
    kind = f.payload.kind  # type: ignore[attr-defined]
    return next((d for d in f.case.deadlines if d.kind == kind and d.base_due_at is not None and not d.met), None)


def _is_running(f: Facts) -> Violation | None:
    if _running(f) is not None:
        return None
    running = sorted({d.kind for d in f.case.deadlines if d.base_due_at is not None and not d.met})
    return Violation(f"the case has no running supervised deadline {f.payload.kind!r}; running: {running}",  # type: ignore[attr-defined]
                     f"该案件没有正在计算的督办期限“{f.payload.kind}”", {"running": running})  # type: ignore[attr-defined]


def _until(f: Facts) -> datetime:
    return calendar_of(f.case).deadline_instant(f.payload.until)  # type: ignore[attr-defined]


def _later(f: Facts) -> Violation | None:
    d, until = _running(f), _until(f)
    if d is None or (until > d.due_at and until > f.now):
        return None
    return Violation(f"the new due date must be after the current one ({d.due_at.isoformat()}) and after now",
                     f"延长后的期限须晚于原期限（{d.due_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}）且晚于当前时间",
                     {"due_at": d.due_at.isoformat()})


def _suspended(want: bool) -> Rule:
    def check(f: Facts) -> Violation | None:
        d = _running(f)
        if d is None or d.suspended == want:
            return None
        if want:
            return Violation("the deadline's clock is running, not suspended", "该期限未中止计时")
        return Violation("the deadline's clock is already suspended", "该期限已中止计时")

    if want:
        return Rule("SUP-SUSPENDED", CLAUSE, "期限已中止计时", "the deadline is suspended", check)
    return Rule("SUP-NOT-SUSPENDED", CLAUSE, "期限未中止计时", "the deadline is not suspended", check)


def _step_due(f: Facts) -> Violation | None:
    r: Reminder = f.payload  # type: ignore[assignment]
    due = next((at for lvl, at in LADDER.steps(r.due_at, calendar_of(f.case)) if lvl == r.level), None)
    d = next((d for d in f.case.deadlines if d.kind == r.kind and d.due_at == r.due_at and not d.met), None)
    if d is not None and not d.suspended and _above(r.level, d.alert) and due is not None and due <= f.now:
        return None
    return Violation("no such reminder is due", "无到期待发的督办提醒")


RUNNING = Rule("SUP-RUNNING", CLAUSE, "期限正在计算", "the deadline is running", _is_running)
LATER = Rule("SUP-LATER", CLAUSE, "延期须晚于原期限", "an extension ends later", _later)
STEP_DUE = Rule("SUP-STEP-DUE", CLAUSE, "提醒已到期且未发出", "the reminder is due and not yet sent", _step_due)


# --- effects -------------------------------------------------------------------------------------
def _adjustment(d: CaseSnapshot, f: Facts) -> Adjustment:
    running = _running(f)
    assert running is not None and running.base_due_at is not None
    a = d.adjustment(running.kind, running.base_due_at)
    if a is None:
        a = Adjustment(kind=running.kind, base_due=running.base_due_at)
        d.adjustments = [x for x in d.adjustments if x.kind != running.kind] + [a]  # one due date's at a time
    return a


def _extend(d: CaseSnapshot, f: Facts) -> None:
    a = _adjustment(d, f)
    a.shift = _until(f) - a.base_due


def _suspend(d: CaseSnapshot, f: Facts) -> None:
    _adjustment(d, f).suspended_at = f.now


def _resume(d: CaseSnapshot, f: Facts) -> None:
    a = _adjustment(d, f)
    assert a.suspended_at is not None
    a.shift += f.now - a.suspended_at
    a.suspended_at = None


def _remind(d: CaseSnapshot, f: Facts) -> None:
    r: Reminder = f.payload  # type: ignore[assignment]
    d.alerts.append(Alert(kind=r.kind, due_at=r.due_at, level=r.level, at=f.now))


def actions(states: type[Labelled], finals: Sequence[Labelled]) -> tuple[Action, ...]:
    """The supervision actions of a programme, in each of its states but the final ones."""
    live = tuple(s for s in states if s not in finals)
    return (
        Action(Supervise.EXTEND, live, None, OFFICES, Extension, (RUNNING, LATER), _extend, CLAUSE),
        Action(Supervise.SUSPEND, live, None, OFFICES, DeadlineChoice, (RUNNING, _suspended(False)), _suspend, CLAUSE),
        Action(Supervise.RESUME, live, None, OFFICES, DeadlineChoice, (RUNNING, _suspended(True)), _resume, CLAUSE),
        Action(Supervise.REMIND, live, None, (Role.SYSTEM,), Reminder, (STEP_DUE,), _remind, CLAUSE),
    )
