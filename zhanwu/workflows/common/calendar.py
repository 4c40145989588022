"""Counting periods the way Chinese administrative practice does (民法典 第二百零一条–第二百零四条).

A period whose last day is a statutory holiday ends on the first working day after it; it ends at
24:00 Asia/Shanghai of its last day. The China calendar of the `holidays` package knows the
holidays and the 调休 make-up working days. Pinning its version per case is left to the calendar service (issue 6).
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

SHANGHAI = ZoneInfo("Asia/Shanghai")


# Built once at import, outside any workflow: constructing a holidays calendar reads the locale for
# its translations, which the workflow sandbox forbids (and a lazily built year would then fail in
# whichever workflow first needed it). Years past the range are added on access, without the locale.
CN_CALENDAR = holidays.country_holidays("CN", years=range(2000, 2101))


def last_day_rolled(day: date) -> date:
    """第二百零三条: when the last day is a statutory rest day (法定休假日: a public holiday, or a Saturday or
    Sunday that is not a 调休 make-up working day), the first working day after it ends the period. The
    calendar lists only the holidays themselves, not the weekend days inside a holiday break (2026-10-04
    within 国庆 10-01..10-07), so the roll goes on to the first working day."""
    while not CN_CALENDAR.is_working_day(day):
        day += timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    """第二百零二条: a period in months or years ends on the corresponding day of the last month; with no
    corresponding day (31 January + 1 month, 29 February + 1 year) it ends on that month's last day."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_working_days(day: date, n: int) -> date:
    """A period of `n` working days (工作日) from `day`: that day itself not counted, weekends and public
    holidays skipped, 调休 make-up Saturdays and Sundays counted (the calendar's `is_working_day`).
    A negative `n` counts back: the working day `-n` working days before `day`."""
    step = timedelta(days=1 if n > 0 else -1)
    n = abs(n)
    while n > 0:
        day += step
        n -= CN_CALENDAR.is_working_day(day)
    return day


def end_of_day(day: date) -> datetime:
    """24:00 Asia/Shanghai of `day`, as a UTC instant."""
    return datetime.combine(day + timedelta(days=1), time(0), SHANGHAI).astimezone(UTC)


def deadline_instant(value: date | datetime) -> datetime:
    """A deadline given as a date ends at 24:00 of that day (rolled past a holiday); an exact instant stays.
    An instant without a zone is read as Asia/Shanghai time (never the host's zone)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=SHANGHAI)).astimezone(UTC)
    return end_of_day(last_day_rolled(value))


def local_date(instant: datetime) -> date:
    return instant.astimezone(SHANGHAI).date()
