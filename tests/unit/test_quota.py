"""A quota held by rank (`Quota.apply`): the best-scored keep the result; the tie rule at the cut."""

from __future__ import annotations

import pytest

from zhanwu.schemas.common import Labelled, Refusal
from zhanwu.workflows.common.lifecycle import Quota


class Grade(Labelled):
    EXCELLENT = ("excellent", "优秀")
    QUALIFIED = ("qualified", "合格")
    UNQUALIFIED = ("unqualified", "不合格")


QUOTA = Quota("X-EXCELLENT-QUOTA", "004 第十八条", Grade.EXCELLENT, "percent", Grade.QUALIFIED)
TWENTY = {"percent": 20}
E, Q, U = "excellent", "qualified", "unqualified"


def test_within_the_quota_nothing_changes_and_no_score_is_needed() -> None:
    results = [E, E, Q, Q, Q, Q, Q, Q, Q, U]  # 2 of 10 at 20 %
    assert QUOTA.apply(results, [None] * 10, TWENTY) == results


def test_over_the_quota_the_best_scored_keep_the_result() -> None:
    results = [E, E, E, Q, Q, Q, Q, Q, Q, U]
    scores = [90, 97, 93, 80, 80, 80, 80, 80, 80, 50]
    assert QUOTA.apply(results, scores, TWENTY) == [Q, E, E, Q, Q, Q, Q, Q, Q, U]


def test_a_tie_at_the_cut_holds_every_tied_entry_below() -> None:
    # allowed 2: 97 keeps it; 93 and 93 tie with the first beyond the allowance, so neither keeps it
    results = [E, E, E, Q, Q, Q, Q, Q, Q, U]
    scores = [93, 97, 93, 80, 80, 80, 80, 80, 80, 50]
    held = QUOTA.apply(results, scores, TWENTY)
    assert held == [Q, E, Q, Q, Q, Q, Q, Q, Q, U]
    assert held.count(E) <= 2


def test_a_tie_among_all_holders_leaves_none_excellent() -> None:
    assert QUOTA.apply([E, E, E, Q, Q], [90, 90, 90, 70, 70], TWENTY) == [Q, Q, Q, Q, Q]


@pytest.mark.parametrize(("n", "allowed"), [(4, 0), (5, 1), (9, 1), (10, 2), (15, 3), (2000, 400)])
def test_the_allowance_is_rounded_down(n: int, allowed: int) -> None:
    assert QUOTA.allowed(n, TWENTY) == allowed
    results = [E] * n
    held = QUOTA.apply(results, list(range(n)), TWENTY)
    assert isinstance(held, list) and held.count(E) == allowed
    assert held[n - allowed:] == [E] * allowed  # the highest scores


def test_without_scores_an_exceeded_quota_refuses_with_the_figures() -> None:
    refusal = QUOTA.apply([E, E, Q, Q, Q], [95, None, 80, 80, 80], TWENTY)
    assert isinstance(refusal, Refusal)
    assert refusal.rule == "X-EXCELLENT-QUOTA" and refusal.clause == "004 第十八条"
    assert refusal.extra == {"evaluated": 5, "excellent": 2, "allowed": 1, "percent": 20}
