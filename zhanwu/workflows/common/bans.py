"""Bans a case imposes on its parties (`CaseSnapshot.bans`), which run out by themselves.

A false-information finding bars the person and the enterprise for three years (`003 内蒙古办法
第十五条`); a yangquan commissioner rated unqualified may not apply the next year (`004 第十八条`).
The imposing case keeps each ban and a timer at its end, even in a final state; when it fires the
system lifts the ban (an audited action) and the store forgets it. Other cases check the live bans
through their actions' `Screen`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from zhanwu.schemas.common import Ban, CaseSnapshot, Labelled, Note, Role
from zhanwu.workflows.common.calendar import add_months, calendar_of, local_date
from zhanwu.workflows.common.lifecycle import Action, Facts, Rule, Timer, lapsed


@dataclass(frozen=True)
class Bar:
    """Why parties are barred: the rule and clause a ban cites."""

    id: str
    clause: str
    label: str


def impose(d: CaseSnapshot, f: Facts, subjects: dict[str, list[str]], bar: Bar, until: datetime) -> None:
    """Bar every subject (by its role on the case) until `until`."""
    d.bans += [Ban(subject=x, role=role, case_id=d.id, rule=bar.id, clause=bar.clause, label=bar.label, since=f.now,
                   until=until) for role, xs in subjects.items() for x in xs]


def years_on(f: Facts, years: int) -> datetime:
    """The end of a period of `years` from today (`三年内`): 24:00 of the corresponding day, rolled."""
    return calendar_of(f.case).deadline_instant(add_months(local_date(f.now), 12 * years))


def next_expiry(c: CaseSnapshot) -> datetime | None:
    return min((b.until for b in c.bans), default=None)


def _lift(d: CaseSnapshot, f: Facts) -> None:
    ended = [b for b in d.bans if b.until <= f.now]
    d.bans = [b for b in d.bans if b.until > f.now]
    d.data.setdefault("lifted_bans", []).extend(b.model_dump(mode="json") | {"lifted_at": f.now.isoformat()}
                                                 for b in ended)


EXPIRED = Rule("BAN-EXPIRED", "民法典 第二百零四条", "限制期届满", "the ban has run out", lambda f: lapsed(next_expiry(f.case), f))


def lift_bans(key: Labelled, states: type[Labelled]) -> tuple[Action, Timer]:
    """The system action that lifts the bans that ran out, in any state (a final one too), and its timer."""
    action = Action(key, tuple(states), None, (Role.SYSTEM,), Note, (EXPIRED,), _lift, EXPIRED.clause)
    return action, Timer("ban_expiry", "限制期届满", "ban runs out", next_expiry, lambda c: False, key)
