"""doctoral_residency 百名博士进高新 (seed 001, 平顶山高新区): states, actions and action payloads."""

from __future__ import annotations

from pydantic import Field

from zhanwu.schemas.common import Labelled, Payload, Text, Unit


class State(Labelled):
    MATCHING = ("matching", "供需对接", "matching")
    AGREED = ("agreed", "已签协议", "agreement signed")
    FILED = ("filed", "已备案", "agreement filed")
    IN_RESIDENCE = ("in_residence", "入驻中", "in residence")
    UNDER_WARNING = ("under_warning", "约谈/通报批评", "under warning")
    COMPLETED = ("completed", "期满", "completed")
    EXITED = ("exited", "退出人才信息库", "removed from the talent pool")


class Action(Labelled):
    OPEN_MATCHING = ("open_matching", "供需对接登记", "open matching")
    SIGN_AGREEMENT = ("sign_agreement", "签订合作协议", "sign the agreement")
    FILE_AGREEMENT = ("file_agreement", "协议备案", "file the agreement")
    START_RESIDENCY = ("start_residency", "入驻企业", "start residency")
    SUBMIT_QUARTERLY_REPORT = ("submit_quarterly_report", "报送季度工作情况", "submit a quarterly report")
    REPORT_OVERDUE = ("report_overdue", "季度工作情况逾期未报", "quarterly report overdue")
    EVALUATION_DUE = ("evaluation_due", "入驻满一年，待年度评价", "a year of residence: evaluation due")
    RECORD_ANNUAL_EVALUATION = ("record_annual_evaluation", "记录年度评价结果", "record the annual evaluation")
    ESCALATE_WARNING = ("escalate_warning", "约谈后仍无推进，通报批评", "escalate to public criticism")
    CLEAR_WARNING = ("clear_warning", "取得推进，解除警示", "clear the warning")
    REMOVE_FROM_POOL = ("remove_from_pool", "退出人才信息库", "remove from the talent pool")
    TERM_ENDED = ("term_ended", "入驻期满", "term ended")
    SUBMIT_FINAL_SUMMARY = ("submit_final_summary", "提交入驻工作总结", "submit the final summary")
    ISSUE_FINAL_EVALUATION = ("issue_final_evaluation", "出具综合评价意见", "issue the final evaluation")


class Position(Labelled):
    """`001 第七条`: 入驻岗位一般为“科技副总”、“科研中心副主任”或“科技服务官”等."""

    VICE_PRESIDENT = ("vice_president_technology", "科技副总", "vice president for technology")
    RD_DEPUTY_DIRECTOR = ("rd_centre_deputy_director", "科研中心副主任", "deputy director of the R&D centre")
    SERVICE_OFFICER = ("technology_service_officer", "科技服务官", "technology service officer")
    OTHER = ("other", "其他岗位（须写明名称）", "another named position")


class Result(Labelled):
    """`001 第十六条`: the annual evaluation's results."""

    EXCELLENT = ("excellent", "优秀", "excellent")
    COMPETENT = ("competent", "称职", "competent")
    POOR = ("poor", "履职不到位", "poor")


class WarningStage(Labelled):
    INTERVIEW = ("interview", "约谈", "interview")
    CRITICISM = ("criticism", "通报批评", "public criticism")


class Doctor(Payload):
    person_id: str = Field(min_length=1, max_length=64, description="opaque, stable id of the doctor (not an ID-card number)")
    name: str = Field(min_length=1, max_length=100)
    university: str = Field(min_length=1, max_length=200, description="派出单位（高校）", examples=["河南城建学院"])


class OpenMatching(Payload):
    """`001 第五条`: 供需对接、双向选择 — the doctor, the dispatching university and the enterprise."""

    doctor: Doctor
    enterprise: Unit
    note: str | None = Field(None, max_length=4000)


class Doctorate(Payload):
    held: bool = Field(description="具有博士学位")
    evidence: str | None = Field(None, max_length=1000, description="学位证书编号或证明材料")


class Agreement(Payload):
    """The cooperation agreement 合作协议 `001 第五条`–`第七条`."""

    focus: Text = Field(description="合作重点")
    mode: Text = Field(description="合作模式")
    term_months: int = Field(ge=1, le=120, description="入驻期限（月），不少于 12 个月")
    industry: str = Field(min_length=1, max_length=64, description="接收企业所属产业：policy profile `industries` 之一")
    doctorate: Doctorate


class StartResidency(Payload):
    position: Position
    position_title: str | None = Field(None, max_length=100, description="岗位名称（position = other 时必填）")


class QuarterlyReport(Payload):
    report: Text = Field(description="服务企业工作任务完成情况")


class Evaluation(Payload):
    """The result of one doctor in an evaluation round (delivered by the campaign)."""

    result: Result
    round: str = Field(pattern=r"^[0-9A-Za-z-]{1,32}$", description="评价批次")
    comment: str | None = Field(None, max_length=4000)


class Summary(Payload):
    summary: Text = Field(description="入驻工作总结或调研报告")


class FinalEvaluation(Payload):
    opinion: Text = Field(description="综合评价意见（以高新区党工委名义出具）")
