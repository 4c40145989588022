"""A programme's lifecycle as data: states, actions, roles, rules, timers.

One `Lifecycle` per programme is the single definition that the workflow's validator, the API's
`allowed_actions`, `GET /api/v1/programmes/{p}`, the diagrams and the tests all read. It is pure:
facts (the case, the actor, the payload, the time) come in as arguments.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import to_json
from transitions import Machine

from zhanwu.schemas.common import (
    Actor,
    AuditEvent,
    Ban,
    CaseSnapshot,
    Deadline,
    Labelled,
    Refusal,
    Role,
)
from zhanwu.workflows.common.calendar import SHANGHAI


@dataclass(frozen=True)
class Facts:
    """Everything a rule may look at. Rules never read a clock or a database."""

    case: CaseSnapshot
    actor: Actor
    payload: BaseModel
    now: datetime
    profile: dict[str, Any]
    campaign: str | None = None  # set by the server when an evaluation campaign delivers the action


@dataclass(frozen=True)
class Violation:
    detail: str
    detail_zh: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    id: str
    clause: str
    title_zh: str
    title_en: str
    check: Callable[[Facts], Violation | None]

    def refusal(self, facts: Facts) -> Refusal | None:
        v = self.check(facts)
        if v is None:
            return None
        return Refusal(kind="rule", rule=self.id, clause=self.clause, detail=v.detail, detail_zh=v.detail_zh, extra=v.extra)


Effect = Callable[[CaseSnapshot, Facts], None]


def no_effect(draft: CaseSnapshot, facts: Facts) -> None:
    return None


def lapsed(due: datetime | None, f: Facts) -> Violation | None:
    """A system action's guard: its deadline has passed (names the deadline in Asia/Shanghai time if not)."""
    if due is not None and due <= f.now:
        return None
    ends = f"{due.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" if due else "-"
    return Violation(f"the period has not ended yet (it ends {ends} Asia/Shanghai)", f"期限未届满（{ends} 届满）",
                     {"due_at": due.isoformat() if due else None})


def note(key: str) -> Effect:
    """An effect that records under `key` who did it, when, and the payload (a note or a reason)."""

    def effect(d: CaseSnapshot, f: Facts) -> None:
        d.data[key] = {"by": f.actor.role.value, "at": f.now.isoformat(), **f.payload.model_dump(mode="json")}

    return effect


@dataclass(frozen=True)
class Branch:
    """Another destination of an action, taken when `when` holds (e.g. a poor evaluation → under warning)."""

    dest: Labelled
    when: Callable[[Facts], bool]
    zh: str
    en: str


@dataclass(frozen=True)
class Action:
    key: Labelled
    sources: tuple[Labelled, ...]  # empty: the action creates the case
    dest: Labelled | None  # None: the case stays in its state
    roles: tuple[Role, ...]
    payload: type[BaseModel]
    rules: tuple[Rule, ...] = ()
    effect: Effect = no_effect
    clause: str = ""
    claim: Claim | None = None
    screen: Screen | None = None
    new_run: bool = False  # a cycle boundary: the case continues as new after it, so each run stays short
    branches: tuple[Branch, ...] = ()  # checked in order before `dest`

    @property
    def creates(self) -> bool:
        return not self.sources


@dataclass(frozen=True)
class Claim:
    """A rule across cases (one lead doctor, one station): the store grants `key` to one case at a
    time under a unique constraint; it is freed when the holding case ends."""

    id: str
    clause: str
    title_zh: str
    title_en: str
    key: Callable[[Facts], str]
    detail: str
    detail_zh: str

    def refusal(self, holder: str) -> Refusal:
        return Refusal(kind="rule", rule=self.id, clause=self.clause, detail=self.detail, detail_zh=self.detail_zh,
                       extra={"held_by": holder})


