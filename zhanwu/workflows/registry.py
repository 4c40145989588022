"""Every programme, once: its lifecycle and its workflow class."""

from __future__ import annotations

from zhanwu.workflows.commissioner.workflow import CommissionerWorkflow
from zhanwu.workflows.commissioner_station.workflow import CommissionerStationWorkflow
from zhanwu.workflows.common.case_workflow import CaseWorkflow
from zhanwu.workflows.common.lifecycle import Lifecycle
from zhanwu.workflows.doctoral_residency.workflow import DoctoralResidencyWorkflow
from zhanwu.workflows.doctoral_workstation.workflow import DoctoralWorkstationWorkflow
from zhanwu.workflows.postdoc_workstation.workflow import PostdocWorkstationWorkflow

WORKFLOWS: dict[str, type[CaseWorkflow]] = {w.lifecycle.key: w for w in (
    DoctoralWorkstationWorkflow, DoctoralResidencyWorkflow, PostdocWorkstationWorkflow, CommissionerStationWorkflow,
    CommissionerWorkflow,
)}
LIFECYCLES: dict[str, Lifecycle] = {k: w.lifecycle for k, w in WORKFLOWS.items()}
