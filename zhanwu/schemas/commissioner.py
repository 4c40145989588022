"""commissioner 科技特派员 (seeds 003, 004): states, actions and action payloads."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from zhanwu.schemas.common import Labelled, Payload, Text, Unit


class State(Labelled):
    REGISTERED = ("registered", "已注册", "registered")
    APPROVED = ("approved", "审核通过", "approved")
    MATCHED = ("matched", "双向选择", "matched")
    IN_PUBLIC_NOTICE = ("in_public_notice", "公示中", "in public notice")
    APPOINTED = ("appointed", "已发布名单", "appointed")
    IN_SERVICE = ("in_service", "服务中", "in service")
    RECTIFYING = ("rectifying", "限期整改", "rectifying")
    ENDED = ("ended", "期满", "ended")
    DISQUALIFIED = ("disqualified", "取消资格", "disqualified")


class Action(Labelled):
    REGISTER = ("register", "注册登记", "register")
    APPROVE = ("approve", "审核通过", "approve")
    MATCH = ("match", "双向选择，确定派驻单位", "match with enterprises")
    START_PUBLIC_NOTICE = ("start_public_notice", "公示", "start the public notice")
    RAISE_OBJECTION = ("raise_objection", "提出异议", "raise an objection")
    RESOLVE_OBJECTION = ("resolve_objection", "处理异议", "resolve an objection")
    NOTICE_ENDED = ("notice_ended", "公示期满无异议，发布名单", "notice over: appointed")
    SIGN_AGREEMENT = ("sign_agreement", "签订三方协议", "sign the tripartite agreement")
    LOG_SERVICE = ("log_service", "登记服务天数", "log service days")
    SUBMIT_REPORT = ("submit_report", "报送工作进展", "submit a progress report")
    REPORT_OVERDUE = ("report_overdue", "工作进展逾期未报", "progress report overdue")
    REQUEST_CHANGE = ("request_change", "书面申请调整", "request a change")
    APPROVE_CHANGE = ("approve_change", "审批调整申请", "decide a change request")
    RECORD_EVALUATION = ("record_evaluation", "记录年度考核结果", "record the annual evaluation")
    RECTIFICATION_OVERDUE = ("rectification_overdue", "整改期限届满", "rectification deadline passed")
    CONFIRM_RECTIFICATION = ("confirm_rectification", "整改到位，恢复服务", "confirm the rectification")
    RENEW = ("renew", "续签", "renew")
    TERM_ENDED = ("term_ended", "服务期满", "term ended")
    DISQUALIFY = ("disqualify", "取消科技特派员资格", "disqualify")
    LIFT_BAN = ("lift_ban", "限制期届满，解除限制", "lift the ban")


class Degree(Labelled):
    NONE = ("none", "无", "none")
    COLLEGE = ("college", "全日制大专", "full-time college")
    BACHELOR = ("bachelor", "大学本科", "bachelor")
    MASTER = ("master", "硕士", "master")
    DOCTORATE = ("doctorate", "博士", "doctorate")


class Title(Labelled):
    NONE = ("none", "无", "none")
    JUNIOR = ("junior", "初级", "junior")
    INTERMEDIATE = ("intermediate", "中级", "intermediate")
    ASSOCIATE_SENIOR = ("associate_senior", "副高级", "associate senior")
    SENIOR = ("senior", "正高级", "senior")


class Ground(Labelled):
    """`004 第十六条` (一)–(五), and false information `003 内蒙古办法 第十五条`."""

    FAILED_EVALUATION = ("failed_evaluation", "年度考核不合格或无故不参加考核", "failed or skipped the evaluation")
    VIOLATION = ("violation", "有违法违纪行为", "violated laws or discipline")
    HARM_OR_DISHONESTY = ("harm_or_dishonesty", "损害派驻单位利益或严重失信", "harmed the enterprise or grave dishonesty")
    UNMANAGEABLE = ("unmanageable", "不接受管理，长期不参加相关活动", "refused management, absent from activities")
    OTHER = ("other", "其他不适合继续担任的情况", "otherwise unfit to serve")
    FALSE_INFORMATION = ("false_information", "提供虚假信息", "false information")


class ChangeKind(Labelled):
    """`004 第十一条`: 对接单位、任务目标、人员变更等重大调整."""

    ENTERPRISE = ("enterprise", "对接单位变更", "change of enterprise")
    TARGETS = ("targets", "任务目标变更", "change of targets")
    PERSON = ("person", "人员变更", "change of person")


class Person(Payload):
    person_id: str = Field(min_length=1, max_length=64, description="opaque, stable id of the person (not an ID-card number)")
    name: str = Field(min_length=1, max_length=100)
    degree: Degree = Field(description="最高学历/学位")
    full_time: bool = Field(True, description="全日制学历")
    title: Title = Field(description="专业技术职称")
    field: str = Field(min_length=1, max_length=200, description="专业领域")


class Integrity(Payload):
    """`004 第十三条(一)`: 近三年内无科研失信行为、无违法违纪记录、无不良信用记录."""

    misconduct_last_3_years: bool = Field(description="近三年内有科研失信行为")
    violation_last_3_years: bool = Field(description="近三年内有违法违纪记录")
    bad_credit_last_3_years: bool = Field(description="近三年内有不良信用记录")


class Registration(Payload):
    person: Person
    dispatching_unit: Unit = Field(description="派出单位：高校、科研院所、科技服务机构等")
    university: bool = Field(False, description="派出单位为高校（003 内蒙古科技大学办法：派驻期限不少于6个月）")
    integrity: Integrity


class EnterpriseConditions(Payload):
    """`003 内蒙古办法 第八条`."""

    rd_and_production: bool = Field(description="从事研发和生产的科技型企业")
    operating_normally: bool = Field(description="经营正常，管理规范")
    bad_credit: bool = Field(description="有不良信用记录")
    research_conditions: bool = Field(description="具备基本科研条件和必要的科研经费")


class Enterprise(Unit):
    conditions: EnterpriseConditions
    needs: Text = Field(description="技术需求")


class Matching(Payload):
    """`004 第十四条(四)`, `003 内蒙古办法 第十条`: the enterprises served (at least one) and the work agreed."""

    enterprises: list[Enterprise] = Field(min_length=1, max_length=20)
    targets: Text = Field(description="合作意向和内容、任务目标")


class PublicNotice(Payload):
    working_days: int | None = Field(None, ge=1, le=30, description="公示期（工作日）；默认按政策版本")
    where: str = Field("官网", max_length=200, description="公示范围")


class Objection(Payload):
    objection: Text


class ObjectionDecision(Payload):
    objection: int = Field(ge=1, description="异议编号")
    upheld: bool = Field(description="异议成立：退回审核通过状态")
    finding: Text


class Agreement(Payload):
    """The tripartite agreement 三方协议: each party signs the same terms."""

    term_months: int = Field(ge=1, le=60, description="协议有效期（月）")
    starts_on: date
    targets: Text = Field(description="服务内容、任务目标")


class ServiceLog(Payload):
    on: date = Field(description="服务日期（首日）")
    days: int = Field(ge=1, le=31, description="在派驻企业工作的天数")
    enterprise: str = Field(min_length=1, max_length=18, description="派驻企业统一社会信用代码")
    work: Text


class Report(Payload):
    report: Text = Field(description="工作进展：问题解决、技术成效等实绩")


class ChangeRequest(Payload):
    kind: ChangeKind
    application: Text = Field(description="书面申请")
    enterprises: list[Enterprise] | None = Field(None, max_length=20, description="变更后的派驻单位（对接单位变更时）")
    targets: str | None = Field(None, max_length=4000, description="变更后的任务目标（任务目标变更时）")


class ChangeDecision(Payload):
    approved: bool
    note: Text


class Renewal(Payload):
    """到期后视情况续签: another term as long as the agreement's."""

    note: str | None = Field(None, max_length=4000)


class Disqualification(Payload):
    ground: Ground
    finding: Text
