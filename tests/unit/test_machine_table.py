"""Checking an action asks the lifecycle's own index of each state's actions, and only applying one
builds the `transitions` machine: the two must agree, state by state, for every programme."""

from __future__ import annotations

import pytest

from zhanwu.workflows.common.lifecycle import CREATE, Lifecycle
from zhanwu.workflows.registry import LIFECYCLES


@pytest.mark.parametrize("lc", LIFECYCLES.values(), ids=LIFECYCLES.keys())
def test_each_states_actions_are_the_machines_triggers(lc: Lifecycle) -> None:
    for state in (CREATE, *(s.value for s in lc.states)):
        machine = lc.machine(None if state == CREATE else state)
        assert {a.key.value for a in lc.available(state)} == set(machine._machine.get_triggers(state)), state
