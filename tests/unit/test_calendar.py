"""Counting periods (民法典 第二百零一条–第二百零四条) and the unified social credit code check digit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import holidays
import pytest

from zhanwu.schemas.common import FIRST_CALENDAR, CaseStart, credit_code_valid
from zhanwu.workflows.common.calendar import (
    CALENDARS,
    CURRENT,
    SHANGHAI,
    add_months,
    end_of_day,
    local_date,
)

deadline_instant, last_day_rolled, add_working_days = CURRENT.deadline_instant, CURRENT.last_day_rolled, CURRENT.add_working_days


def test_a_date_deadline_ends_at_24_00_shanghai() -> None:
    # 2026-03-02 is an ordinary Monday: 24:00 Shanghai is 16:00 UTC the same day
    due = deadline_instant(date(2026, 3, 2))
    assert due == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    assert due.utcoffset() == timedelta(0)
    local = due.astimezone(SHANGHAI)
    assert (local.date(), local.hour, local.minute) == (date(2026, 3, 3), 0, 0)
    assert end_of_day(date(2026, 3, 2)) == due


def test_an_exact_instant_stays_and_is_normalised_to_utc() -> None:
    instant = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    assert deadline_instant(instant) == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    assert deadline_instant(instant).tzinfo == UTC


@pytest.mark.parametrize(
    ("last_day", "ends_on"),
    [
        (date(2026, 10, 1), date(2026, 10, 8)),  # 国庆 break 10-01..10-07, first day after it
        (date(2026, 10, 4), date(2026, 10, 8)),  # a Sunday inside the break (not listed as a holiday itself)
        (date(2026, 10, 7), date(2026, 10, 8)),  # the last (substituted) day off of the break
        (date(2026, 2, 17), date(2026, 2, 24)),  # Spring Festival break 02-15..02-23
        (date(2026, 5, 1), date(2026, 5, 6)),  # Labour Day break 05-01..05-05
        (date(2026, 1, 1), date(2026, 1, 4)),  # New Year 01-01..01-03; Sunday 01-04 is a make-up working day
    ],
)
def test_a_last_day_on_a_statutory_holiday_rolls_past_the_holiday_period(last_day: date, ends_on: date) -> None:
    assert last_day_rolled(last_day) == ends_on
    assert deadline_instant(last_day) == datetime.combine(ends_on, datetime.min.time(), UTC) + timedelta(hours=16)


def test_national_day_deadline_instant() -> None:
    assert deadline_instant(date(2026, 10, 1)) == datetime(2026, 10, 8, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 3, 2),  # an ordinary Monday
        date(2026, 10, 8),  # the first working day after 国庆
        date(2026, 10, 10),  # a 调休 make-up Saturday is a working day
        date(2026, 9, 20),  # a 调休 make-up Sunday
    ],
)
def test_a_working_day_does_not_roll(day: date) -> None:
    assert last_day_rolled(day) == day


def test_a_plain_weekend_rolls_to_monday() -> None:
    assert last_day_rolled(date(2026, 3, 7)) == date(2026, 3, 9)  # Saturday → Monday


def test_local_date_is_shanghai() -> None:
    assert local_date(datetime(2026, 3, 2, 15, 59, tzinfo=UTC)) == date(2026, 3, 2)
    assert local_date(datetime(2026, 3, 2, 16, 0, tzinfo=UTC)) == date(2026, 3, 3)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L", "91140700MA0GRXKQ03"])
def test_valid_credit_codes(code: str) -> None:
    assert credit_code_valid(code)


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # check digit altered
        "91110000600037341K",  # check digit altered
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19 characters
        "",
        "91350100M000I00Y43",  # I is not in the GB 32100 alphabet
        "91350100m000100y43",  # lower case is not the canonical form
    ],
)
def test_invalid_credit_codes(code: str) -> None:
    assert not credit_code_valid(code)


def test_every_single_character_change_of_a_valid_code_is_detected() -> None:
    code = "91110000600037341L"
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for i in range(18):
        for c in alphabet:
            if c != code[i]:
                assert not credit_code_valid(code[:i] + c + code[i + 1:]), (i, c)


@pytest.mark.parametrize(("start", "months", "ends_on"), [
    (date(2026, 1, 15), 3, date(2026, 4, 15)),  # the corresponding day
    (date(2026, 11, 30), 3, date(2027, 2, 28)),  # no 30 February: the month's last day
    (date(2027, 11, 30), 3, date(2028, 2, 29)),  # ... in a leap year
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2026, 8, 31), 1, date(2026, 9, 30)),
    (date(2026, 12, 31), 12, date(2027, 12, 31)),
    (date(2028, 2, 29), 12, date(2029, 2, 28)),  # a year from a leap day
    (date(2028, 2, 29), 48, date(2032, 2, 29)),
    (date(2026, 5, 10), 0, date(2026, 5, 10)),
])
def test_a_period_in_months_ends_on_the_corresponding_day(start: date, months: int, ends_on: date) -> None:
    assert add_months(start, months) == ends_on


@pytest.mark.parametrize(("start", "n", "ends_on", "why"), [
    (date(2026, 3, 2), 5, date(2026, 3, 9), "Monday + 5: the weekend skipped"),
    (date(2026, 3, 6), 1, date(2026, 3, 9), "Friday + 1: Monday"),
    (date(2025, 9, 26), 5, date(2025, 10, 10), "across 国庆 2025: Sunday 28 September is a 调休 working day, 1-8 October off"),
    (date(2025, 10, 9), 2, date(2025, 10, 11), "the 调休 Saturday 11 October 2025 counts"),
    (date(2026, 9, 30), 1, date(2026, 10, 8), "国庆 2026: 1-7 October off"),
    (date(2026, 10, 9), 1, date(2026, 10, 10), "the 调休 Saturday 10 October 2026 counts"),
    (date(2026, 9, 18), 1, date(2026, 9, 20), "the 调休 Sunday 20 September 2026 counts"),
    (date(2026, 10, 3), 0, date(2026, 10, 3), "no working days: the day itself"),
])
def test_working_days_skip_rest_days_and_count_make_up_days(start: date, n: int, ends_on: date, why: str) -> None:
    assert add_working_days(start, n) == ends_on, why


def test_every_calendar_version_ever_assigned_is_kept() -> None:
    assert FIRST_CALENDAR in CALENDARS and list(CALENDARS)[-1] == CURRENT.version
    assert CaseStart(case_id="x", programme="p", profile="p").calendar == FIRST_CALENDAR  # histories before pinning


def test_the_newest_calendar_is_the_installed_holidays_package_frozen() -> None:
    """Upgrading the `holidays` pin (a dev dependency: the service reads only the frozen versions) without
    running scripts/freeze-calendar and registering the new version fails here, day by day."""
    cn = holidays.country_holidays("CN", years=range(2000, 2101))
    assert CURRENT.version == f"CN/holidays-{holidays.__version__}", "run scripts/freeze-calendar"
    day, differ = date(2000, 1, 1), []
    while day.year <= 2100:
        if CURRENT.is_working_day(day) != cn.is_working_day(day):
            differ.append(day)
        day += timedelta(days=1)
    assert differ == []