@dataclass(frozen=True)
class Screen:
    """A rule across cases: none of the parties an action involves (`subjects`: person ids, credit
    codes) may be under a ban another case imposed and still runs (the store keeps them)."""

    id: str
    clause: str
    title_zh: str
    title_en: str
    subjects: Callable[[Facts], list[str]]

    def refusal(self, bans: Sequence[Ban]) -> Refusal | None:
        if not bans:
            return None
        b = bans[0]
        until = f"{b.until.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
        return Refusal(
            kind="rule", rule=self.id, clause=self.clause,
            detail=f"{b.subject} is barred until {until} Asia/Shanghai ({b.rule}, {b.clause}, case {b.case_id})",
            detail_zh=f"{b.subject} 处于限制期内（{b.label}，{b.clause}），至 {until} 届满",
            extra={"bans": [x.model_dump(mode="json") for x in bans]},
        )


@dataclass(frozen=True)
class Quota:
    """A limit across the cases of one evaluation round: at most `percent` (a profile setting) of those
    evaluated may get `result`, rounded down — 不超过 allows no rounding up (10 → 3, 7 → 2, 3 → 0)."""

    id: str
    clause: str
    result: Labelled
    percent_key: str
    below: Labelled  # the result an entry held to the quota gets instead

    def allowed(self, evaluated: int, profile: dict[str, Any]) -> int:
        return evaluated * profile[self.percent_key] // 100

    def refusal(self, results: Sequence[str], profile: dict[str, Any]) -> Refusal | None:
        n, k, percent = len(results), sum(r == self.result.value for r in results), profile[self.percent_key]
        allowed = self.allowed(n, profile)
        if k <= allowed:
            return None
        return Refusal(
            kind="rule", rule=self.id, clause=self.clause,
            detail=f"at most {percent}% of the {n} evaluated may be {self.result.value} (rounded down: {allowed}); "
                   f"the round has {k}",
            detail_zh=f"评价为“{self.result.zh}”的不得超过参评人数的{percent}%（{n}人中至多{allowed}人），本批次为{k}人",
            extra={"evaluated": n, self.result.value: k, "allowed": allowed, "percent": percent},
        )


    def apply(self, results: Sequence[str], scores: Sequence[int | None], profile: dict[str, Any]) -> list[str] | Refusal:
        """Hold the round to the quota by rank: the best-scored keep `result`. Tie rule: entries
        scoring the same as the first one beyond the allowance all get `below`, so the quota is never
        exceeded and equal scores get equal results. Without a score on every entry concerned there
        is no rank to go by: the round is refused with its figures."""
        holders = [i for i, r in enumerate(results) if r == self.result.value]
        allowed = self.allowed(len(results), profile)
        if len(holders) <= allowed:
            return list(results)
        ranked = [s for i in holders if (s := scores[i]) is not None]
        if len(ranked) < len(holders):
            refusal = self.refusal(results, profile)
            assert refusal is not None
            return refusal
        cut = sorted(ranked, reverse=True)[allowed]
        return [self.below.value if i in holders and (scores[i] or 0) <= cut else r for i, r in enumerate(results)]


@dataclass(frozen=True)
class Campaign:
    """Annual evaluations come in rounds: the campaign gathers a round's results (or scores the
    counts with the profile's `score_sheet`, where it names one), applies the quotas, then delivers
    each result to its case as `action`, which only a campaign may fire."""

    action: Labelled
    results: type[Labelled]
    quotas: tuple[Quota, ...] = ()


@dataclass(frozen=True)
class Timer:
    """A deadline owned by the case: `due` gives its instant (or None when it does not apply), `met`
    whether it is satisfied; when it passes unmet the system fires `action`. A recurring deadline
    (quarterly reports) also lists the past instants still `outstanding` (an overdue report)."""

    kind: str
    zh: str
    en: str
    due: Callable[[CaseSnapshot], datetime | None]
    met: Callable[[CaseSnapshot], bool]
    action: Labelled
    outstanding: Callable[[CaseSnapshot], list[datetime]] = lambda c: []
    supervised: bool = False  # a party's obligation: reminded (督办), and an office may extend or suspend it


