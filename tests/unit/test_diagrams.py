"""The diagrams are drawn from the lifecycle: every state and action appears, faithfully connected, and
the output is valid Mermaid and BPMN 2.0 (checked with SpiffWorkflow's parser and the BPMN XSD). The
generic tests run for every programme's lifecycle; the walks that name actions are each one programme's."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import replace
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, BpmnValidator
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.defaults import EndEvent, ExclusiveGateway, IntermediateCatchEvent, UserTask
from SpiffWorkflow.util.task import TaskState

from zhanwu.schemas.common import Labelled
from zhanwu.schemas.doctoral_residency import State as ResidencyState
from zhanwu.schemas.doctoral_workstation import State as DoctoralState
from zhanwu.schemas.postdoc_workstation import State as PostdocState
from zhanwu.workflows.common.lifecycle import CREATE, Lifecycle
from zhanwu.workflows.diagrams import bpmn, is_system, mermaid, state_node_id
from zhanwu.workflows.registry import LIFECYCLES

DOCTORAL, POSTDOC = LIFECYCLES["doctoral_workstation"], LIFECYCLES["postdoc_workstation"]
RESIDENCY = LIFECYCLES["doctoral_residency"]
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
FLOW_NODES = ("startEvent", "endEvent", "userTask", "exclusiveGateway", "intermediateCatchEvent")


@pytest.fixture(scope="module", params=list(LIFECYCLES.values()), ids=list(LIFECYCLES))
def lc(request: pytest.FixtureRequest) -> Lifecycle:
    """Each programme's lifecycle in turn."""
    return request.param


def states(lc: Lifecycle) -> list[str]:
    return [s.value for s in lc.states]


def finals(lc: Lifecycle) -> set[str]:
    return {s.value for s in lc.finals}


def process_id(lc: Lifecycle) -> str:
    return f"Process_{lc.key}"


# --- Mermaid ---------------------------------------------------------------------------------
ID = r"[A-Za-z_][A-Za-z0-9_]*"
LINE = re.compile(
    "|".join([
        r"stateDiagram-v2",
        r"\s*",
        r"\s*%%.*",
        r"\s*direction (LR|RL|TB|BT)",
        r"\s*classDef \w+ [\w:,#-]+",
        rf'\s*state "[^"\n]+" as {ID}',
        rf"\s*[Cc]lass {ID} \w+",
        rf"\s*({ID}|\[\*\]) --> ({ID}|\[\*\])(: [^\n]+)?",
    ])
)
EDGE = re.compile(rf"\s*({ID}|\[\*\]) --> ({ID}|\[\*\])(?:: (.+))?")


def edges(text: str) -> dict[tuple[str, str], list[str]]:
    """(source, dest) -> the action keys on that edge (each label is 'key 中文', joined by ' | ')."""
    out: dict[tuple[str, str], list[str]] = {}
    for line in text.splitlines():
        if m := EDGE.fullmatch(line):
            out[(m[1], m[2])] = [part.split(" ")[0] for part in (m[3] or "").split(" | ") if part]
    return out


def test_mermaid_is_a_state_diagram_of_only_valid_lines(lc: Lifecycle) -> None:
    text = mermaid(lc)
    assert text.startswith("stateDiagram-v2\n")
    bad = [line for line in text.splitlines() if not LINE.fullmatch(line)]
    assert bad == []


def test_mermaid_declares_every_state_with_its_chinese_label(lc: Lifecycle) -> None:
    text = mermaid(lc)
    for s in lc.states:
        assert f'state "{s.zh}" as {s.value}' in text
    assert f'state "新建" as {CREATE}' in text
    assert f"[*] --> {CREATE}" in text
    for s in finals(lc):
        assert f"{s} --> [*]" in text


def test_mermaid_edges_are_the_table(lc: Lifecycle) -> None:
    text = mermaid(lc)
    drawn = edges(text)
    expected: dict[tuple[str, str], list[str]] = defaultdict(list)
    for t in lc.transitions():
        for src in t["source"]:
            expected[(src, src if t["dest"] == "=" else t["dest"])].append(t["trigger"])
    expected[("[*]", CREATE)] = []
    expected.update({(s, "[*]"): [] for s in finals(lc)})
    assert drawn == expected
    for a in lc.actions:
        assert f"{a.key.value} {a.key.zh}" in text


def test_mermaid_marks_the_current_state_only(lc: Lifecycle) -> None:
    plain = mermaid(lc)
    assert "s_active" not in re.sub(r"classDef s_active.*", "", plain)
    for state in states(lc):
        text = mermaid(lc, state)
        active = re.findall(rf"[Cc]lass ({ID}) s_active", text)
        assert active == [state]
        assert text.replace(f"Class {state} s_active", f"Class {state} s_default") == plain


