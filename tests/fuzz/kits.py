"""Per programme, what the fuzzers act with: the unit tests' driver (its actors, one per role, and a
valid payload per action), plus actors of another region and of other roles, to be refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tests.factories import DISTRICT, OTHER_DISTRICT, YQ_CITY_OFFICE, YQ_DISTRICT
from tests.unit import (
    test_commissioner_rules,
    test_commissioner_station_rules,
    test_doctoral_residency_rules,
    test_doctoral_workstation_rules,
    test_postdoc_workstation_rules,
)
from tests.unit.driver import Driver
from zhanwu.schemas.common import Actor, Role, Sector

STRANGERS = [  # in no programme's test region, or of a role no action takes there
    OTHER_DISTRICT,
    Actor(subject="city-9", role=Role.CITY_OFFICE, region="110100"),
    Actor(subject="91110000MA0000000X", role=Role.HOST_UNIT, region="110101"),
    Actor(subject="person-9", role=Role.APPLICANT, region="110101"),
    Actor(subject="agri-1", role=Role.SECTOR_DEPARTMENT, region="140700", sector=Sector.AGRICULTURE),
    DISTRICT,
]


@dataclass(frozen=True)
class Kit:
    driver: Driver
    create_payload: dict[str, Any] | None = None  # a profile's own region, where it differs from the driver's
    actors: tuple[Actor, ...] = ()  # that profile's own actors, used before the driver's

    def payload(self, action: str, now: datetime) -> dict[str, Any]:
        if self.create_payload is not None and self.driver.lc.by_key[action].creates:
            return self.create_payload
        return self.driver.payload_for(action, now)

    def actor(self, role: Role) -> Actor | None:
        return next((a for a in self.actors if a.role is role), self.driver.actors.get(role))

    def creator(self, action: str) -> Actor:
        return next(a for r in self.driver.lc.by_key[action].roles if (a := self.actor(r)) is not None)


_YQ = test_commissioner_rules
KITS: dict[tuple[str, str], Kit] = {
    ("doctoral_workstation", "jinzhong@1"): Kit(test_doctoral_workstation_rules.DRIVER),
    ("doctoral_residency", "pingdingshan-hitech@1"): Kit(test_doctoral_residency_rules.D),
    ("postdoc_workstation", "chongqing@1"): Kit(test_postdoc_workstation_rules.D),
    ("postdoc_workstation", "chongqing-calendar@1"): Kit(test_postdoc_workstation_rules.D),
    ("commissioner_station", "inner_mongolia@1"): Kit(test_commissioner_station_rules.D),
    ("commissioner", "inner_mongolia@1"): Kit(test_commissioner_rules.D),
    ("commissioner", "yangquan@1"): Kit(
        test_commissioner_rules.D, _YQ.at(_YQ.YQ)[1],
        (YQ_CITY_OFFICE, Actor(subject="yq-district", role=Role.DISTRICT_OFFICE, region=YQ_DISTRICT),
         *_YQ.signatories(_YQ.YQ)),
    ),
}
