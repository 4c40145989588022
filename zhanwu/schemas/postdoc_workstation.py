"""postdoc_workstation 市级博士后科研工作站 (seed 002, 重庆市): states, actions and action payloads."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from zhanwu.schemas.common import Labelled, Payload, Text, Unit


class State(Labelled):
    DRAFT = ("draft", "草稿", "draft")
    SUBMITTED = ("submitted", "已申报", "submitted")
    DISTRICT_RECOMMENDED = ("district_recommended", "区县已推荐", "recommended by the district")
    CERTIFIED = ("certified", "已认定备案", "certified")
    RECTIFICATION_PERIOD = ("rectification_period", "整改期", "rectification year")
    DEREGISTERED = ("deregistered", "已注销", "deregistered")
    REJECTED = ("rejected", "未通过", "rejected")


class Action(Labelled):
    CREATE_APPLICATION = ("create_application", "创建设站申报", "create an application")
    SUBMIT_APPLICATION = ("submit_application", "提交申报", "submit the application")
    DISTRICT_RECOMMEND = ("district_recommend", "区县博管办审核推荐", "recommend (district)")
    DISTRICT_RETURN = ("district_return", "区县博管办退回修改", "return for revision (district)")
    CERTIFY = ("certify", "市博管办认定备案", "certify")
    REJECT = ("reject", "不予通过", "reject")
    RECORD_RECRUITMENT = ("record_recruitment", "登记招收博士后", "record a recruitment")
    WINDOW_LAPSED = ("window_lapsed", "连续未招收，进入整改期", "no recruitment in the window: rectification year")
    DEREGISTER_NON_RECRUITMENT = (
        "deregister_non_recruitment", "整改期满仍未招收，注销设站资格", "no recruitment by the rectification year's end: deregistered"
    )
    DEREGISTER = ("deregister", "注销设站资格", "deregister")


class UnitKind(Labelled):
    """`002 §一`: who may build a station."""

    ENTERPRISE = ("enterprise", "企业", "enterprise")
    RESEARCH_INSTITUTE = ("research_institute", "科研院所", "research institute")
    NEW_RD_INSTITUTION = ("new_rd_institution", "新型研发机构", "new R&D institution")
    PUBLIC_INSTITUTION = ("public_institution", "从事科学研究和技术开发的事业单位", "public R&D institution")


class DeregisterReason(Labelled):
    """`002 §四(一)`, `(二)`, `(三)`: the three grounds for deregistration."""

    NON_RECRUITMENT = ("non_recruitment", "连续四年（最后一年为整改期）未招收博士后研究人员", "four years without recruitment")
    SERIOUS_VIOLATION = ("serious_violation", "严重违反博士后工作有关规定或存在重大学术不端", "serious violation or academic misconduct")
    UNABLE_TO_CONTINUE = ("unable_to_continue", "无法提供必要条件或无法继续开展博士后工作", "unable to continue postdoctoral work")


class StationUnit(Unit):
    kind: UnitKind


class CreateApplication(Payload):
    unit: StationUnit


class Condition(Payload):
    """One condition: whether the unit meets it and the evidence it offers (a description or a document reference)."""

    met: bool = False
    evidence: str | None = Field(None, max_length=4000, description="证明材料")


class BasicConditions(Payload):
    """基本条件 `002 §一(一)1-6`: all six are required, each with its evidence (PD-BASIC)."""

    legal_person: Condition = Field(default_factory=Condition, description="1. 具备独立法人资格，经营或运行状况良好")
    rd_institution: Condition = Field(default_factory=Condition, description="2. 具有一定规模，并有专门的研究与开发机构")
    research_team: Condition = Field(
        default_factory=Condition, description="3. 高水平研究队伍，有可担任博士后合作导师的高级职称全职科研人员"
    )
    conditions_and_pay: Condition = Field(
        default_factory=Condition, description="4. 较好的科研和生活条件，同等待遇，薪酬不低于同等资历职工和重庆市博士后日常资助标准"
    )
    recruitment_plan: Condition = Field(
        default_factory=Condition, description="5. 明确的招收计划和创新性科研项目，有与流动站联合招收的合作意向"
    )
    management: Condition = Field(default_factory=Condition, description="6. 博士后工作管理办法，配备熟悉政策的专门人员")


class RecommendationConditions(Payload):
    """推荐条件 `002 §一(二)1-5`: at least one, with its evidence (PD-RECOMMEND)."""

    platform: Condition = Field(default_factory=Condition, description="1. 建有国家级或重庆市级科研创新平台")
    leading_industry: Condition = Field(
        default_factory=Condition, description="2. 战略性、基础性、先导性产业，行业领先或关键核心技术突出并获市级认定"
    )
    strategic_research: Condition = Field(
        default_factory=Condition, description="3. 围绕“一带一路”、长江经济带、成渝双城经济圈、“416”“33618”等开展科技创新研究"
    )
    little_giant: Condition = Field(default_factory=Condition, description="4. 国家、市级专精特新“小巨人”企业")
    candidate_agreed: Condition = Field(default_factory=Condition, description="5. 已有明确的招收对象并签订进站协议")


class Application(Payload):
    basic: BasicConditions
    recommendation: RecommendationConditions


class Certification(Payload):
    batch: str = Field(min_length=1, max_length=100, description="认定批次 `002 §三`", examples=["2026年第4批"])
    note: str | None = Field(None, max_length=4000)


class Recruitment(Payload):
    """A postdoctoral researcher recruited: restarts the non-recruitment window from `recruited_on`."""

    postdoc_name: str = Field(min_length=1, max_length=100)
    recruited_on: date = Field(description="进站日期")
    mobile_station: str = Field(min_length=1, max_length=200, description="合作的博士后科研流动站",
                                examples=["重庆大学机械工程博士后科研流动站"])


class Deregistration(Payload):
    """A manual deregistration by the city office; non-recruitment is decided by the window itself."""

    reason: Literal[DeregisterReason.SERIOUS_VIOLATION, DeregisterReason.UNABLE_TO_CONTINUE]
    evidence: Text
