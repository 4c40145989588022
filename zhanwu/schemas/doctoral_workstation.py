"""doctoral_workstation 博士工作站 (seed 000): states, actions, tiers and action payloads."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from zhanwu.schemas.common import Labelled, Payload, Sector, Text, Unit


class State(Labelled):
    SURVEYED = ("surveyed", "摸排", "surveyed")
    CULTIVATING = ("cultivating", "培育建设", "cultivating")
    FILING_SUBMITTED = ("filing_submitted", "已提交备案", "filing submitted")
    RECOMMENDED = ("recommended", "已推荐", "recommended")
    FILED = ("filed", "已备案（跟踪服务）", "filed")
    RECTIFYING = ("rectifying", "整改中", "rectifying")
    REVOKED = ("revoked", "已取消备案", "revoked")
    WITHDRAWN = ("withdrawn", "已撤回", "withdrawn")


class Action(Labelled):
    OPEN_SURVEY = ("open_survey", "摸排建站意向", "open survey")
    REGISTER_EXISTING = ("register_existing", "已认定站点备案登记", "register an existing station")
    BEGIN_CULTIVATION = ("begin_cultivation", "开始培育建设", "begin cultivation")
    SUBMIT_FILING = ("submit_filing", "提交备案", "submit filing")
    RECOMMEND = ("recommend", "组织推荐", "recommend")
    RETURN_FOR_REVISION = ("return_for_revision", "退回修改", "return for revision")
    APPROVE_FILING = ("approve_filing", "审核备案", "approve filing")
    SET_TIER = ("set_tier", "调整梯次", "set tier")
    ISSUE_RECTIFICATION = ("issue_rectification", "下达整改通知", "issue rectification")
    SUBMIT_RECTIFICATION = ("submit_rectification", "提交整改报告", "submit rectification report")
    ACCEPT_RECTIFICATION = ("accept_rectification", "整改验收通过", "accept rectification")
    REJECT_RECTIFICATION = ("reject_rectification", "整改不达标，取消备案", "reject rectification")
    RECTIFICATION_EXPIRED = ("rectification_expired", "整改期满未报，取消备案", "rectification deadline passed")
    WITHDRAW = ("withdraw", "撤回", "withdraw")


class Tier(Labelled):
    BASIC_CULTIVATION = ("basic_cultivation", "基础培育", "basic cultivation")
    KEY_IMPROVEMENT = ("key_improvement", "重点提升", "key improvement")
    DEMONSTRATION = ("demonstration", "示范引领", "demonstration")


class UnitKind(Labelled):
    ENTERPRISE = ("enterprise", "企业", "enterprise")
    PUBLIC_INSTITUTION = ("public_institution", "事业单位", "public institution")


class EmployerKind(Labelled):
    UNIVERSITY = ("university", "高等学校", "university")
    RESEARCH_INSTITUTE = ("research_institute", "科研院所", "research institute")
    MEDICAL_INSTITUTION = ("medical_institution", "医疗卫生机构", "medical institution")
    OTHER = ("other", "其他", "other")


class RecognitionKind(Labelled):
    PROVINCIAL_STATION = ("provincial_station", "山西省博士创新站", "provincial doctoral innovation station")
    PLAQUED_STATION = ("plaqued_station", "已挂牌博士工作站类机构", "plaqued doctoral station")


class HostUnit(Unit):
    kind: UnitKind
    sector: Sector


class OpenSurvey(Payload):
    """`000 §四(一)`: a district or sector department records a unit's intention to build a station."""

    unit: HostUnit
    intention: Text = Field(description="建站意向：技术需求或研发需求")


class FiveConditions(Payload):
    """五有 `000 §二(一)`: a description of each; a missing or blank one is refused by DW-FIVE-CONDITIONS."""

    innovation_need: str | None = Field(None, description="有创新需求")
    research_team: str | None = Field(None, description="有科研团队")
    funding: str | None = Field(None, description="有资金保障")
    site: str | None = Field(None, description="有建站场地")
    management: str | None = Field(None, description="有管理机制")


class TeamMember(Payload):
    person_id: str = Field(min_length=1, max_length=64, description="opaque, stable id of the person (not an ID-card number)")
    name: str = Field(min_length=1, max_length=100)
    lead: bool = Field(False, description="领衔博士")
    doctorate: bool
    employer: str = Field(min_length=1, max_length=200)
    employer_kind: EmployerKind
    affiliated_with_host: bool = Field(False, description="与建站单位有人事隶属关系")


class Agreements(Payload):
    """`000 §二(三)`: dates the two agreements were signed."""

    co_construction_signed_on: date | None = Field(None, description="共建协议")
    project_cooperation_signed_on: date | None = Field(None, description="项目合作协议")


class Filing(Payload):
    """备案信息, filled jointly by the unit and the doctors `000 §四(三)`."""

    conditions: FiveConditions
    team: list[TeamMember] = Field(max_length=200)
    agreements: Agreements


class ExistingRecognition(Payload):
    kind: RecognitionKind
    name: str = Field(min_length=1, max_length=200)
    recognised_on: date


class RegisterExisting(Payload):
    """`000 §二(四)`: an already recognised station registers directly at filing_submitted."""

    unit: HostUnit
    recognition: ExistingRecognition
    filing: Filing


class SetTier(Payload):
    tier: Tier


class IssueRectification(Payload):
    findings: Text = Field(description="不再具备运行条件的情况")
    deadline: datetime | date = Field(
        description="a date ends at 24:00 Asia/Shanghai (rolled past a statutory holiday); or an exact instant"
    )
    reported_by: str | None = Field(None, max_length=200, description="组织推荐单位")


class RectificationReport(Payload):
    report: Text
