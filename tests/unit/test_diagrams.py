"""The diagrams are drawn from the lifecycle: every state and action appears, faithfully connected, and
the output is valid Mermaid and BPMN 2.0 (checked with SpiffWorkflow's parser and the BPMN XSD)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, BpmnValidator
from SpiffWorkflow.bpmn.specs.defaults import EndEvent, ExclusiveGateway, IntermediateCatchEvent, UserTask
from SpiffWorkflow.util.task import TaskState

from zhanwu.schemas.doctoral_workstation import State
from zhanwu.workflows.common.lifecycle import CREATE
from zhanwu.workflows.diagrams import bpmn, is_system, mermaid, state_node_id
from zhanwu.workflows.doctoral_workstation.machine import LIFECYCLE as LC

STATES = [s.value for s in LC.states]
FINALS = {s.value for s in LC.finals}
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
PROCESS = f"Process_{LC.key}"
FLOW_NODES = ("startEvent", "endEvent", "userTask", "exclusiveGateway", "intermediateCatchEvent")


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


def test_mermaid_is_a_state_diagram_of_only_valid_lines() -> None:
    text = mermaid(LC)
    assert text.startswith("stateDiagram-v2\n")
    bad = [line for line in text.splitlines() if not LINE.fullmatch(line)]
    assert bad == []


def test_mermaid_declares_every_state_with_its_chinese_label() -> None:
    text = mermaid(LC)
    for s in LC.states:
        assert f'state "{s.zh}" as {s.value}' in text
    assert f'state "新建" as {CREATE}' in text
    assert f"[*] --> {CREATE}" in text
    for s in FINALS:
        assert f"{s} --> [*]" in text


def test_mermaid_edges_are_the_table() -> None:
    text = mermaid(LC)
    drawn = edges(text)
    expected: dict[tuple[str, str], list[str]] = defaultdict(list)
    for t in LC.transitions():
        for src in t["source"]:
            expected[(src, src if t["dest"] == "=" else t["dest"])].append(t["trigger"])
    expected[("[*]", CREATE)] = []
    expected.update({(s, "[*]"): [] for s in FINALS})
    assert drawn == expected
    for a in LC.actions:
        assert f"{a.key.value} {a.key.zh}" in text


def test_mermaid_marks_the_current_state_only() -> None:
    plain = mermaid(LC)
    assert "s_active" not in re.sub(r"classDef s_active.*", "", plain)
    for state in STATES:
        text = mermaid(LC, state)
        active = re.findall(rf"[Cc]lass ({ID}) s_active", text)
        assert active == [state]
        assert text.replace(f"Class {state} s_active", f"Class {state} s_default") == plain


def test_mermaid_refuses_an_unknown_current_state() -> None:
    with pytest.raises(ValueError):
        mermaid(LC, "archived")


# --- BPMN ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def xml() -> str:
    return bpmn(LC)


@pytest.fixture(scope="module")
def root(xml: str) -> ET.Element:
    return ET.fromstring(xml.encode())


@pytest.fixture(scope="module")
def spec(xml: str):  # noqa: ANN201 - a SpiffWorkflow BpmnProcessSpec
    parser = BpmnParser(validator=BpmnValidator())  # validates against the BPMN 2.0 XSD too
    parser.add_bpmn_str(xml.encode())
    assert parser.get_process_ids() == [PROCESS]
    return parser.get_spec(PROCESS)


def process(root: ET.Element) -> ET.Element:
    p = root.find("bpmn:process", NS)
    assert p is not None
    return p


def test_bpmn_is_well_formed_with_one_process(xml: str, root: ET.Element) -> None:
    assert xml.startswith("<?xml")
    assert root.tag == f"{{{NS['bpmn']}}}definitions"
    assert [p.get("id") for p in root.findall("bpmn:process", NS)] == [PROCESS]
    assert len(process(root).findall("bpmn:startEvent", NS)) == 1


def test_bpmn_has_a_task_for_every_action(root: ET.Element, spec) -> None:  # noqa: ANN001
    proc = process(root)
    for a in LC.actions:
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
    assert user_tasks == {a.key.value for a in LC.actions if not is_system(a)}


def test_bpmn_states_are_gateways_and_finals_end_events(root: ET.Element, spec) -> None:  # noqa: ANN001
    proc = process(root)
    for s in [CREATE, *STATES]:
        tag = "endEvent" if s in FINALS else "exclusiveGateway"
        el = proc.find(f"bpmn:{tag}[@id='{state_node_id(s)}']", NS)
        assert el is not None, s
        assert el.get("name") == ("新建" if s == CREATE else LC.state_label(s))
        assert isinstance(spec.task_specs[state_node_id(s)], EndEvent if s in FINALS else ExclusiveGateway)


def test_bpmn_flows_are_the_table(root: ET.Element) -> None:
    flows = {
        (f.get("sourceRef"), f.get("targetRef")): f.findtext("bpmn:conditionExpression", namespaces=NS)
        for f in process(root).findall("bpmn:sequenceFlow", NS)
    }
    expected = {("start", state_node_id(CREATE)): None}
    for t in LC.transitions():
        key = t["trigger"]
        for src in t["source"]:
            expected[(state_node_id(src), key)] = f'action == "{key}"'
        (only,) = t["source"] if t["dest"] == "=" else [t["dest"]]
        expected[(key, state_node_id(only))] = None
    assert flows == expected


def test_bpmn_diagram_has_a_shape_for_every_node_and_an_edge_for_every_flow(root: ET.Element) -> None:
    proc = process(root)
    plane = root.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert plane is not None and plane.get("bpmnElement") == PROCESS
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


# --- the BPMN runs the table: SpiffWorkflow follows any walk the lifecycle allows -----------------------
HUMAN = {a.key.value for a in LC.actions if not is_system(a)}


def offered(state: str) -> list[str]:
    return [a.key.value for a in LC.available(state) if a.key.value in HUMAN]


def dest(state: str, action: str) -> str:
    d = LC.by_key[action].dest
    return d.value if d else state


def run(spec, walk: list[str], peek: str | None):  # noqa: ANN001, ANN201
    """Run the process choosing `walk`'s actions at each gateway; then check `peek` is offered next."""
    wf = BpmnWorkflow(spec)
    choices = [*walk, peek]
    for t in wf.get_tasks(state=TaskState.READY):
        t.data["action"] = choices[0]
    wf.do_engine_steps()
    for i, action in enumerate(choices):
        if action is None:
            break
        ready = wf.get_tasks(state=TaskState.READY, manual=True)
        assert [t.task_spec.name for t in ready] == [action], (walk, i)
        if i == len(walk):
            break
        ready[0].data["action"] = choices[i + 1]
        ready[0].run()
        wf.do_engine_steps()
    return wf


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_spiff_follows_any_walk_of_the_table(spec, data: st.DataObject) -> None:  # noqa: ANN001
    state, walk = CREATE, []
    for _ in range(data.draw(st.integers(1, 14), label="length")):
        if state in FINALS:
            break
        action = data.draw(st.sampled_from(offered(state)))
        walk.append(action)
        state = dest(state, action)
    peek = None if state in FINALS else data.draw(st.sampled_from(offered(state)))
    wf = run(spec, walk, peek)
    if state in FINALS:
        assert wf.is_completed()
        done = [t.task_spec.name for t in wf.get_tasks(state=TaskState.COMPLETED)]
        assert state_node_id(state) in done
    else:
        assert not wf.is_completed()