def test_mermaid_refuses_an_unknown_current_state(lc: Lifecycle) -> None:
    with pytest.raises(ValueError):
        mermaid(lc, "archived")


# --- BPMN ----------------------------------------------------------------------------------
def parse(lc: Lifecycle) -> BpmnProcessSpec:
    """The lifecycle's BPMN as SpiffWorkflow reads it, validated against the BPMN 2.0 XSD too."""
    parser = BpmnParser(validator=BpmnValidator())
    parser.add_bpmn_str(bpmn(lc).encode())
    assert parser.get_process_ids() == [process_id(lc)]
    return parser.get_spec(process_id(lc))


@pytest.fixture(scope="module")
def xml(lc: Lifecycle) -> str:
    return bpmn(lc)


@pytest.fixture(scope="module")
def root(xml: str) -> ET.Element:
    return ET.fromstring(xml.encode())


@pytest.fixture(scope="module")
def spec(lc: Lifecycle) -> BpmnProcessSpec:
    return parse(lc)


def process(root: ET.Element) -> ET.Element:
    p = root.find("bpmn:process", NS)
    assert p is not None
    return p


def test_bpmn_is_well_formed_with_one_process(lc: Lifecycle, xml: str, root: ET.Element) -> None:
    assert xml.startswith("<?xml")
    assert root.tag == f"{{{NS['bpmn']}}}definitions"
    assert [p.get("id") for p in root.findall("bpmn:process", NS)] == [process_id(lc)]
    assert len(process(root).findall("bpmn:startEvent", NS)) == 1


def test_bpmn_has_a_task_for_every_action(lc: Lifecycle, root: ET.Element, spec: BpmnProcessSpec) -> None:
    proc = process(root)
    for a in lc.actions:
        key = a.key.value
        tag = "intermediateCatchEvent" if is_system(a) else "userTask"
        el = proc.find(f"bpmn:{tag}[@id='{key}']", NS)
        assert el is not None, key
        assert el.get("name") == a.key.zh
        assert isinstance(spec.task_specs[key], IntermediateCatchEvent if is_system(a) else UserTask)
        if is_system(a):
            assert el.find("bpmn:timerEventDefinition/bpmn:timeDate", NS) is not None
        doc = el.findtext("bpmn:documentation", namespaces=NS) or ""
        assert all(r.value in doc for r in a.roles) and all(r.id in doc for r in a.rules)
    user_tasks = {el.get("id") for el in proc.findall("bpmn:userTask", NS)}
    assert user_tasks == {a.key.value for a in lc.actions if not is_system(a)}


def test_bpmn_states_are_gateways_and_finals_end_events(lc: Lifecycle, root: ET.Element,
                                                         spec: BpmnProcessSpec) -> None:
    proc = process(root)
    for s in [CREATE, *states(lc)]:
        final = s in finals(lc)
        el = proc.find(f"bpmn:{'endEvent' if final else 'exclusiveGateway'}[@id='{state_node_id(s)}']", NS)
        assert el is not None, s
        assert el.get("name") == ("新建" if s == CREATE else lc.state_label(s))
        assert isinstance(spec.task_specs[state_node_id(s)], EndEvent if final else ExclusiveGateway)


def test_bpmn_flows_are_the_table(lc: Lifecycle, root: ET.Element) -> None:
    """Each action: from each source state's gateway on `action == key`; then to its destination — back
    to its one source, or through a `_back` gateway routing on `state` to each of several; an action with
    branches first passes an `_outcome` gateway routing on `outcome`. Final states are end events: no
    flow leaves them (a ban lifted after the case closed is not drawn)."""
    flows = {
        (f.get("sourceRef"), f.get("targetRef")): f.findtext("bpmn:conditionExpression", namespaces=NS)
        for f in process(root).findall("bpmn:sequenceFlow", NS)
    }
    expected: dict[tuple[str | None, str | None], str | None] = {("start", state_node_id(CREATE)): None}
    for a in lc.actions:
        key, sources = a.key.value, [s.value for s in a.sources if s.value not in finals(lc)] or [CREATE]
        expected |= {(state_node_id(s), key): f'action == "{key}"' for s in sources}
        exit_, condition = key, None
        if a.branches:
            exit_, condition = f"{key}_outcome", f'outcome == "{a.dest.value if a.dest else "stay"}"'
            expected[(key, exit_)] = None
            expected |= {(exit_, state_node_id(b.dest.value)): f'outcome == "{b.dest.value}"' for b in a.branches}
        if a.dest is not None or len(sources) == 1:
            expected[(exit_, state_node_id(a.dest.value if a.dest else sources[0]))] = condition
        else:
            expected[(exit_, f"{key}_back")] = condition
            expected |= {(f"{key}_back", state_node_id(s)): f'state == "{s}"' for s in sources}
    assert flows == expected


