"""Wire contracts shared by the API, the workflows and the store. Pure data: no I/O."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator


class Labelled(StrEnum):
    """A StrEnum whose members carry a Chinese and an English label: `Member = ("key", "中文", "English")`."""

    zh: str
    en: str

    def __new__(cls, value: str, zh: str = "", en: str = "") -> Labelled:
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh = zh or value
        member.en = en or value
        return member


class Role(Labelled):
    CITY_OFFICE = ("city_office", "市级主管部门", "city office")
    DISTRICT_OFFICE = ("district_office", "县区/开发区主管部门", "district office")
    SECTOR_DEPARTMENT = ("sector_department", "市直行业部门", "sector department")
    HOST_UNIT = ("host_unit", "建站单位", "host unit")
    APPLICANT = ("applicant", "博士/特派员本人", "applicant")
    DISPATCHING_UNIT = ("dispatching_unit", "派出单位", "dispatching unit")
    STATION = ("station", "特派员工作站", "station")
    SYSTEM = ("system", "系统（定时）", "system (timer)")


class Sector(Labelled):
    """The city sector departments of `000 §三`, and the domains they look after."""

    EDUCATION = ("education", "教育", "education")
    INDUSTRY = ("industry", "工业和信息化", "industry and IT")
    AGRICULTURE = ("agriculture", "农业农村", "agriculture")
    HEALTH = ("health", "卫生健康", "health")
    ENERGY = ("energy", "能源", "energy")
    OTHER = ("other", "其他（文物保护等）", "other (cultural heritage etc.)")


REGION_PATTERN = r"^[1-9]\d{5}$"
# The working-day calendar (zhanwu.workflows.common.calendar.CALENDARS) of cases opened before each case
# recorded its own: their histories and snapshots carry none.
FIRST_CALENDAR = "CN/holidays-0.109"
MUNICIPALITIES = ("11", "12", "31", "50")  # 直辖市: Beijing, Tianjin, Shanghai, Chongqing are cities at province level


def region_prefix(code: str) -> str:
    """The codes a region covers, as a prefix (GB/T 2260): 500000 → 50, 140700 → 1407, 140702 → 140702."""
    if code.endswith("0000"):
        return code[:2]
    return code[:4] if code.endswith("00") else code


class Actor(BaseModel):
    """Who acts: from the bearer token, or the system itself when a timer fires."""

    model_config = ConfigDict(frozen=True)

    subject: str = Field(min_length=1, max_length=128)
    role: Role
    region: str = Field(pattern=REGION_PATTERN, description="GB/T 2260 region code of the actor's jurisdiction")
    sector: Sector | None = Field(None, description="for sector_department: the sector it supervises")

    @property
    def city(self) -> str:
        """The prefix of the actor's city: four digits, or two for a municipality (Chongqing 50xxxx)."""
        return self.region[:2] if self.region[:2] in MUNICIPALITIES else self.region[:4]


class ActionRequest(BaseModel):
    """One action fired on a case: the argument of the Workflow Update named after the action."""

    actor: Actor
    payload: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str | None = None
    request_hash: str | None = Field(None, description="hash of action and body; tells a retry from a reuse")
    expected_version: int | None = Field(None, description="from If-Match")
    campaign: str | None = Field(None, description="set by the server only: the evaluation campaign delivering it")


class Level(Labelled):
    """The steps of a deadline's reminder ladder (督办), lowest first."""

    YELLOW = ("yellow", "黄牌预警", "yellow notice")
    RED = ("red", "红牌警示", "red notice")
    ESCALATED = ("escalated", "督办升级", "escalated to the supervising office")


LEVEL_ORDER = {level: i for i, level in enumerate(Level)}


class Deadline(BaseModel):
    kind: str
    label: str
    label_en: str
    due_at: datetime = Field(description="when it falls due, after any extension or suspension")
    met: bool = False
    supervised: bool = Field(False, description="a party's obligation: reminded, and an office may extend or suspend it")
    base_due_at: datetime | None = Field(None, description="the running deadline's due date as its rule set it")
    suspended: bool = Field(False, description="its clock is stopped (due_at moves on until it is resumed)")
    alert: Level | None = Field(None, description="the highest reminder sent for this due date")


class Adjustment(BaseModel):
    """An office's extensions and suspensions of one due date of a deadline."""

    kind: str
    base_due: datetime
    shift: timedelta = timedelta(0)
    suspended_at: datetime | None = None


class Alert(BaseModel):
    """A reminder sent for one due date of a deadline."""

    kind: str
    due_at: datetime
    level: Level
    at: datetime


class Ban(BaseModel):
    """A party the case barred from new applications until `until` (a false-information ban, a year
    not eligible, an integrity-blacklist entry): kept on the case that imposed it, which lifts it by
    its own timer; the store keeps the live ones for other cases to check."""

    subject: str = Field(description="the person id or unified social credit code barred")
    role: str = Field(description="the subject's role on the imposing case")
    case_id: str
    rule: str
    clause: str
    label: str
    since: datetime
    until: datetime


