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


# --- postdoc_workstation (seed 002, 重庆市) ------------------------------------------------------
CQ_REGION, CQ_CITY, CQ_OTHER_REGION = "500106", "500000", "500112"  # 沙坪坝区, 重庆市, 渝北区
CQ_UNIT_CODE, CQ_COUNTY_UNIT_CODE = "91500106MA5U7G1X2C", "91500229MA5U7G1X3Y"  # the second in 城口县 500229
CQ_CITY_OFFICE = Actor(subject="cq-bgb-1", role=Role.CITY_OFFICE, region=CQ_CITY)
CQ_DISTRICT = Actor(subject="spb-bgb-1", role=Role.DISTRICT_OFFICE, region=CQ_REGION)
CQ_OTHER_DISTRICT = Actor(subject="yb-bgb-1", role=Role.DISTRICT_OFFICE, region=CQ_OTHER_REGION)
CQ_HOST = Actor(subject=CQ_UNIT_CODE, role=Role.HOST_UNIT, region=CQ_REGION)
BASIC = ("legal_person", "rd_institution", "research_team", "conditions_and_pay", "recruitment_plan", "management")
RECOMMENDATION = ("platform", "leading_industry", "strategic_research", "little_giant", "candidate_agreed")


def pd_unit(code: str = CQ_UNIT_CODE, region: str = CQ_REGION) -> dict[str, Any]:
    return {"unit": {"name": "重庆某智能装备有限公司", "credit_code": code, "region": region, "kind": "enterprise"}}


def pd_host(code: str = CQ_UNIT_CODE, region: str = CQ_REGION) -> Actor:
    return Actor(subject=code, role=Role.HOST_UNIT, region=region)


def application(basic: tuple[str, ...] = BASIC, recommendation: tuple[str, ...] = ("platform",),
                unevidenced: tuple[str, ...] = ()) -> dict[str, Any]:
    """The conditions named are met with evidence; those in `unevidenced` are claimed with a blank one."""
    def section(keys: tuple[str, ...], all_keys: tuple[str, ...]) -> dict[str, Any]:
        out = {k: {"met": True, "evidence": f"证明材料：{k}"} for k in keys}
        return out | {k: {"met": True, "evidence": " "} for k in unevidenced if k in all_keys}

    return {"basic": section(basic, BASIC), "recommendation": section(recommendation, RECOMMENDATION)}


def recruitment(on: str, name: str = "张博士") -> dict[str, Any]:
    return {"postdoc_name": name, "recruited_on": on, "mobile_station": "重庆大学机械工程博士后科研流动站"}


# --- doctoral_residency (seed 001, 平顶山高新区) ----------------------------------------------------
DR_ZONE, DR_CITY, DR_OTHER_REGION = "410471", "410400", "410402"  # 平顶山高新区, 平顶山市, 新华区
DR_UNIT_CODE = "91410471MA44PD001B"
DR_DOCTOR = "dr-doctor-001"
DR_CITY_OFFICE = Actor(subject="pds-kjj-1", role=Role.CITY_OFFICE, region=DR_CITY)
DR_DISTRICT = Actor(subject="gxq-kcj-1", role=Role.DISTRICT_OFFICE, region=DR_ZONE)
DR_OTHER_DISTRICT = Actor(subject="xh-kjj-1", role=Role.DISTRICT_OFFICE, region=DR_OTHER_REGION)
DR_HOST = Actor(subject=DR_UNIT_CODE, role=Role.HOST_UNIT, region=DR_ZONE)


def dr_doctor(person_id: str = DR_DOCTOR) -> Actor:
    return Actor(subject=person_id, role=Role.APPLICANT, region=DR_ZONE)


def matching(person_id: str = DR_DOCTOR, code: str = DR_UNIT_CODE) -> dict[str, Any]:
    return {"doctor": {"person_id": person_id, "name": "李博士", "university": "河南城建学院"},
            "enterprise": {"name": "平顶山某电气装备有限公司", "credit_code": code, "region": DR_ZONE}}


