"""commissioner_station 企业科技特派员工作站 (seed 003, 内蒙古/包头): states, actions and action payloads."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from zhanwu.schemas.common import Labelled, Payload, Text, Unit


class State(Labelled):
    APPLIED = ("applied", "已申请", "applied")
    UNDER_REVIEW = ("under_review", "专家评审/现场考察", "under review")
    FILED = ("filed", "已备案", "filed")
    RECTIFYING = ("rectifying", "限期整改", "rectifying")
    REVOKED = ("revoked", "取消备案", "revoked")
    REJECTED = ("rejected", "未予备案", "rejected")


class Action(Labelled):
    SUBMIT_APPLICATION = ("submit_application", "提出建站申请", "apply for a station")
    START_REVIEW = ("start_review", "组织专家评审、现场考察", "start the review")
    FILE = ("file", "予以备案", "file the station")
    REJECT = ("reject", "不予备案", "reject")
    SUBMIT_MONTHLY_REPORT = ("submit_monthly_report", "报送月度工作情况", "submit the monthly report")
    REPORT_OVERDUE = ("report_overdue", "月度工作情况逾期未报", "monthly report overdue")
    RECORD_EVALUATION = ("record_evaluation", "记录年度考核结果", "record the annual evaluation")
    RECTIFICATION_OVERDUE = ("rectification_overdue", "整改期限届满", "rectification deadline passed")
    CONFIRM_RECTIFICATION = ("confirm_rectification", "整改效果明显，保留备案", "confirm the rectification")
    REVOKE = ("revoke", "提供虚假信息，取消备案", "revoke for false information")
    LIFT_BAN = ("lift_ban", "限制期届满，解除限制", "lift the ban")


class StationType(Labelled):
    TECHNICAL_SERVICE = ("technical_service", "技术服务型", "technical service (a university or institute)")
    SCI_TECH_SERVICE = ("sci_tech_service", "科技服务型", "S&T service (a district's)")


class Application(Payload):
    """`003 内蒙古办法 第六条`: the institution, its team and its service record."""

    institution: Unit = Field(description="依托机构：独立法人机构")
    type: StationType
    technical_staff: int = Field(ge=0, le=100_000, description="稳定的技术人员队伍：人数")
    team_evidence: Text = Field(description="技术人员队伍及服务能力的说明或证明材料")
    service_since: date = Field(description="为企业服务的起始日期（从事相关服务不少于2年）")
    service_evidence: Text = Field(description="服务经历的证明材料")


class MonthlyReport(Payload):
    report: Text = Field(description="本月为企业凝练需求、联合科研、技术攻关、成果转化等情况 (003 包头方案 六(二))")


class Revocation(Payload):
    finding: Text = Field(description="提供虚假信息的认定及依据")
