"""Activities: all of a case's I/O. Each is idempotent, since Temporal may run it more than once."""

from __future__ import annotations

from temporalio import activity

from zhanwu.schemas.common import Ban, BanQuery, ClaimRequest, Projection, Role
from zhanwu.services.store.repository import Store


class CaseActivities:
    def __init__(self, store: Store) -> None:
        self.store = store

    @activity.defn(name="project")
    async def project(self, p: Projection) -> bool:
        """Write the audit record and the read model for one accepted change (idempotent on (case_id, seq))."""
        wrote = await self.store.project(p)
        if wrote and p.event.actor.role is Role.SYSTEM:
            activity.metric_meter().create_counter("zhanwu_deadlines_fired", "deadlines that fired by themselves").add(
                1, {"programme": p.event.programme, "action": p.event.action})
        return wrote

    @activity.defn(name="claim")
    async def claim(self, c: ClaimRequest) -> str:
        """Decide a cross-case rule under the store's unique constraint; returns the holding case."""
        return await self.store.claim(c.key, c.case_id)

    @activity.defn(name="bans")
    async def bans(self, q: BanQuery) -> list[Ban]:
        """The live bans on any of the subjects an action involves (a rule across cases)."""
        return await self.store.bans_on(q.subjects)

    def all(self) -> list:
        return [self.project, self.claim, self.bans]