class CaseSnapshot(BaseModel):
    """The case as the workflow holds it; projected into the store after every accepted change."""

    id: str
    programme: str
    profile: str
    state: str
    region: str
    sector: str | None = None
    parties: dict[str, list[str]] = Field(default_factory=dict, description="subjects acting as host_unit/applicant")
    title: str = ""
    tier: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    flags: dict[str, bool] = Field(default_factory=dict)
    deadlines: list[Deadline] = Field(default_factory=list)
    bans: list[Ban] = Field(default_factory=list, description="bans this case imposed that still run")
    adjustments: list[Adjustment] = Field(default_factory=list, description="deadlines extended or suspended")
    alerts: list[Alert] = Field(default_factory=list, description="reminders sent (督办)")
    calendar: str = Field(FIRST_CALENDAR, description="the working-day calendar version the case counts with")
    version: int = 0
    created_at: datetime
    updated_at: datetime

    @classmethod
    def blank(cls, start: CaseStart, now: datetime) -> CaseSnapshot:
        """The case before its create action: what a create is checked against."""
        return cls(id=start.case_id, programme=start.programme, profile=start.profile, calendar=start.calendar,
                   state="", region="", created_at=now, updated_at=now)

    def adjustment(self, kind: str, base: datetime) -> Adjustment | None:
        return next((a for a in self.adjustments if a.kind == kind and a.base_due == base), None)

    def adjusted(self, kind: str, base: datetime) -> tuple[datetime, bool]:
        """A due date after its extensions and suspensions, and whether its clock is stopped."""
        a = self.adjustment(kind, base)
        return (base, False) if a is None else (base + a.shift, a.suspended_at is not None)

    def alert_levels(self) -> dict[tuple[str, datetime], Level]:
        """The highest reminder sent for each due date, by (kind, due instant)."""
        out: dict[tuple[str, datetime], Level] = {}
        for a in self.alerts:
            key = (a.kind, a.due_at)
            if key not in out or LEVEL_ORDER[a.level] > LEVEL_ORDER[out[key]]:
                out[key] = a.level
        return out

    @field_validator("deadlines")
    @classmethod
    def _sorted(cls, v: list[Deadline]) -> list[Deadline]:
        return sorted(v, key=lambda d: d.due_at)


class AuditEvent(BaseModel):
    """One accepted action or fired timer. Append-only, keyed by (case_id, seq)."""

    case_id: str
    programme: str
    seq: int
    at: datetime
    actor: Actor
    action: str
    from_state: str | None
    to_state: str
    rules: list[str] = Field(default_factory=list, description="rule ids checked and passed")
    payload: dict[str, Any] = Field(default_factory=dict)


class Projection(BaseModel):
    """Input of the projection activity: idempotent on (case_id, seq)."""

    snapshot: CaseSnapshot
    event: AuditEvent
    final: bool = False


class ClaimRequest(BaseModel):
    """Input of the claim activity: grant `key` to `case_id` unless another live case holds it."""

    key: str
    case_id: str


class BanQuery(BaseModel):
    """Input of the bans activity: the live bans on any of these subjects."""

    subjects: list[str]


class Refusal(BaseModel):
    """Why an action was not applied. `kind` maps to the HTTP status at the API edge."""

    kind: str  # "rule" 409, "state" 409, "forbidden" 403, "not_found" 404, "version" 412, "idempotency" 422
    rule: str
    clause: str = ""
    detail: str
    detail_zh: str
    extra: dict[str, Any] = Field(default_factory=dict)


class CaseStart(BaseModel):
    """Input of a case workflow: the case exists once its create action has been applied."""

    case_id: str
    programme: str
    profile: str
    calendar: str = FIRST_CALENDAR  # the newest when the case opens; kept for good
    generation: int = 0  # the workflow code's when the case opens: the patches it assumes (case_workflow.PATCHES)
    carried: CaseCarry | None = None


class CaseCarry(BaseModel):
    """What a case carries across continue-as-new."""

    snapshot: CaseSnapshot
    answers: dict[str, IdempotentAnswer] = Field(default_factory=dict)


class IdempotentAnswer(BaseModel):
    request_hash: str
    snapshot: CaseSnapshot


CaseStart.model_rebuild()
CaseCarry.model_rebuild()


_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_valid(code: str) -> bool:
    """统一社会信用代码 check digit, GB 32100-2015."""
    if len(code) != 18 or any(c not in _CREDIT_CHARS for c in code):
        return False
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(code[:17], _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31] == code[17]


def _check_credit_code(v: str) -> str:
    v = v.strip().upper()
    if not credit_code_valid(v):
        raise ValueError("not a valid unified social credit code (统一社会信用代码, GB 32100-2015)")
    return v


CreditCode = Annotated[str, AfterValidator(_check_credit_code), Field(examples=["91140700MA0GRXKQ03"])]
Region = Annotated[str, Field(pattern=REGION_PATTERN, examples=["140702"])]
Text = Annotated[str, Field(min_length=1, max_length=4000)]


class Payload(BaseModel):
    """Base of every action payload: unknown fields are refused (422 naming them), and so is text
    holding the NUL character, which PostgreSQL cannot store."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_nul(cls, v: Any) -> Any:
        if has_nul(v):
            raise ValueError("must not contain the NUL character (\\u0000)")
        return v


ROW_ID_MAX = 2**63 - 1  # a store row's id (deliveries, refusals): the databases' 64-bit integer


def has_nul(v: Any) -> bool:
    """Whether text in `v` (a string, or strings in lists and dicts) holds NUL; nested payloads check
    their own fields."""
    if isinstance(v, str):
        return "\x00" in v
    if isinstance(v, dict):
        return any(has_nul(k) or has_nul(x) for k, x in v.items())
    if isinstance(v, list | tuple | set | frozenset):
        return any(has_nul(x) for x in v)
    return False


class Unit(Payload):
    """A unit (enterprise, institute, public institution) as every programme identifies it."""

    name: str = Field(min_length=1, max_length=200, examples=["晋中某新材料有限公司"])
    credit_code: CreditCode
    region: Region


class Note(Payload):
    note: str | None = Field(None, max_length=4000)


class Reason(Payload):
    reason: Text
