"""Bans a case imposes on its parties (`CaseSnapshot.bans`), which run out by themselves.

A false-information finding bars the person and the enterprise for three years (`003 内蒙古办法
第十五条`); a yangquan commissioner rated unqualified may not apply the next year (`004 第十八条`).
The imposing case keeps each ban and a timer at its end, even in a final state; when it fires the
system lifts the ban (an audited action) and the store forgets it. Other cases check the live bans
through their actions' `Screen`.
"""

from __future__ import annotations

from datetime import datetime

from zhanwu.schemas.common import Ban, CaseSnapshot, Labelled, Note, Role
from zhanwu.workflows.common.lifecycle import Action, Facts, Rule, Timer, lapsed


def impose(d: CaseSnapshot, f: Facts, subjects: dict[str, list[str]], rule: Rule, until: datetime) -> list[Ban]:
    """Bar every subject (by its role on the case) until `until`, in the name of `rule`."""
    bans = [Ban(subject=x, role=role, case_id=d.id, rule=rule.id, clause=rule.clause, label=rule.title_zh,
                since=f.now, until=until) for role, xs in subjects.items() for x in xs]
    d.bans += bans
    return bans


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
