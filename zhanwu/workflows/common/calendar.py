"""Counting periods the way Chinese administrative practice does (民法典 第二百零一条–第二百零四条).

A period whose last day is a statutory holiday ends on the first working day after it; it ends at
24:00 Asia/Shanghai of its last day. Which days are holidays and which weekend days are 调休 make-up
working days is a `WorkCalendar`: a frozen version of the `holidays` package's China calendar, pinned
per case (`CaseSnapshot.calendar`), so an upgrade that rewrites a year (the State Council announces
each year's schedule late in the year before) never moves a running case's dates.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import ModuleType
from zoneinfo import ZoneInfo

from zhanwu.schemas.common import FIRST_CALENDAR, CaseSnapshot
from zhanwu.workflows.common.calendars import cn_holidays_0_109

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class WorkCalendar:
    version: str
    holidays: frozenset[date]  # public holidays and the days off of a holiday break
    workdays: frozenset[date]  # 调休: Saturdays and Sundays that are working days

    @classmethod
    def frozen(cls, module: ModuleType) -> WorkCalendar:
        def dates(year: int, days: str) -> set[date]:
            return {date(year, int(d[:2]), int(d[2:])) for d in days.split()}

        years: dict[int, tuple[str, str]] = module.YEARS
        return cls(module.VERSION, frozenset().union(*(dates(y, h) for y, (h, _) in years.items())),
                   frozenset().union(*(dates(y, w) for y, (_, w) in years.items())))

    def is_working_day(self, day: date) -> bool:
        return day in self.workdays if day.weekday() >= 5 else day not in self.holidays

    def last_day_rolled(self, day: date) -> date:
        """第二百零三条: when the last day is a statutory rest day (法定休假日: a public holiday, or a Saturday
        or Sunday that is not a 调休 make-up working day), the first working day after it ends the period."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """A period of `n` working days (工作日) from `day`: that day itself not counted, weekends and
        public holidays skipped, 调休 make-up Saturdays and Sundays counted. A negative `n` counts back:
        the working day `-n` working days before `day`."""
        step = timedelta(days=1 if n > 0 else -1)
        n = abs(n)
        while n > 0:
            day += step
            n -= self.is_working_day(day)
        return day

    def deadline_instant(self, value: date | datetime) -> datetime:
        """A deadline given as a date ends at 24:00 of that day (rolled past a holiday); an exact instant
        stays. An instant without a zone is read as Asia/Shanghai time (never the host's zone)."""
        if isinstance(value, datetime):
            return (value if value.tzinfo else value.replace(tzinfo=SHANGHAI)).astimezone(UTC)
        return end_of_day(self.last_day_rolled(value))


# Every version ever assigned to a case stays here; a new one goes last and new cases get it.
CALENDARS = {c.version: c for c in map(WorkCalendar.frozen, (cn_holidays_0_109,))}
CURRENT = CALENDARS[list(CALENDARS)[-1]]
assert FIRST_CALENDAR in CALENDARS  # the calendar of cases opened before versions were pinned


def calendar_of(case: CaseSnapshot) -> WorkCalendar:
    return CALENDARS[case.calendar]


def add_months(day: date, months: int) -> date:
    """第二百零二条: a period in months or years ends on the corresponding day of the last month; with no
    corresponding day (31 January + 1 month, 29 February + 1 year) it ends on that month's last day."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def end_of_day(day: date) -> datetime:
    """24:00 Asia/Shanghai of `day`, as a UTC instant."""
    return datetime.combine(day + timedelta(days=1), time(0), SHANGHAI).astimezone(UTC)


def local_date(instant: datetime) -> date:
    return instant.astimezone(SHANGHAI).date()
