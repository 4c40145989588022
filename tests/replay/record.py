"""Record the histories the replay test replays: `python -m tests.replay.record`.

Run it only to add a history (e.g. before changing a workflow); commit what it writes. Old
histories stay: they are what running cases look like to a newer worker.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from tests.factories import CITY, DISTRICT, HOST, filing, open_survey
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.migrate import upgrade_async
from zhanwu.services.store.repository import Store, make_engine
from zhanwu.services.workers.main import build_worker
from zhanwu.services.workers.namespace import ensure_search_attributes
from zhanwu.workflows.common import case_workflow
from zhanwu.workflows.doctoral_workstation.machine import LIFECYCLE as DW

HERE = Path(__file__).parent / "histories"
CAN_HISTORY_LIMIT = 40  # the lowered limit the continued-as-new histories were recorded with


async def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite+aiosqlite:///{tmp / 'z.db'}"
    await upgrade_async(url)
    store = Store(make_engine(url))
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=shutil.which("temporal-test-server"), data_converter=pydantic_data_converter
    )
    async with env, build_worker(env.client, store, "record"):
        await ensure_search_attributes(env.client)
        gw = Gateway(env.client, store, "record", 30)

        async def act(case_id, action, actor, payload=None):
            return await gw.act(DW, await store.get_case(case_id), action, actor, payload or {}, None, None)

        # 1. survey to revocation by the rectification deadline, with a refused action on the way
        c = (await gw.open(DW, "open_survey", DISTRICT, open_survey(), None)).id
        await act(c, "begin_cultivation", DISTRICT)
        await act(c, "submit_filing", HOST, filing(team_size=5))
        await act(c, "return_for_revision", DISTRICT, {"reason": "材料不全"})
        await act(c, "submit_filing", HOST, filing(team_size=5))
        await act(c, "recommend", DISTRICT)
        await act(c, "approve_filing", CITY)
        await act(c, "set_tier", CITY, {"tier": "demonstration"})
        due = (await env.get_current_time()) + timedelta(days=30)
        await act(c, "issue_rectification", CITY, {"findings": "团队解散", "deadline": due.isoformat()})
        await env.sleep(timedelta(days=31))
        await env.client.get_workflow_handle(c).result()
        await _save(env, c, "dw_full_lifecycle_revoked_by_deadline")

        # 2. a case that continues as new (history limit lowered while recording), both runs
        case_workflow.HISTORY_LIMIT = CAN_HISTORY_LIMIT
        c = (await gw.open(DW, "open_survey", DISTRICT, open_survey(code="91110000600037341L"), None)).id
        first = (await env.client.get_workflow_handle(c).describe()).run_id
        await act(c, "begin_cultivation", DISTRICT)
        await act(c, "submit_filing", HOST.model_copy(update={"subject": "91110000600037341L"}),
                  filing(lead_id="doc-lead-002"))
        await act(c, "recommend", DISTRICT)
        await act(c, "approve_filing", CITY)
        for i in range(10):
            await act(c, "set_tier", CITY, {"tier": "demonstration" if i % 2 == 0 else "key_improvement"})
        await _save(env, c, "dw_continued_as_new_run1", first)
        await _save(env, c, "dw_continued_as_new_run2")
    await store.engine.dispose()


async def _save(env: WorkflowEnvironment, case_id: str, name: str, run_id: str | None = None) -> None:
    history = await env.client.get_workflow_handle(case_id, run_id=run_id).fetch_history()
    (HERE / f"{name}.json").write_text(history.to_json())


if __name__ == "__main__":
    asyncio.run(main())
