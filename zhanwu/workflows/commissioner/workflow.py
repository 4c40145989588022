"""The commissioner case workflow: the shared case workflow, fed this programme's lifecycle."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from zhanwu.schemas.common import CaseSnapshot, CaseStart
    from zhanwu.workflows.commissioner.machine import LIFECYCLE
    from zhanwu.workflows.common.case_workflow import CaseWorkflow


@workflow.defn(name="commissioner")
class CommissionerWorkflow(CaseWorkflow):
    lifecycle = LIFECYCLE

    @workflow.run
    async def run(self, start: CaseStart) -> CaseSnapshot | None:
        return await self.run_case(start)