def agreement(term_months: int = 12, industry: str = "electrical_equipment", doctorate: bool = True,
              evidence: str | None = "博士学位证书 1046532019000123") -> dict[str, Any]:
    return {"focus": "智能开关设备故障诊断", "mode": "项目合作、驻企研发", "term_months": term_months,
            "industry": industry, "doctorate": {"held": doctorate, "evidence": evidence}}


# --- commissioner_station and commissioner (seeds 003, 004) -------------------------------------------
BT_CITY, BT_DISTRICT = "150200", "150203"  # 包头市, 昆都仑区
YQ_CITY, YQ_DISTRICT = "140300", "140302"  # 阳泉市, 城区
CS_INSTITUTION = "12150000MB0BT0005E"  # 内蒙古科技大学 (a public institution)
BT_FIRM, BT_FIRM_2, BT_FIRM_3 = "91150203MA0BT0001G", "91150203MA0BT0002K", "91150203MA0BT0003N"
YQ_FIRM, YQ_FIRM_2, YQ_UNIVERSITY = "91140302MA0YQ0001L", "91140302MA0YQ0002P", "12140300MB0YQ00035"
CM_PERSON, CM_PERSON_YQ = "cm-person-001", "cm-person-yq-001"
BT_CITY_OFFICE = Actor(subject="bt-kjj-1", role=Role.CITY_OFFICE, region=BT_CITY)
BT_DISTRICT_OFFICE = Actor(subject="kdl-kjj-1", role=Role.DISTRICT_OFFICE, region=BT_DISTRICT)
YQ_CITY_OFFICE = Actor(subject="yq-kjj-1", role=Role.CITY_OFFICE, region=YQ_CITY)
CS_HOST = Actor(subject=CS_INSTITUTION, role=Role.HOST_UNIT, region=BT_CITY)
CS_STATION = Actor(subject=CS_INSTITUTION, role=Role.STATION, region=BT_CITY)


def cs_application(code: str = CS_INSTITUTION, region: str = BT_CITY, staff: int = 12,
                   since: str = "2019-09-01") -> dict[str, Any]:
    return {"institution": {"name": "内蒙古科技大学", "credit_code": code, "region": region},
            "type": "technical_service", "technical_staff": staff, "team_evidence": "科技处及12名专职技术人员",
            "service_since": since, "service_evidence": "2019年起为包头企业提供技术服务的合同清单"}


def cm_actor(role: Role, region: str = BT_DISTRICT, person: str = CM_PERSON, unit: str = CS_INSTITUTION) -> Actor:
    subject = {Role.APPLICANT: person, Role.DISPATCHING_UNIT: unit, Role.HOST_UNIT: BT_FIRM,
               Role.STATION: CS_INSTITUTION}[role]
    return Actor(subject=subject, role=role, region=region)


def registration(person: str = CM_PERSON, degree: str = "bachelor", title: str = "none", *, full_time: bool = True,
                 unit: str = CS_INSTITUTION, region: str = BT_CITY, university: bool = True,
                 misconduct: bool = False) -> dict[str, Any]:
    return {"person": {"person_id": person, "name": "王工", "degree": degree, "full_time": full_time, "title": title,
                       "field": "稀土新材料"},
            "dispatching_unit": {"name": "内蒙古科技大学", "credit_code": unit, "region": region},
            "university": university,
            "integrity": {"misconduct_last_3_years": misconduct, "violation_last_3_years": False,
                          "bad_credit_last_3_years": False}}


def enterprise(code: str = BT_FIRM, region: str = BT_DISTRICT, **conditions: bool) -> dict[str, Any]:
    return {"name": "包头某稀土材料有限公司", "credit_code": code, "region": region, "needs": "稀土永磁材料工艺改进",
            "conditions": {"rd_and_production": True, "operating_normally": True, "bad_credit": False,
                           "research_conditions": True} | conditions}


def cm_matching(*codes: str, region: str = BT_DISTRICT) -> dict[str, Any]:
    return {"enterprises": [enterprise(c, region) for c in codes or (BT_FIRM,)], "targets": "解决烧结工艺难题"}


def cm_agreement(term_months: int = 12, starts_on: str = "2026-12-01") -> dict[str, Any]:
    return {"term_months": term_months, "starts_on": starts_on, "targets": "年内解决烧结工艺难题"}