@dataclass(frozen=True)
class Scope:
    """An actor's jurisdiction, as data the store can also turn into a query: a district acts in its
    region, a city in its city (region prefix), a sector department in its city and sector; a unit
    or a person on the cases they are a party to (or, while a case names no party of their role,
    on cases of their region)."""

    everything: bool = False
    region: str | None = None
    city: str | None = None
    sector: str | None = None
    party: tuple[str, str] | None = None  # (role, subject)

    @staticmethod
    def of(actor: Actor) -> Scope:
        match actor.role:
            case Role.SYSTEM:
                return Scope(everything=True)
            case Role.DISTRICT_OFFICE:
                return Scope(region=actor.region)
            case Role.CITY_OFFICE:
                return Scope(city=actor.city)
            case Role.SECTOR_DEPARTMENT:
                return Scope(city=actor.city, sector=actor.sector.value if actor.sector else "-")
            case _:
                return Scope(region=actor.region, party=(actor.role.value, actor.subject))

    def covers(self, case: CaseSnapshot) -> bool:
        if self.everything:
            return True
        if self.party is not None:
            parties = case.parties.get(self.party[0])
            return self.party[1] in parties if parties else case.region == self.region
        return (
            (self.region is None or case.region == self.region)
            and (self.city is None or case.region.startswith(self.city))
            and (self.sector is None or case.sector == self.sector)
        )


@dataclass
class Lifecycle:
    key: str
    zh: str
    en: str
    id_prefix: str
    states: type[Labelled]
    finals: tuple[Labelled, ...]
    actions: Sequence[Action]
    timers: Sequence[Timer]
    profiles: dict[str, dict[str, Any]]
    default_profile: str
    campaign: Campaign | None = None
    tiers: type[Labelled] | None = None  # the labels of `CaseSnapshot.tier`, where the programme has tiers

    supervision: tuple[Action, ...] = field(init=False)  # extend/suspend/resume a deadline, remind (督办)

    def __post_init__(self) -> None:
        # the supervision actions are the same in every programme, in its live states
        from zhanwu.workflows.common import supervision  # it builds on this module's Action and Rule

        self.supervision = supervision.actions(self.states, self.finals)
        self.by_key = {a.key.value: a for a in (*self.actions, *self.supervision)}
        # each state's actions, once (a list of 200 cases asks for each case's)
        self._available = {s: tuple(a for a in (*self.actions, *self.supervision)
                                    if s in ([x.value for x in a.sources] or [CREATE]))
                           for s in (CREATE, *(x.value for x in self.states))}
        self._supervising = {a.key.value for a in self.supervision}

    # --- the machine -------------------------------------------------------------------------
    def machine(self, state: str | None = None) -> CaseMachine:
        return CaseMachine(self, state)

    def routes(self) -> list[tuple[Action, Branch | None]]:
        """Each way an action can go: its branches, then its own destination."""
        return [(a, b) for a in self.actions for b in (*a.branches, None)]

    def transitions(self) -> list[dict[str, Any]]:
        """The table in the shape `transitions.Machine` takes, one row per route; creates start from a
        pseudo-state."""
        return [
            {
                "trigger": a.key.value,
                "source": [s.value for s in a.sources] or [CREATE],
                "dest": dest.value if (dest := b.dest if b else a.dest) else "=",
            }
            for a, b in self.routes()
        ]

    # --- reading -----------------------------------------------------------------------------
    def visible(self, actor: Actor, case: CaseSnapshot) -> bool:
        return Scope.of(actor).covers(case)

    def profile_for(self, region: str) -> str:
        """The profile whose `regions` (code prefixes) hold `region`; the default where none does."""
        return next((k for k, p in self.profiles.items() if region.startswith(tuple(p.get("regions", ())))),
                    self.default_profile)

    def campaign_only(self, action: Action) -> bool:
        """Whether only an evaluation campaign may deliver the action (it applies the round's quotas)."""
        return self.campaign is not None and self.campaign.action == action.key

    def available(self, state: str | None) -> tuple[Action, ...]:
        return self._available.get(state or CREATE, ())

    def allowed_actions(self, actor: Actor, case: CaseSnapshot) -> list[str]:
        """What `actor` may try now: the state's actions of the actor's role; supervision only while a
        supervised deadline runs."""
        if not self.visible(actor, case):
            return []
        running = any(d.base_due_at is not None and not d.met for d in case.deadlines)
        return [a.key.value for a in self.available(case.state)
                if actor.role in a.roles and (running or a.key.value not in self._supervising)]

    def deadlines(self, case: CaseSnapshot) -> list[Deadline]:
        """Each timer's outstanding due dates and its running one (extended or suspended by an office)."""
        out, alerts = [], case.alert_levels()
        for t in self.timers:
            out += [Deadline(kind=t.kind, label=t.zh, label_en=t.en, due_at=at, supervised=t.supervised,
                             alert=alerts.get((t.kind, at))) for at in t.outstanding(case)]
            base = t.due(case)
            if base is not None:
                due, suspended = case.adjusted(t.kind, base)
                out.append(Deadline(kind=t.kind, label=t.zh, label_en=t.en, due_at=due, met=t.met(case),
                                    supervised=t.supervised, base_due_at=base if t.supervised else None,
                                    suspended=suspended, alert=alerts.get((t.kind, due))))
        return out

    def next_timer(self, case: CaseSnapshot) -> tuple[Timer, datetime] | None:
        """The timer to fire next, at its due date after any extension; a suspended one waits."""
        open_ = [(t, due) for t in self.timers if (base := t.due(case)) is not None and not t.met(case)
                 for due, suspended in [case.adjusted(t.kind, base)] if not suspended]
        return min(open_, key=lambda td: td[1]) if open_ else None

    def state_label(self, state: str) -> str:
        return self.states(state).zh

    def tier_of(self, tier: str | None) -> Labelled | None:
        """The tier with its labels, or None where the case has no tier or the programme no tier labels."""
        return self.tiers(tier) if self.tiers is not None and tier is not None else None


