"""The refusals record, read-only for a city office: who was refused what, in its city or about its cases."""

from __future__ import annotations

from fastapi import APIRouter

from zhanwu.schemas.views import RefusalPage
from zhanwu.services.api.auth import Office
from zhanwu.services.api.deps import PageLimit, RowCursor, StoreDep
from zhanwu.services.api.errors import documented

router = APIRouter(prefix="/api/v1/refusals", tags=["refusals"], responses=documented(403))


@router.get("", response_model=RefusalPage)
async def refusals(
    actor: Office, store: StoreDep, limit: PageLimit,
    cursor: RowCursor = None,
) -> RefusalPage:
    """Requests refused to actors of the office's city, or about its cases, newest first: a role the
    operation does not allow (403), or a case of another jurisdiction (answered 404)."""
    items, nxt = await store.refusals(actor.city, limit, cursor)
    return RefusalPage(items=items, next_cursor=str(nxt) if nxt is not None else None)