def test_bpmn_diagram_has_a_shape_for_every_node_and_an_edge_for_every_flow(lc: Lifecycle,
                                                                             root: ET.Element) -> None:
    proc = process(root)
    plane = root.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert plane is not None and plane.get("bpmnElement") == process_id(lc)
    nodes = {el.get("id") for tag in FLOW_NODES for el in proc.findall(f"bpmn:{tag}", NS)}
    flows = {el.get("id") for el in proc.findall("bpmn:sequenceFlow", NS)}
    shapes = {s.get("bpmnElement"): s for s in plane.findall("bpmndi:BPMNShape", NS)}
    edges_ = {e.get("bpmnElement"): e for e in plane.findall("bpmndi:BPMNEdge", NS)}
    assert set(shapes) == nodes and set(edges_) == flows
    boxes = []
    for s in shapes.values():
        b = s.find("dc:Bounds", NS)
        assert b is not None
        x, y, w, h = (float(b.get(k, "nan")) for k in ("x", "y", "width", "height"))
        assert w > 0 and h > 0 and x >= 0 and y >= 0
        boxes.append((x, y, x + w, y + h))
    for i, a in enumerate(boxes):  # no two shapes overlap
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    for e in edges_.values():
        assert len(e.findall("di:waypoint", NS)) >= 2


# --- the BPMN runs the table: SpiffWorkflow follows any walk the lifecycle allows, timers included ----------
def offered(lc: Lifecycle, state: str) -> list[str]:
    """The programme's own actions (the diagrams draw its table; supervision of deadlines is the same everywhere)."""
    return [a.key.value for a in lc.available(state) if a not in lc.supervision]


def outcomes(lc: Lifecycle, state: str, action: str) -> list[str]:
    """The steps a walk may take with `action`: its key, or for an action with branches `key@outcome`."""
    a = lc.by_key[action]
    if not a.branches:
        return [action]
    return [f"{action}@{b.dest.value}" for b in a.branches] + [f"{action}@{a.dest.value if a.dest else 'stay'}"]


def dest(lc: Lifecycle, state: str, step: str) -> str:
    action, _, outcome = step.partition("@")
    d = lc.by_key[action].dest
    return outcome if outcome and outcome != "stay" else d.value if d else state


def run(lc: Lifecycle, spec: BpmnProcessSpec, walk: list[str], peek: str | None) -> BpmnWorkflow:
    """Run the process choosing `walk`'s actions at each gateway; then check `peek` is what the case awaits
    next. A person's action is a ready user task; the system's, a timer event waiting on its own timer's
    instant (each timer's is distinct and far ahead) until the system fires it."""
    due = {t.kind: f"{2100 + i}-01-01T00:00:00+00:00" for i, t in enumerate(lc.timers)}
    timer_of = {t.action.value: t.kind for t in lc.timers}
    wf = BpmnWorkflow(spec)
    choices, state = [*walk, peek], CREATE
    for t in wf.get_tasks(state=TaskState.READY):
        t.data |= {"action": choices[0]} | {kind: SimpleNamespace(due_at=at) for kind, at in due.items()}
    wf.do_engine_steps()
    for i, step in enumerate(choices):
        if step is None:
            break
        action, _, outcome = step.partition("@")
        awaited = wf.get_tasks(state=TaskState.READY, manual=True) + wf.get_tasks(state=TaskState.WAITING)
        assert [t.task_spec.name for t in awaited] == [action], (walk, i)
        system = is_system(lc.by_key[action])
        assert [e.value for e in wf.waiting_events()] == ([due[timer_of[action]]] if system else []), (walk, i)
        if i == len(walk):
            break
        (task,) = awaited
        if system:  # the timer's instant has come; catching it makes the task ready (and resets its data)
            wf.catch(BpmnEvent(task.task_spec.event_definition))
        nxt = choices[i + 1]
        task.data |= {"action": nxt and nxt.partition("@")[0], "state": state, "outcome": outcome}  # what gateways read
        task.run()
        wf.do_engine_steps()
        state = dest(lc, state, step)
    return wf


