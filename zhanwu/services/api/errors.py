"""Errors carry their HTTP status and render once, as RFC 9457 problem+json."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.service import RPCError

from zhanwu.schemas.common import Refusal

log = logging.getLogger("zhanwu.api")
RULES_BASE = "https://zhanwu.example.gov.cn/rules/"
STATUS_OF_REFUSAL = {"rule": 409, "state": 409, "forbidden": 403, "not_found": 404, "version": 412,
                     "idempotency": 422, "invalid": 422}
TITLES = {400: "bad request", 401: "unauthorized", 403: "forbidden", 404: "not found", 409: "rule violated",
          412: "precondition failed", 413: "payload too large", 422: "unprocessable content",
          500: "internal error", 503: "service unavailable"}


class Problem(Exception):
    def __init__(self, status: int, detail: str, detail_zh: str | None = None, type_: str = "about:blank",
                 **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.detail_zh, self.type, self.extra = status, detail, detail_zh, type_, extra

    @classmethod
    def from_refusal(cls, r: Refusal) -> Problem:
        status = STATUS_OF_REFUSAL.get(r.kind, 409)
        extra: dict[str, Any] = dict(r.extra)
        if r.kind in ("rule", "state"):
            extra |= {"rule": r.rule, "clause": r.clause}
        elif r.kind in ("idempotency", "version"):
            extra["rule"] = r.rule
        if r.kind == "invalid":
            return cls(422, r.detail, r.detail_zh, errors=r.extra.get("errors", []))
        return cls(status, r.detail, r.detail_zh, RULES_BASE + r.rule if r.kind in ("rule", "state") else "about:blank",
                   **extra)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": TITLES.get(self.status, "error"), "status": self.status,
                                "detail": self.detail}
        if self.detail_zh:
            body["detail_zh"] = self.detail_zh
        return body | self.extra


def invalid_cursor() -> Problem:
    return Problem(422, "invalid cursor", "分页游标无效", errors=[{"loc": ["query", "cursor"], "msg": "invalid"}])


def invalid(errors: list[dict[str, Any]]) -> Problem:
    """422 naming each field (its `loc`)."""
    fields = ", ".join(".".join(str(x) for x in e["loc"]) for e in errors)
    return Problem(422, f"invalid request: {fields}", f"请求内容不合规：{fields}", errors=errors)


def problem_response(p: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(p.body(), status_code=p.status, media_type="application/problem+json", headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        headers = {401: {"WWW-Authenticate": "Bearer"}, 503: {"Retry-After": "5"}}.get(exc.status)
        return problem_response(exc, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(invalid([{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
                                         for e in exc.errors()]))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(Problem(exc.status_code, str(exc.detail)))

    @app.exception_handler(DBAPIError)
    @app.exception_handler(RPCError)
    @app.exception_handler(OSError)
    async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("dependency unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return problem_response(Problem(503, "a backing service is unavailable; try again", "后端服务暂不可用，请稍后重试"),
                                {"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(Problem(500, "internal error", "服务内部错误"))
