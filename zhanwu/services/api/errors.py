"""Errors carry their HTTP status and render once, as RFC 9457 problem+json."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.service import RPCError

from zhanwu.schemas.common import Refusal

log = logging.getLogger("zhanwu.api")
RULES_BASE = "https://zhanwu.example.gov.cn/rules/"
STATUS_OF_REFUSAL = {"rule": 409, "state": 409, "forbidden": 403, "not_found": 404, "version": 412,
                     "idempotency": 422, "invalid": 422}
TITLES = {400: "bad request", 401: "unauthorized", 403: "forbidden", 404: "not found", 405: "method not allowed",
          409: "rule violated", 412: "precondition failed", 413: "payload too large", 422: "unprocessable content",
          429: "too many requests", 500: "internal error", 503: "service unavailable"}
HTTP_ZH = {400: "请求有误", 404: "资源不存在", 405: "不支持该请求方法"}  # what the framework itself answers
JURISDICTION = "JURISDICTION"


PROBLEM_JSON = "application/problem+json"


class ProblemDocument(BaseModel):
    """An error answer (RFC 9457); a refusal adds `rule`, `clause` and its figures, a 422 `errors`."""

    model_config = ConfigDict(extra="allow", title="Problem")
    type: str = Field(description="the rule's URI for a refused action, else about:blank")
    title: str
    status: int
    detail: str
    detail_zh: str | None = None


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The problem+json answers a group of routes may give, as their OpenAPI `responses`."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {s: {"description": TITLES[s], "content": {PROBLEM_JSON: {"schema": schema}}} for s in statuses}


# every route: a NUL in a path or query parameter (422); a store or Temporal unreachable (503)
EVERY_ROUTE = documented(422, 503)
# every /api/v1 route: the bearer token (401), a programme, case or resource unknown or out of reach (404),
# a body over ZHANWU_MAX_BODY_BYTES (413), the caller over ZHANWU_RATE_LIMIT (429)
AUTHENTICATED = documented(401, 404, 413, 429)


class Problem(Exception):
    """An error answer. `audit` names the rule under which a refusal of a known actor is recorded
    (`refusals`): every 403, and a 404 hiding a case of another jurisdiction; it is not rendered."""

    def __init__(self, status: int, detail: str, detail_zh: str | None = None, type_: str = "about:blank", *,
                 audit: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.detail_zh, self.type, self.extra = status, detail, detail_zh, type_, extra
        self.audit = audit or ("ROLE" if status == 403 else None)

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
        audit = r.rule if r.kind == "forbidden" or r.rule == JURISDICTION else None
        return cls(status, r.detail, r.detail_zh, RULES_BASE + r.rule if r.kind in ("rule", "state") else "about:blank",
                   audit=audit, **extra)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": TITLES.get(self.status, "error"), "status": self.status,
                                "detail": self.detail}
        if self.detail_zh:
            body["detail_zh"] = self.detail_zh
        return body | self.extra


class ProblemWhileReading(StarletteHTTPException):
    """A Problem raised while FastAPI reads the body, which passes only HTTPExceptions on to the handlers."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.status, problem.detail)
        self.problem = problem


def invalid_cursor() -> Problem:
    return Problem(422, "invalid cursor", "分页游标无效", errors=[{"loc": ["query", "cursor"], "msg": "invalid"}])


def invalid(errors: list[dict[str, Any]]) -> Problem:
    """422 naming each field (its `loc`)."""
    fields = ", ".join(".".join(str(x) for x in e["loc"]) for e in errors)
    return Problem(422, f"invalid request: {fields}", f"请求内容不合规：{fields}", errors=errors)


def problem_response(p: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(p.body(), status_code=p.status, media_type=PROBLEM_JSON, headers=headers)


Refused = Callable[[Request, list[tuple[str | None, Problem]]], Awaitable[None]]


def install(app: FastAPI, refused: Refused) -> None:
    """Render every error as problem+json; `refused` records the refusals among them (per case id).
    The OpenAPI document gets the `Problem` schema the `documented` answers refer to."""
    fastapi_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        doc = fastapi_openapi()
        if first:
            doc.setdefault("components", {}).setdefault("schemas", {})["Problem"] = ProblemDocument.model_json_schema()
        return doc

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        await refused(request, [(None, exc)])
        headers = {401: {"WWW-Authenticate": "Bearer"}, 503: {"Retry-After": "5"}}.get(exc.status)
        return problem_response(exc, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(invalid([{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
                                         for e in exc.errors()]))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc, ProblemWhileReading):
            return problem_response(exc.problem)
        if exc.status_code == 400:  # FastAPI could not read the body (not UTF-8): malformed, like bad JSON
            return problem_response(invalid([{"loc": ["body"], "msg": "the body is not JSON in UTF-8",
                                              "type": "json_invalid"}]))
        return problem_response(Problem(exc.status_code, str(exc.detail), HTTP_ZH.get(exc.status_code)),
                                dict(exc.headers or {}) or None)

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
