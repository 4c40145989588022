"""A programme's lifecycle drawn as a Mermaid state diagram and as BPMN 2.0 XML.

Both are read from the `Lifecycle` alone (its `transitions()` table, states, actions and timers), so
they cannot drift from what the workflow enforces. Pure: they return text and do no I/O.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict, deque
from typing import Any

from transitions import State
from transitions.extensions import GraphMachine

from zhanwu.schemas.common import Role
from zhanwu.workflows.common.lifecycle import CREATE, Action, Lifecycle

NEW_LABEL = "新建"
STAY = "stay"  # the outcome of a branching action that keeps the case in its state


# --- Mermaid ---------------------------------------------------------------------------------
class _LabelledState(State):
    """A `transitions` state that carries a display label (read by the diagram markup)."""

    def __init__(self, name: str, label: str | None = None, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.label = label or name


class _Diagram(GraphMachine):
    state_cls = _LabelledState


class _Model:
    state: str


def mermaid(lc: Lifecycle, current: str | None = None) -> str:
    """The lifecycle as a Mermaid `stateDiagram-v2`: states labelled in Chinese, each edge labelled with
    the action keys (and their Chinese names) that take it; `current`, when given, is styled active.
    Creates start from the pseudo-state `__new__` (labelled 新建); final states lead to `[*]`."""
    if current is not None and current not in {s.value for s in lc.states}:
        raise ValueError(f"{current!r} is not a state of {lc.key}")
    transitions = [t | {"label": f"{t['trigger']} {lc.by_key[t['trigger']].key.zh}"} for t in lc.transitions()]
    model = _Model()
    machine = _Diagram(
        model=model,
        states=[{"name": CREATE, "label": NEW_LABEL}, *({"name": s.value, "label": s.zh} for s in lc.states)],
        transitions=transitions,
        initial=CREATE,
        auto_transitions=False,
        graph_engine="mermaid",
    )
    if current is None:
        machine.model_graphs[id(model)].reset_styling()  # the pseudo-state is no case's current state
    else:
        machine.set_state(current, model)
        model.get_graph(force_new=True)  # type: ignore[attr-defined]  # styles the model's state active
    source: str = model.get_graph().draw(None)  # type: ignore[attr-defined]
    # GraphMachine opens with a front matter holding a bare title; the diagram proper starts after it
    body = source[source.index("stateDiagram-v2"):].rstrip("\n").splitlines()
    finals = [f"  {s.value} --> [*]" for s in lc.finals]
    return "\n".join([body[0], f"  %% {lc.zh} {lc.key}", *body[1:], *finals]) + "\n"


# --- BPMN 2.0 --------------------------------------------------------------------------------
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)

SIZES = {"startEvent": (36, 36), "endEvent": (36, 36), "intermediateCatchEvent": (36, 36),
         "exclusiveGateway": (50, 50), "userTask": (120, 80)}
COLUMN, ROW, MARGIN = 180, 130, 80


def _q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


def state_node_id(state: str) -> str:
    return "state_new" if state == CREATE else f"state_{state}"


def is_system(action: Action) -> bool:
    return tuple(action.roles) == (Role.SYSTEM,)


def bpmn(lc: Lifecycle) -> str:
    """The lifecycle as one BPMN 2.0 process. Each state is an exclusive gateway named after it (a final
    state an end event) that routes on the action chosen (`action == "<key>"`); each action is a user
    task (id = action key, name = its Chinese label, roles and rules in its documentation), or, when
    only the system fires it, a timer catch event; a start event leads to the 新建 gateway of the
    creating actions. An action that keeps the case in its state returns to it (through a gateway
    routing on `state == "<key>"` when it has several). Laid out on a grid by distance from the start
    so bpmn.io can open it. An action with branches (a poor evaluation puts the case under warning) leads
    to a gateway routing on `outcome == "<state>"` (`"stay"` when it keeps the case where it was)."""
    process_id = f"Process_{lc.key}"
    finals = {s.value for s in lc.finals}

    nodes: dict[str, tuple[str, str]] = {}  # id -> (tag, name), in document order
    flows: list[tuple[str, str, str | None]] = []  # (source, target, condition)
    docs: dict[str, str] = {}
    timers: dict[str, str] = {}

    nodes["start"] = ("startEvent", "开始")
    states = [CREATE, *(s.value for s in lc.states)]
    for s in states:
        if s in finals:
            nodes[state_node_id(s)] = ("endEvent", lc.state_label(s))
        else:
            nodes[state_node_id(s)] = ("exclusiveGateway", NEW_LABEL if s == CREATE else lc.state_label(s))
    flows.append(("start", state_node_id(CREATE), None))

    for action in lc.actions:
        key = action.key.value
        # a final state ends the process: an action there (a ban running out after the case closed) is not drawn
        sources = [s.value for s in action.sources if s.value not in finals] or [CREATE]
        if is_system(action):
            nodes[key] = ("intermediateCatchEvent", action.key.zh)
            timer = next((tm for tm in lc.timers if tm.action == action.key), None)
            timers[key] = f"{timer.kind}.due_at" if timer else "due_at"
        else:
            nodes[key] = ("userTask", action.key.zh)
        docs[key] = "; ".join(filter(None, (
            f"{action.key.en} — roles: {', '.join(r.value for r in action.roles)}",
            f"rules: {', '.join(r.id for r in action.rules)}" if action.rules else "",
            f"claim: {action.claim.id}" if action.claim else "",
            f"screen: {action.screen.id}" if action.screen else "",
            f"clause: {action.clause}" if action.clause else "",
        )))
        for s in sources:
            flows.append((state_node_id(s), key, f'action == "{key}"'))
        exit_, condition = key, None
        if action.branches:  # the outcome decides the destination: route through a gateway
            exit_ = f"{key}_outcome"
            nodes[exit_] = ("exclusiveGateway", "")
            docs[exit_] = "; ".join(f'outcome == "{b.dest.value}": {b.en}' for b in action.branches)
            flows.append((key, exit_, None))
            flows.extend((exit_, state_node_id(b.dest.value), f'outcome == "{b.dest.value}"') for b in action.branches)
            condition = f'outcome == "{action.dest.value if action.dest else STAY}"'
        if action.dest is not None:
            flows.append((exit_, state_node_id(action.dest.value), condition))
        elif len(sources) == 1:
            flows.append((exit_, state_node_id(sources[0]), condition))
        else:  # stays in whichever state it came from: route back through a gateway
            back = f"{key}_back"
            nodes[back] = ("exclusiveGateway", "")
            flows.append((exit_, back, condition))
            flows.extend((back, state_node_id(s), f'state == "{s}"') for s in sources)

    ids = [f"Flow_{i}_{src}_{dst}" for i, (src, dst, _) in enumerate(flows, 1)]
    incoming: dict[str, list[str]] = defaultdict(list)
    outgoing: dict[str, list[str]] = defaultdict(list)
    for fid, (src, dst, _) in zip(ids, flows, strict=True):
        outgoing[src].append(fid)
        incoming[dst].append(fid)

    root = ET.Element(_q("bpmn", "definitions"), {
        "id": f"Definitions_{lc.key}", "targetNamespace": f"urn:zhanwu:{lc.key}",
        "exporter": "zhanwu", "exporterVersion": "1",
    })
    process = ET.SubElement(root, _q("bpmn", "process"), {"id": process_id, "name": lc.zh, "isExecutable": "true"})
    ET.SubElement(process, _q("bpmn", "documentation")).text = (
        f"{lc.zh} ({lc.en}): states are gateways routing on the chosen action; finals end the case."
    )
    for nid, (tag, name) in nodes.items():
        attrs = {"id": nid}
        if name:
            attrs["name"] = name
        el = ET.SubElement(process, _q("bpmn", tag), attrs)
        if nid in docs:
            ET.SubElement(el, _q("bpmn", "documentation")).text = docs[nid]
        for fid in incoming[nid]:
            ET.SubElement(el, _q("bpmn", "incoming")).text = fid
        for fid in outgoing[nid]:
            ET.SubElement(el, _q("bpmn", "outgoing")).text = fid
        if nid in timers:
            ted = ET.SubElement(el, _q("bpmn", "timerEventDefinition"), {"id": f"{nid}_timer"})
            ET.SubElement(ted, _q("bpmn", "timeDate"), {_q("xsi", "type"): "bpmn:tFormalExpression"}).text = timers[nid]
    for fid, (src, dst, cond) in zip(ids, flows, strict=True):
        el = ET.SubElement(process, _q("bpmn", "sequenceFlow"), {"id": fid, "sourceRef": src, "targetRef": dst})
        if cond:
            ET.SubElement(el, _q("bpmn", "conditionExpression"), {_q("xsi", "type"): "bpmn:tFormalExpression"}).text = cond

    _layout(root, process_id, nodes, flows, ids)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _layout(root: ET.Element, process_id: str, nodes: dict[str, tuple[str, str]],
            flows: list[tuple[str, str, str | None]], ids: list[str]) -> None:
    """A grid: column = distance from the start event, rows fill each column in document order."""
    succ: dict[str, list[str]] = defaultdict(list)
    for src, dst, _ in flows:
        succ[src].append(dst)
    column = {"start": 0}
    queue = deque(["start"])
    while queue:
        n = queue.popleft()
        for m in succ[n]:
            if m not in column:
                column[m] = column[n] + 1
                queue.append(m)
    rows: dict[int, int] = defaultdict(int)
    bounds: dict[str, tuple[int, int, int, int]] = {}
    for nid, (tag, _) in nodes.items():
        col = column.get(nid, max(column.values()) + 1)
        row = rows[col]
        rows[col] += 1
        w, h = SIZES[tag]
        cx, cy = MARGIN + col * COLUMN, MARGIN + row * ROW
        bounds[nid] = (cx - w // 2, cy - h // 2, w, h)

    diagram = ET.SubElement(root, _q("bpmndi", "BPMNDiagram"), {"id": f"BPMNDiagram_{process_id}"})
    plane = ET.SubElement(diagram, _q("bpmndi", "BPMNPlane"), {"id": f"BPMNPlane_{process_id}", "bpmnElement": process_id})
    for nid, (tag, _) in nodes.items():
        x, y, w, h = bounds[nid]
        attrs = {"id": f"{nid}_di", "bpmnElement": nid}
        if tag == "exclusiveGateway":
            attrs["isMarkerVisible"] = "true"
        shape = ET.SubElement(plane, _q("bpmndi", "BPMNShape"), attrs)
        ET.SubElement(shape, _q("dc", "Bounds"), {"x": str(x), "y": str(y), "width": str(w), "height": str(h)})
    for fid, (src, dst, _) in zip(ids, flows, strict=True):
        edge = ET.SubElement(plane, _q("bpmndi", "BPMNEdge"), {"id": f"{fid}_di", "bpmnElement": fid})
        for x, y in _route(bounds[src], bounds[dst]):
            ET.SubElement(edge, _q("di", "waypoint"), {"x": str(x), "y": str(y)})


def _route(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> list[tuple[int, int]]:
    """Orthogonal waypoints: rightwards from a's right side to b's left side; a backward edge goes
    out of a's bottom, runs below both shapes and comes into b's bottom."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    if bx > ax:
        start, end = (ax + aw, ay + ah // 2), (bx, by + bh // 2)
        if start[1] == end[1]:
            return [start, end]
        mid = (start[0] + end[0]) // 2
        return [start, (mid, start[1]), (mid, end[1]), end]
    start, end = (ax + aw // 2, ay + ah), (bx + bw // 2, by + bh)
    low = max(start[1], end[1]) + ROW // 4
    return [start, (start[0], low), (end[0], low), end]