def test_spiff_walks_to_revocation(spec) -> None:  # noqa: ANN001
    walk = ["open_survey", "begin_cultivation", "submit_filing", "return_for_revision", "submit_filing",
            "recommend", "approve_filing", "set_tier", "issue_rectification", "submit_rectification",
            "reject_rectification"]
    assert run(spec, walk, None).is_completed()


def test_bpmn_routes_a_stay_put_action_of_several_states_back_to_each() -> None:
    """An action that keeps the case in whichever state it came from returns through a gateway."""
    actions = [replace(a, sources=(State.FILED, State.RECTIFYING)) if a.key == "set_tier" else a for a in LC.actions]
    lc = replace(LC, actions=actions)
    parser = BpmnParser(validator=BpmnValidator())
    parser.add_bpmn_str(bpmn(lc).encode())
    spec = parser.get_spec(PROCESS)
    assert isinstance(spec.task_specs["set_tier_back"], ExclusiveGateway)
    walk = ["open_survey", "begin_cultivation", "submit_filing", "recommend", "approve_filing", "issue_rectification"]
    wf = BpmnWorkflow(spec)
    for t in wf.get_tasks(state=TaskState.READY):
        t.data["action"] = walk[0]
    wf.do_engine_steps()
    for i, action in enumerate([*walk, "set_tier"]):
        (task,) = wf.get_tasks(state=TaskState.READY, manual=True)
        assert task.task_spec.name == action
        task.data["action"] = ([*walk, "set_tier", "accept_rectification"])[i + 1]
        task.data["state"] = "rectifying" if i >= len(walk) - 1 else None
        task.run()
        wf.do_engine_steps()
    (task,) = wf.get_tasks(state=TaskState.READY, manual=True)
    assert task.task_spec.name == "accept_rectification"  # back in rectifying, not filed
    assert "filed --> filed: set_tier" in mermaid(lc) and "rectifying --> rectifying: " in mermaid(lc)
