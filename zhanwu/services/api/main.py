"""The FastAPI app: one Temporal client and one database engine per process, made in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from opentelemetry.trace import Tracer
from temporalio.client import Client

from zhanwu.services import observability
from zhanwu.services.api import deps, errors
from zhanwu.services.api.auth import authenticate
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.api.limits import BodyLimit, RateLimit
from zhanwu.services.api.metrics import Metrics
from zhanwu.services.api.refusals import record as record_refusals
from zhanwu.services.api.routes import (
    cases,
    deadlines,
    evaluations,
    health,
    programmes,
    refusals,
    score_sheets,
    statistics,
    subscriptions,
)
from zhanwu.services.store.repository import Store, make_engine
from zhanwu.services.workers.main import connect
from zhanwu.settings import Settings

DESCRIPTION = """站务 Zhanwu — the lifecycles of talent-programme stations as durable workflows.

Every `/api/v1` call carries `Authorization: Bearer <JWT>` (claims `sub`, `role`, `region`, `sector`).
Errors are `application/problem+json`; a refused action is `409` naming the rule and its clause.
A body over `ZHANWU_MAX_BODY_BYTES` is `413`; more requests a minute than `ZHANWU_RATE_LIMIT` per token
subject is `429` with `Retry-After`."""


def create_app(settings: Settings | None = None, client: Client | None = None, store: Store | None = None,
               tracer: Tracer | None = None) -> FastAPI:
    """The app; tests hand in their client, store and tracer, a process makes its own from `settings`."""
    settings = settings or Settings()
    tracer = tracer or observability.tracer(settings, "api")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = None
        st = store
        if st is None:
            engine = make_engine(settings.db_url)
            st = Store(engine)
        cl = client or await connect(settings, lazy=True, tracer=tracer)
        app.state.store = st
        app.state.gateway = Gateway(cl, st, settings.task_queue, settings.temporal_timeout_s, metrics,
                                    settings.action_result_timeout_s)
        yield
        if engine is not None:
            await engine.dispose()

    app = FastAPI(title="Zhanwu 站务", version="1.0", description=DESCRIPTION, lifespan=lifespan,
                  dependencies=[Depends(deps.no_nul)], responses=errors.EVERY_ROUTE)
    app.state.settings = settings
    app.state.metrics = metrics = Metrics()
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RateLimit, settings=settings, metrics=metrics)  # outside BodyLimit: the cheaper refusal first
    metrics.install(app)
    observability.install(app, tracer)
    errors.install(app, record_refusals)
    app.include_router(health.router)
    for r in (programmes.router, cases.router, evaluations.router, deadlines.router, score_sheets.router,
              subscriptions.router, statistics.router, refusals.router):
        # authentication first, whatever else the route needs; and the answers every /api/v1 route may give
        app.include_router(r, dependencies=[Depends(authenticate)], responses=errors.AUTHENTICATED)
    return app
