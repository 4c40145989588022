"""A case's dossier 案卷, what outlives Temporal's retention: the read model's snapshot, the case's audit
records with their hashes (enough to re-verify the case's chain offline) and the workflow's history, every
run of it, while Temporal still holds it (the dossier says when it does not)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from zhanwu.services.store.chain import Chain, Report
from zhanwu.services.store.repository import Store

FORMAT = "zhanwu-dossier/1"


async def build(store: Store, client: Client | None, case_id: str, no_client: str = "") -> dict[str, Any] | None:
    """The dossier of `case_id`, or None when the store has no such case. Without a client, `no_client` says why."""
    case = await store.get_case(case_id)
    if case is None:
        return None
    return {
        "format": FORMAT, "case_id": case_id, "exported_at": datetime.now(UTC).isoformat(),
        "case": case.model_dump(mode="json"),
        "audit": await store.audit_trail(case_id),
        "workflow": await _history(client, case_id) if client else {"retained": False, "runs": [], "note": no_client},
    }


async def _history(client: Client, case_id: str) -> dict[str, Any]:
    """Every run of the case's workflow, oldest first: from the latest back through continue-as-new."""
    runs: list[dict[str, Any]] = []
    run_id: str | None = None
    try:
        while True:
            history = await client.get_workflow_handle(case_id, run_id=run_id).fetch_history()
            runs.insert(0, {"run_id": history.run_id, "events": history.to_json_dict().get("events", [])})
            run_id = history.events[0].workflow_execution_started_event_attributes.continued_execution_run_id or None
            if run_id is None:
                return {"retained": True, "runs": runs, "note": ""}
    except RPCError as e:
        which = f"run {run_id}" if run_id else "the workflow"
        why = ("past its retention, or never run there" if e.status == RPCStatusCode.NOT_FOUND
               else f"Temporal answered {e.status.name if e.status else e}: {e.message}")
        return {"retained": False, "runs": runs, "note": f"Temporal does not hold {which} ({why}) 历史未保留"}


def verify(dossier: dict[str, Any]) -> Report:
    """Re-verify a dossier's case chain offline: its records in the order given, up to the case's version."""
    records = dossier["audit"]
    where = {r["hash"]: r["id"] for r in records}
    chain = Chain(case_only=True)
    if all(chain.add(r, where.get) for r in records):
        return chain.finish({dossier["case_id"]: dossier["case"]["version"]})
    return chain.finish({})
