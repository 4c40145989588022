"""Recurring due dates a case holds (quarterly reports, annual evaluations), as data on the case.

`case.data[key]` is a list of items `{n, opens_at, due_at, status}`, one per period: period n opens
when period n-1 is due (the first when the series starts) and is due at the end of its n-th period,
counted in months from the start (民法典 第二百零二条, rolled past a holiday, 24:00 Asia/Shanghai).
An item is `upcoming`, then `outstanding` once its instant passed unmet (the system marks it: an
overdue report, an evaluation awaited), and `done` when its report or result comes. A programme's timer reads `next_due` and `outstanding`; its actions `lapse` and
`complete` items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from zhanwu.schemas.common import CaseSnapshot, Labelled
from zhanwu.workflows.common.calendar import add_months, calendar_of, local_date

UPCOMING, OUTSTANDING, DONE = "upcoming", "outstanding", "done"


@dataclass(frozen=True)
class Series:
    key: str
    live: tuple[Labelled, ...]  # the states in which its due dates run

    def schedule(self, d: CaseSnapshot, since: datetime, every_months: int, count: int) -> None:
        """Lay out `count` periods of `every_months` months from `since`: the first opens then; each
        ends on the corresponding day counted from its date (that day itself not counted)."""
        d.data[self.key] = []
        self._lay(d, local_date(since), since.isoformat(), every_months, range(1, count + 1))

    def extend(self, d: CaseSnapshot, every_months: int, count: int) -> None:
        """Lay out `count` more periods after the last (a station's monthly reports run on)."""
        items = d.data[self.key]
        last = items[-1]
        self._lay(d, local_date(_at(items[0]["opens_at"])), last["due_at"], every_months,
                  range(last["n"] + 1, last["n"] + count + 1))

    def _lay(self, d: CaseSnapshot, start: date, opens: str, every_months: int, periods: range) -> None:
        for n in periods:
            due = calendar_of(d).deadline_instant(add_months(start, n * every_months)).isoformat()
            d.data[self.key].append({"n": n, "opens_at": opens, "due_at": due, "status": UPCOMING})
            opens = due

    def items(self, c: CaseSnapshot) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = c.data.get(self.key) or []
        return items if c.state in self.live else []

    def next_due(self, c: CaseSnapshot) -> datetime | None:
        """The instant of the earliest upcoming item (the timer's), if any."""
        return next((_at(i["due_at"]) for i in self.items(c) if i["status"] == UPCOMING), None)

    def outstanding(self, c: CaseSnapshot) -> list[datetime]:
        return [_at(i["due_at"]) for i in self.items(c) if i["status"] == OUTSTANDING]

    def lapse(self, d: CaseSnapshot, now: datetime) -> None:
        """The earliest upcoming item's instant has passed unmet: it is outstanding from now."""
        item = next(i for i in self.items(d) if i["status"] == UPCOMING)
        item |= {"status": OUTSTANDING, "lapsed_at": now.isoformat()}

    def current(self, c: CaseSnapshot, now: datetime, outstanding_only: bool = False) -> dict[str, Any] | None:
        """The item an action completes now: the earliest not done whose period has opened (or, with
        `outstanding_only`, the earliest whose instant has passed and been marked)."""
        if outstanding_only:
            return next((i for i in self.items(c) if i["status"] == OUTSTANDING), None)
        return next((i for i in self.items(c) if i["status"] != DONE and _at(i["opens_at"]) <= now), None)

    def complete(self, d: CaseSnapshot, now: datetime, outstanding_only: bool = False, **fields: Any) -> dict[str, Any]:
        item = self.current(d, now, outstanding_only)
        assert item is not None, "checked by the action's rule"
        item |= {"status": DONE, "done_at": now.isoformat(), **fields}
        return item

    def hand_in(self, d: CaseSnapshot, now: datetime, **fields: Any) -> dict[str, Any]:
        """A report comes in: it completes the current item, marked `late` when after its instant."""
        item = self.complete(d, now, **fields)
        item["late"] = _at(item["done_at"]) > _at(item["due_at"])
        return item


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)
