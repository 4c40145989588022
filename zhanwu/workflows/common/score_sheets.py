"""Score sheets as data: each item's bands (or points per unit, for a bonus item) with its clause, the
cap on the total and the grades. Scoring is a pure function of the counts, so an official can redo
it by hand from the per-item points the answer shows.

The Baotou sheets (`003 附件2` for stations, `附件3` for commissioners; grades `003 附件1 第四条`) are
written as the seed prints them, ends included. Where two bands share an end ("30人及以上" and
"16-30人") the count scores the higher band. A count no band holds scores 0 (the station sheet's
first item has no band for 0). Every item scores whole points (各项均按整数打分).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Band:
    low: int
    high: int | None  # None: "及以上"
    points: int

    def holds(self, count: int) -> bool:
        return count >= self.low and (self.high is None or count <= self.high)


@dataclass(frozen=True)
class Item:
    key: str
    zh: str
    en: str
    clause: str
    max_points: int
    bands: tuple[Band, ...] = ()
    per_unit: int | None = None  # a bonus item: points per unit counted, up to max_points
    awarded: bool = False  # a bonus item whose points the evaluator awards directly (0..max_points)

    @property
    def bonus(self) -> bool:
        return not self.bands

    def points(self, count: int) -> int:
        if self.awarded:
            return min(count, self.max_points)
        if self.per_unit is not None:
            return min(count * self.per_unit, self.max_points)
        return max((b.points for b in self.bands if b.holds(count)), default=0)


@dataclass(frozen=True)
class Grade:
    key: str
    zh: str
    en: str
    at_least: int


@dataclass(frozen=True)
class Scored:
    points: dict[str, int]
    base: int
    bonus: int
    total: int  # base + bonus, capped
    grade: Grade


@dataclass(frozen=True)
class ScoreSheet:
    key: str
    zh: str
    en: str
    clause: str
    items: tuple[Item, ...]
    grades: tuple[Grade, ...]  # highest first
    cap: int = 100
    by_key: dict[str, Item] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", {i.key: i for i in self.items})

    def invalid(self, counts: dict[str, int]) -> list[tuple[str, str]]:
        """(item key, why) for every count the sheet cannot score: unknown items, negative counts,
        awarded points above the item's maximum."""
        out = [(k, f"not an item of {self.key}") for k in counts if k not in self.by_key]
        out += [(k, "a count is not negative") for k, v in counts.items() if v < 0]
        return out + [(k, f"at most {self.by_key[k].max_points} points") for k, v in counts.items()
                      if k in self.by_key and self.by_key[k].awarded and v > self.by_key[k].max_points]

    def score(self, counts: dict[str, int]) -> Scored:
        """Counts by item key, `invalid` ones refused beforehand; an item not given counts 0."""
        points = {i.key: i.points(counts.get(i.key, 0)) for i in self.items}
        base = sum(p for k, p in points.items() if not self.by_key[k].bonus)
        bonus = sum(p for k, p in points.items() if self.by_key[k].bonus)
        total = min(base + bonus, self.cap)
        return Scored(points, base, bonus, total, next(g for g in self.grades if total >= g.at_least))


GRADES = (
    Grade("excellent", "优秀", "excellent", 85),
    Grade("qualified", "合格", "qualified", 70),
    Grade("unqualified", "不合格", "unqualified", 0),
)


def _bands(*bands: tuple[int, int | None, int]) -> tuple[Band, ...]:
    return tuple(Band(*b) for b in bands)


