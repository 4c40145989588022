"""Refusals are recorded apart from the case audit, whose per-case seq counts accepted changes only:
every 403, and every 404 that hides a case of another jurisdiction, with who, the role and region,
the route and the case; and counted by status and rule in `zhanwu_access_refusals`, with the 401s,
which name nobody trusted and so are only counted."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy.exc import DBAPIError

from zhanwu.schemas.common import Actor
from zhanwu.schemas.views import RefusalView
from zhanwu.services.api.errors import Problem

log = logging.getLogger("zhanwu.api")


async def record(request: Request, problems: list[tuple[str | None, Problem]], action: str | None = None) -> None:
    """Record the refusals among `problems`, each with the case it concerns (default: the path's)."""
    metrics = request.app.state.metrics
    for _, p in problems:
        if p.status == 401 or p.audit:
            metrics.refused(p.status, p.audit or "TOKEN")
    actor: Actor | None = getattr(request.state, "principal", None)
    if actor is None:
        return
    route = getattr(request.scope.get("route"), "path", request.url.path)
    now, action = datetime.now(UTC), action or request.path_params.get("action")
    rows = [RefusalView(id=0, at=now, subject=actor.subject, role=actor.role.value, region=actor.region,
                        method=request.method, route=route, action=action,
                        case_id=case_id or p.extra.get("case_id") or request.path_params.get("case_id"),
                        status=p.status, rule=p.audit)
            for case_id, p in problems if p.audit]
    if not rows:
        return
    try:
        await request.app.state.store.record_refusals(rows)
    except (DBAPIError, OSError) as e:  # the refusal still answers: it changed nothing
        log.warning("refusals not recorded (%s): %d on %s %s", type(e).__name__, len(rows), request.method, route)
