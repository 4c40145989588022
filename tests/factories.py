"""Valid payloads and actors for doctoral_workstation, to be varied by each test."""

from __future__ import annotations

from typing import Any

from zhanwu.schemas.common import Actor, Role, Sector

REGION, CITY_REGION, OTHER_REGION = "140702", "140700", "140802"
UNIT_CODE = "91350100M000100Y43"
LEAD = "doc-lead-001"

CITY = Actor(subject="city-1", role=Role.CITY_OFFICE, region=CITY_REGION)
DISTRICT = Actor(subject="district-1", role=Role.DISTRICT_OFFICE, region=REGION)
OTHER_DISTRICT = Actor(subject="district-9", role=Role.DISTRICT_OFFICE, region=OTHER_REGION)
SECTOR_INDUSTRY = Actor(subject="gxj-1", role=Role.SECTOR_DEPARTMENT, region=CITY_REGION, sector=Sector.INDUSTRY)
HOST = Actor(subject=UNIT_CODE, role=Role.HOST_UNIT, region=REGION)


def unit(code: str = UNIT_CODE, region: str = REGION) -> dict[str, Any]:
    return {"name": "晋中某新材料有限公司", "credit_code": code, "kind": "enterprise", "sector": "industry",
            "region": region}


def open_survey(**kw: Any) -> dict[str, Any]:
    return {"unit": unit(**kw), "intention": "高性能镁合金研发"}


def member(i: int, *, lead: bool = False, doctorate: bool = True, **kw: Any) -> dict[str, Any]:
    return {"person_id": LEAD if lead else f"doc-{i:03d}", "name": f"博士{i}", "lead": lead, "doctorate": doctorate,
            "employer": "太原理工大学", "employer_kind": "university", "affiliated_with_host": False} | kw


def filing(team_size: int = 3, lead_id: str = LEAD, doctors: int | None = None) -> dict[str, Any]:
    doctors = team_size if doctors is None else doctors
    team = [member(0, lead=True) | {"person_id": lead_id}]
    team += [member(i, doctorate=i < doctors) for i in range(1, team_size)]
    return {
        "conditions": {"innovation_need": "镁合金轻量化", "research_team": "研发部12人", "funding": "年投入200万元",
                       "site": "研发楼三层", "management": "工作站管理办法"},
        "team": team,
        "agreements": {"co_construction_signed_on": "2026-01-10", "project_cooperation_signed_on": "2026-01-12"},
    }