BAOTOU_STATION = ScoreSheet(
    key="baotou-station@1", zh="特派员工作站绩效评价表（包头市）", en="Baotou station performance sheet",
    clause="003 附件2", grades=GRADES, items=(
        Item("commissioners_filed", "企业特派员入站并备案的人数", "commissioners filed with the station", "003 附件2 第1项", 10,
             _bands((30, None, 10), (16, 30, 8), (6, 15, 5), (1, 5, 2))),
        Item("rd_guided", "派出特派员参与或指导企业开展技术研发的企业数量", "enterprises whose R&D was guided",
             "003 附件2 第2项", 10, _bands((11, None, 10), (6, 10, 6), (1, 5, 3), (0, 0, 0))),
        Item("achievements_adopted", "向企业推介科技成果被企业采用的成果数量", "achievements adopted by enterprises",
             "003 附件2 第3项", 10, _bands((21, None, 10), (11, 20, 6), (1, 10, 3), (0, 0, 0))),
        Item("achievements_transferred", "帮助企业转移转化科技成果的数量", "achievements transferred",
             "003 附件2 第4项", 20, _bands((21, None, 20), (9, 20, 12), (1, 8, 6), (0, 0, 0))),
        Item("planning_helped", "协助企业制定规划、凝练需求、申报科技计划项目的企业数量",
             "enterprises helped with planning, needs and projects", "003 附件2 第5项", 10,
             _bands((60, None, 10), (41, 60, 6), (21, 40, 3), (1, 20, 1), (0, 0, 0))),
        Item("services_given", "提供政策宣讲、技术咨询、知识产权等服务的企业数量",
             "enterprises given policy, consulting or IP services", "003 附件2 第6项", 10,
             _bands((60, None, 10), (41, 60, 7), (21, 40, 4), (1, 20, 2), (0, 0, 0))),
        Item("rd_institutions", "帮助企业建设市级以上研发机构的数量", "R&D institutions at city level or above",
             "003 附件2 第7项", 15, _bands((31, None, 15), (16, 30, 10), (1, 15, 5), (0, 0, 0))),
        Item("talents_introduced", "协助企业引进高层次创新人才数量", "high-level talents introduced", "003 附件2 第8项", 15,
             _bands((41, None, 15), (21, 40, 10), (1, 20, 5), (0, 0, 0))),
        Item("high_tech_approved", "帮助企业申报并获批高新技术企业（附加分，每家1分）",
             "high-tech enterprises approved (bonus, 1 point each)", "003 附件2 第9项", 10, per_unit=1),
        Item("reports_on_time", "按期上交绩效管理评价相关总结及佐证材料（附加分，评定给分）",
             "summaries and evidence handed in on time (bonus, points awarded)", "003 附件2 第10项", 10, awarded=True),
    ),
)

BAOTOU_COMMISSIONER = ScoreSheet(
    key="baotou-commissioner@1", zh="企业科技特派员工作绩效评价表（包头市）", en="Baotou commissioner performance sheet",
    clause="003 附件3", grades=GRADES, items=(
        Item("rd_guided", "参与或指导企业开展技术研发的企业数量", "enterprises whose R&D was guided", "003 附件3 第1项", 10,
             _bands((4, None, 10), (2, 3, 6), (1, 1, 3), (0, 0, 0))),
        Item("achievements_adopted", "向企业推介科技成果被企业采用的成果数量", "achievements adopted by enterprises",
             "003 附件3 第2项", 10, _bands((7, None, 10), (4, 6, 6), (1, 3, 3), (0, 0, 0))),
        Item("achievements_transferred", "帮助企业转移转化科技成果的数量", "achievements transferred",
             "003 附件3 第3项", 20, _bands((6, None, 20), (3, 5, 12), (1, 2, 6), (0, 0, 0))),
        Item("planning_helped", "协助企业制定规划、凝练需求、申报科技计划项目的企业数量",
             "enterprises helped with planning, needs and projects", "003 附件3 第4项", 10,
             _bands((11, None, 10), (7, 10, 6), (4, 6, 3), (1, 3, 1), (0, 0, 0))),
        Item("services_given", "提供政策宣讲、技术咨询、知识产权等服务的企业数量",
             "enterprises given policy, consulting or IP services", "003 附件3 第5项", 20,
             _bands((30, None, 20), (21, 30, 15), (11, 20, 10), (1, 10, 5), (0, 0, 0))),
        Item("rd_institutions", "引导企业建设市级以上研发机构的数量", "R&D institutions at city level or above",
             "003 附件3 第6项", 15, _bands((11, None, 15), (6, 10, 10), (1, 5, 5), (0, 0, 0))),
        Item("talents_introduced", "协助企业引进高层次创新人才数量", "high-level talents introduced", "003 附件3 第7项", 15,
             _bands((11, None, 15), (6, 10, 10), (1, 5, 5), (0, 0, 0))),
        Item("high_tech_approved", "帮助企业申报并获批高新技术企业（附加分，每家2分）",
             "high-tech enterprises approved (bonus, 2 points each)", "003 附件3 第8项", 10, per_unit=2),
    ),
)

SCORE_SHEETS = {s.key: s for s in (BAOTOU_STATION, BAOTOU_COMMISSIONER)}
