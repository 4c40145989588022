"""A case list as CSV for officials: UTF-8 with a BOM (so Excel reads the Chinese), streamed page by
page as the store's cursor walks the list, never the whole list in memory."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import datetime

from fastapi.responses import StreamingResponse

from zhanwu.schemas.common import CaseSnapshot
from zhanwu.workflows.common.calendar import SHANGHAI, local_date
from zhanwu.workflows.common.lifecycle import Lifecycle

Page = tuple[list[CaseSnapshot], str | None]
PAGE_SIZE = 200
COLUMNS = (("case_id", "案件编号"), ("programme", "项目"), ("title", "名称"), ("state", "状态"), ("tier", "梯次"),
           ("region", "行政区划"), ("opened_at", "创建时间"), ("next_due_at", "最近期限"), ("version", "版本"))
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def case_csv(lc: Lifecycle, first: Page, fetch: Callable[[str], Awaitable[Page]], english: bool,
             now: datetime) -> StreamingResponse:
    """`first` is the list's first page, fetched before answering (a store failure is then a 503,
    not a cut-off file); `fetch(cursor)` gives each next page."""
    async def body() -> AsyncIterator[bytes]:
        yield codecs.BOM_UTF8 + _lines([[en if english else zh for en, zh in COLUMNS]])
        cases, cursor = first
        while True:
            yield _lines(_row(lc, c) for c in cases)
            if cursor is None:
                return
            cases, cursor = await fetch(cursor)

    name = f"{lc.key}-cases-{local_date(now):%Y%m%d}.csv"
    return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _row(lc: Lifecycle, c: CaseSnapshot) -> list[str]:
    tier = lc.tier_of(c.tier)
    due = min((d.due_at for d in c.deadlines if not d.met), default=None)
    return [c.id, lc.zh, c.title, lc.state_label(c.state), tier.zh if tier else c.tier or "", c.region,
            _local(c.created_at), _local(due) if due else "", str(c.version)]


def _local(at: datetime) -> str:
    return f"{at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"


def _lines(rows: Iterable[list[str]]) -> bytes:
    """CSV (RFC 4180, CRLF); a cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    out = io.StringIO()
    csv.writer(out).writerows([f"'{v}" if v.startswith(FORMULA_STARTS) else v for v in row] for row in rows)
    return out.getvalue().encode()