def ended_in(wf: BpmnWorkflow, final: str) -> bool:
    done = [t.task_spec.name for t in wf.get_tasks(state=TaskState.COMPLETED)]
    return wf.is_completed() and state_node_id(final) in done


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_spiff_follows_any_walk_of_the_table(lc: Lifecycle, spec: BpmnProcessSpec, data: st.DataObject) -> None:
    state, walk = CREATE, []
    for _ in range(data.draw(st.integers(1, 14), label="length")):
        if state in finals(lc):
            break
        action = data.draw(st.sampled_from(offered(lc, state)))
        step = data.draw(st.sampled_from(outcomes(lc, state, action)))
        walk.append(step)
        state = dest(lc, state, step)
    peek = None if state in finals(lc) else data.draw(st.sampled_from(offered(lc, state)))
    wf = run(lc, spec, walk, peek)
    assert ended_in(wf, state) if state in finals(lc) else not wf.is_completed()


def test_spiff_walks_a_doctoral_workstation_to_revocation() -> None:
    walk = ["open_survey", "begin_cultivation", "submit_filing", "return_for_revision", "submit_filing",
            "recommend", "approve_filing", "set_tier", "issue_rectification", "submit_rectification",
            "reject_rectification"]
    assert ended_in(run(DOCTORAL, parse(DOCTORAL), walk, None), DoctoralState.REVOKED)


def test_spiff_walks_a_postdoc_workstation_to_deregistration_by_its_timers() -> None:
    walk = ["create_application", "submit_application", "district_return", "submit_application",
            "district_recommend", "certify", "record_recruitment", "window_lapsed", "record_recruitment",
            "window_lapsed", "deregister_non_recruitment"]
    assert ended_in(run(POSTDOC, parse(POSTDOC), walk, None), PostdocState.DEREGISTERED)


def test_spiff_walks_a_doctoral_residency_through_a_warning_to_exit_and_another_to_completion() -> None:
    start = ["open_matching", "sign_agreement", "file_agreement", "start_residency", "submit_quarterly_report",
             "report_overdue", "submit_quarterly_report", "evaluation_due"]
    warned = [*start, "record_annual_evaluation@under_warning", "escalate_warning", "record_annual_evaluation@stay",
              "remove_from_pool"]
    assert ended_in(run(RESIDENCY, parse(RESIDENCY), warned, None), ResidencyState.EXITED)
    done = [*start, "record_annual_evaluation@stay", "term_ended", "submit_final_summary", "issue_final_evaluation"]
    assert ended_in(run(RESIDENCY, parse(RESIDENCY), done, None), ResidencyState.COMPLETED)


def test_spiff_takes_the_outcome_the_walk_chose() -> None:
    start = ["open_matching", "sign_agreement", "file_agreement", "start_residency", "evaluation_due"]
    run(RESIDENCY, parse(RESIDENCY), [*start, "record_annual_evaluation@under_warning"], "escalate_warning")
    run(RESIDENCY, parse(RESIDENCY), [*start, "record_annual_evaluation@stay"], "submit_final_summary")


@pytest.mark.parametrize(("programme", "key", "sources", "walk", "peek"), [
    pytest.param(DOCTORAL, "set_tier", (DoctoralState.FILED, DoctoralState.RECTIFYING),
                 ["open_survey", "begin_cultivation", "submit_filing", "recommend", "approve_filing",
                  "issue_rectification"], "accept_rectification", id="doctoral_workstation"),
    pytest.param(POSTDOC, "record_recruitment", (PostdocState.CERTIFIED, PostdocState.RECTIFICATION_PERIOD),
                 ["create_application", "submit_application", "district_recommend", "certify", "window_lapsed"],
                 "deregister_non_recruitment", id="postdoc_workstation"),
])
def test_bpmn_routes_a_stay_put_action_of_several_states_back_to_each(
        programme: Lifecycle, key: str, sources: tuple[Labelled, Labelled], walk: list[str], peek: str) -> None:
    """An action that keeps the case in whichever state it came from returns through a gateway: made to
    stay put in either of two states and taken in the second (which `walk` reaches), the case is back
    there, awaiting `peek` (which only the second state offers)."""
    actions = [replace(a, sources=sources, dest=None) if a.key == key else a for a in programme.actions]
    lc = replace(programme, actions=actions)
    spec = parse(lc)
    assert isinstance(spec.task_specs[f"{key}_back"], ExclusiveGateway)
    run(lc, spec, [*walk, key], peek)
    drawn = edges(mermaid(lc))
    assert all(key in drawn[(s, s)] for s in sources)
