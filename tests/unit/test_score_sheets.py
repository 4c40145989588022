"""The Baotou score sheets (`003 附件2`, `附件3`) scored against the bands DOMAIN.md states, written out
here by hand: every band's ends, 0, the overlapping ends (the higher band wins), the bonus caps, the
total's cap at 100 and the grade boundaries (`003 附件1 第四条`)."""

from __future__ import annotations

import pytest

from zhanwu.workflows.common.score_sheets import BAOTOU_COMMISSIONER, BAOTOU_STATION, SCORE_SHEETS, ScoreSheet

STATION = {  # item: [(count, points)], from DOMAIN.md's station sheet
    "commissioners_filed": [(0, 0), (1, 2), (5, 2), (6, 5), (15, 5), (16, 8), (29, 8), (30, 10), (31, 10), (999, 10)],
    "rd_guided": [(0, 0), (1, 3), (5, 3), (6, 6), (10, 6), (11, 10), (500, 10)],
    "achievements_adopted": [(0, 0), (1, 3), (10, 3), (11, 6), (20, 6), (21, 10)],
    "achievements_transferred": [(0, 0), (1, 6), (8, 6), (9, 12), (20, 12), (21, 20)],
    "planning_helped": [(0, 0), (1, 1), (20, 1), (21, 3), (40, 3), (41, 6), (59, 6), (60, 10), (61, 10)],
    "services_given": [(0, 0), (1, 2), (20, 2), (21, 4), (40, 4), (41, 7), (59, 7), (60, 10)],
    "rd_institutions": [(0, 0), (1, 5), (15, 5), (16, 10), (30, 10), (31, 15)],
    "talents_introduced": [(0, 0), (1, 5), (20, 5), (21, 10), (40, 10), (41, 15)],
    "high_tech_approved": [(0, 0), (1, 1), (9, 9), (10, 10), (11, 10), (40, 10)],
    "reports_on_time": [(0, 0), (7, 7), (10, 10)],
}
COMMISSIONER = {  # from DOMAIN.md's commissioner sheet
    "rd_guided": [(0, 0), (1, 3), (2, 6), (3, 6), (4, 10), (50, 10)],
    "achievements_adopted": [(0, 0), (1, 3), (3, 3), (4, 6), (6, 6), (7, 10)],
    "achievements_transferred": [(0, 0), (1, 6), (2, 6), (3, 12), (5, 12), (6, 20)],
    "planning_helped": [(0, 0), (1, 1), (3, 1), (4, 3), (6, 3), (7, 6), (10, 6), (11, 10)],
    "services_given": [(0, 0), (1, 5), (10, 5), (11, 10), (20, 10), (21, 15), (29, 15), (30, 20), (31, 20)],
    "rd_institutions": [(0, 0), (1, 5), (5, 5), (6, 10), (10, 10), (11, 15)],
    "talents_introduced": [(0, 0), (1, 5), (5, 5), (6, 10), (10, 10), (11, 15)],
    "high_tech_approved": [(0, 0), (1, 2), (4, 8), (5, 10), (6, 10)],
}
CASES = [(BAOTOU_STATION, item, count, points) for item, rows in STATION.items() for count, points in rows] + [
    (BAOTOU_COMMISSIONER, item, count, points) for item, rows in COMMISSIONER.items() for count, points in rows]


@pytest.mark.parametrize(("sheet", "item", "count", "points"), CASES,
                         ids=[f"{s.key}-{i}-{c}" for s, i, c, _ in CASES])
def test_every_band_boundary(sheet: ScoreSheet, item: str, count: int, points: int) -> None:
    assert sheet.score({item: count}).points[item] == points


@pytest.mark.parametrize(("sheet", "expected"), [(BAOTOU_STATION, STATION), (BAOTOU_COMMISSIONER, COMMISSIONER)])
def test_the_tables_here_cover_every_item_and_every_item_has_its_clause(sheet: ScoreSheet, expected: dict) -> None:
    assert [i.key for i in sheet.items] == list(expected)
    assert all(i.clause.startswith(sheet.clause + " 第") for i in sheet.items)
    assert sum(i.max_points for i in sheet.items if not i.bonus) == 100


def test_bonus_items_do_not_lift_the_total_past_100() -> None:
    top = BAOTOU_STATION.score({k: rows[-1][0] for k, rows in STATION.items()})
    assert (top.base, top.bonus, top.total, top.grade.key) == (100, 20, 100, "excellent")
    top = BAOTOU_COMMISSIONER.score({k: rows[-1][0] for k, rows in COMMISSIONER.items()})
    assert (top.base, top.bonus, top.total) == (100, 10, 100)
    near = BAOTOU_COMMISSIONER.score({"rd_guided": 4, "achievements_adopted": 7, "achievements_transferred": 6,
                                      "planning_helped": 11, "services_given": 30, "rd_institutions": 6,
                                      "talents_introduced": 11, "high_tech_approved": 5})
    assert (near.base, near.bonus, near.total) == (95, 10, 100)


BASE_64 = {"rd_guided": 4, "achievements_adopted": 4, "achievements_transferred": 6, "planning_helped": 4,
           "services_given": 11, "rd_institutions": 6, "talents_introduced": 1}  # 10+6+20+3+10+10+5


@pytest.mark.parametrize(("counts", "total", "grade"), [
    ({"rd_guided": 4, "achievements_adopted": 7, "achievements_transferred": 6, "planning_helped": 11,
      "services_given": 30, "rd_institutions": 6, "talents_introduced": 1}, 85, "excellent"),  # 10+10+20+10+20+10+5
    ({"rd_guided": 4, "achievements_adopted": 7, "achievements_transferred": 6, "planning_helped": 11,
      "services_given": 30, "rd_institutions": 6, "high_tech_approved": 2}, 84, "qualified"),  # 80 + 2×2
    (BASE_64 | {"high_tech_approved": 3}, 70, "qualified"),  # 64 + 3×2
    (BASE_64 | {"talents_introduced": 0, "high_tech_approved": 5}, 69, "unqualified"),  # 59 + 10
    ({}, 0, "unqualified"),
])
def test_grades_at_their_boundaries(counts: dict[str, int], total: int, grade: str) -> None:
    scored = BAOTOU_COMMISSIONER.score(counts)
    assert (scored.total, scored.grade.key) == (total, grade)


def test_sheets_are_listed_by_key() -> None:
    assert set(SCORE_SHEETS) == {"baotou-station@1", "baotou-commissioner@1"}


def test_counts_a_sheet_cannot_score_are_named() -> None:
    assert BAOTOU_STATION.invalid({"rd_guided": 3, "reports_on_time": 10}) == []
    assert BAOTOU_STATION.invalid({"patents": 1, "rd_guided": -1, "reports_on_time": 11}) == [
        ("patents", "not an item of baotou-station@1"), ("rd_guided", "a count is not negative"),
        ("reports_on_time", "at most 10 points")]