CREATE = "__new__"

# model_override=True binds nothing to our model (we fire events directly) and logs each skip
logging.getLogger("transitions.core").setLevel(logging.ERROR)


class CaseMachine:
    """A `transitions` Machine for one case: the table decides which transitions exist, the rules
    (attached as the transitions' conditions) decide whether they may fire now."""

    def __init__(self, lifecycle: Lifecycle, state: str | None) -> None:
        self.lifecycle = lifecycle
        self.state = state or CREATE
        self._built: Machine | None = None

    @property
    def _machine(self) -> Machine:
        """Built when an action is applied: checking reads the table's own index of each state's actions
        (`Lifecycle.available`, what the machine's triggers are made from), so the API's checks build none."""
        if self._built is None:
            self._built = self._build()
        return self._built

    def _build(self) -> Machine:
        lifecycle = self.lifecycle
        transitions = lifecycle.transitions()
        transitions += [{"trigger": a.key.value, "source": [s.value for s in a.sources], "dest": "="}
                        for a in lifecycle.supervision]
        routes = [*lifecycle.routes(), *((a, None) for a in lifecycle.supervision)]
        for t, (action, branch) in zip(transitions, routes, strict=True):
            t["conditions"] = [lambda event, rules=action.rules: all(r.check(event.kwargs["facts"]) is None for r in rules)]
            if branch is not None:
                t["conditions"].append(lambda event, when=branch.when: when(event.kwargs["facts"]))
        return Machine(
            model=self,
            states=[CREATE, *(s.value for s in lifecycle.states)],
            transitions=transitions,
            initial=self.state,
            auto_transitions=False,
            model_override=True,
            send_event=True,
        )

    def check(
        self,
        action_key: str,
        actor: Actor,
        payload: dict[str, Any],
        now: datetime,
        case: CaseSnapshot,
        expected_version: int | None = None,
        campaign: str | None = None,
    ) -> tuple[Facts | None, Refusal | None]:
        """Decide whether `actor` may fire `action_key` on `case` now. For a create, `case` is the
        blank case the workflow was started for; `campaign` names the evaluation campaign delivering
        the action, if one is. Returns the facts to apply with, or the refusal."""
        lc = self.lifecycle
        action = lc.by_key.get(action_key)
        if action is None:
            return None, _refuse("not_found", "ACTION", f"unknown action {action_key!r}", f"未知操作 {action_key!r}")
        if actor.role not in action.roles:
            allowed = ", ".join(r.value for r in action.roles)
            return None, _refuse(
                "forbidden", "ROLE", f"role {actor.role.value} may not {action_key}; allowed: {allowed}",
                f"角色“{actor.role.zh}”无权执行“{action.key.zh}”", allowed_roles=[r.value for r in action.roles],
            )
        try:
            # validated as the JSON it arrives as: in Python mode a "YYYY-MM-DD" string given to a
            # `datetime | date` field becomes a naive midnight datetime instead of a date
            parsed = action.payload.model_validate_json(to_json(payload))
        except ValidationError as e:
            return None, _refuse("invalid", "PAYLOAD", "invalid payload", "请求内容不合规", errors=validation_errors(e))
        facts = Facts(case=case, actor=actor, payload=parsed, now=now, profile=lc.profiles[case.profile],
                      campaign=campaign)
        if action.creates and self.state == CREATE:
            case = _draft(case, action, facts)
            facts = replace(facts, case=case)
        if not lc.visible(actor, case):
            return None, _refuse("not_found", "JURISDICTION", "case not found", "案件不存在")
        if expected_version is not None and expected_version != case.version:
            return None, _refuse(
                "version", "VERSION", f"case is at version {case.version}, not {expected_version}",
                f"案件已更新至版本 {case.version}", version=case.version,
            )
        if not any(a is action for a in lc.available(self.state)):
            return None, self.state_refusal(action_key, actor, case)
        if lc.campaign_only(action) and campaign is None:
            return None, Refusal(
                kind="rule", rule="EVALUATION-CAMPAIGN", clause=action.clause,
                detail=f"{action_key} is recorded only by an evaluation campaign "
                       f"(POST /api/v1/programmes/{lc.key}/evaluations), which applies the quota across the round",
                detail_zh=f"“{action.key.zh}”须通过年度评价批次录入（统一核定比例）",
            )
        for rule in action.rules:
            if (refusal := rule.refusal(facts)) is not None:
                others = [r.id for r in action.rules if r is not rule and r.check(facts) is not None]
                if others:
                    refusal.extra["also_violated"] = others
                return None, refusal
        return facts, None

    def state_refusal(self, action_key: str, actor: Actor, case: CaseSnapshot) -> Refusal:
        state = case.state if self.state != CREATE else None
        label = self.lifecycle.state_label(state) if state else "未创建"
        available = self.lifecycle.allowed_actions(actor, case) if state else []
        return _refuse(
            "state", "STATE", f"{action_key} is not available in state {state}",
            f"当前状态“{label}”下不能执行该操作", state=state, available_actions=available,
        )

    def apply(self, action_key: str, facts: Facts) -> tuple[CaseSnapshot, AuditEvent]:
        """Apply a checked action: the machine moves, the action's effect updates the case data.
        Pure: the caller passes in the time and the actor."""
        action = self.lifecycle.by_key[action_key]
        before = None if self.state == CREATE else self.state
        if not self._machine.events[action_key].trigger(self, facts=facts):
            raise RuntimeError(f"{action_key} refused by the machine after its check passed")
        draft = _copy(facts.case) if before else facts.case
        if before:
            action.effect(draft, facts)
        draft.state = self.state
        draft.version += 1
        draft.updated_at = facts.now
        draft.deadlines = self.lifecycle.deadlines(draft)
        event = AuditEvent(
            case_id=draft.id, programme=draft.programme, seq=draft.version, at=facts.now, actor=facts.actor,
            action=action_key, from_state=before, to_state=draft.state,
            rules=[r.id for r in action.rules], payload=facts.payload.model_dump(mode="json"),
        )
        return draft, event


def _draft(blank: CaseSnapshot, action: Action, facts: Facts) -> CaseSnapshot:
    draft = _copy(blank)
    action.effect(draft, facts)
    draft.created_at = facts.now
    return draft


def _copy(case: CaseSnapshot) -> CaseSnapshot:
    """A deep copy of the case, validated afresh from its dump: a tenth of `deepcopy`'s time on a
    case with years of reports (its `data` holds only JSON values, which the dump copies as they are)."""
    return CaseSnapshot.model_validate(case.model_dump())


def _refuse(kind: str, rule: str, detail: str, detail_zh: str, **extra: Any) -> Refusal:
    return Refusal(kind=kind, rule=rule, detail=detail, detail_zh=detail_zh, extra=extra)


def validation_errors(e: ValidationError) -> list[dict[str, Any]]:
    return [{"loc": ["body", *e_["loc"]], "msg": e_["msg"], "type": e_["type"]} for e_ in e.errors(include_url=False)]
