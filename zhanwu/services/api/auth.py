"""Bearer JWTs: HS256 with the configured secret (dev), only the configured algorithms (never `none`),
issuer and audience checked; expiry and issue time required; not-before, expiry and issue time checked
with `ZHANWU_JWT_LEEWAY_S` of clock skew. Claims: sub, role, region, and sector for a sector department."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from zhanwu.schemas.common import Actor, Role, Sector
from zhanwu.services.api.errors import Problem
from zhanwu.settings import Settings

bearer = HTTPBearer(auto_error=False, description="JWT with claims sub, role, region (and sector)")


def mint_token(settings: Settings, role: Role, region: str, subject: str, ttl: timedelta,
               sector: Sector | None = None) -> str:
    if role is Role.SYSTEM:
        raise ValueError("the system role is the service's own timers; no token carries it")
    Actor(subject=subject, role=role, region=region, sector=sector)  # validates the claims
    now = datetime.now(UTC)
    claims = {"sub": subject, "role": role.value, "region": region, "iss": settings.jwt_issuer,
              "aud": settings.jwt_audience, "iat": now, "nbf": now, "exp": now + ttl}
    if sector:
        claims["sector"] = sector.value
    return jwt.encode(claims, settings.jwt_secret, algorithm=settings.jwt_algorithms[0])


def _unauthorized(detail: str) -> Problem:
    return Problem(401, detail, "身份认证失败")


def decode(settings: Settings, token: str) -> Actor:
    """The actor a token names, or 401."""
    try:
        claims = jwt.decode(
            token, settings.jwt_secret, algorithms=settings.jwt_algorithms, audience=settings.jwt_audience,
            issuer=settings.jwt_issuer, leeway=settings.jwt_leeway_s,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
        actor = Actor(subject=claims["sub"], role=claims.get("role"), region=claims.get("region"),
                      sector=claims.get("sector"))
    except jwt.PyJWTError as e:
        raise _unauthorized(f"invalid token: {e}") from None
    except (ValidationError, KeyError, TypeError):
        raise _unauthorized("invalid token claims: role, region (and sector) required") from None
    if actor.role is Role.SYSTEM:
        raise _unauthorized("invalid token claims: role")
    return actor


async def authenticate(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Actor:
    if creds is None or creds.scheme.lower() != "bearer":
        raise _unauthorized("missing bearer token")
    verified = getattr(request.state, "verified", None)  # by the rate limiter, from this request's header
    actor = verified[1] if verified and verified[0] == creds.credentials else decode(request.app.state.settings,
                                                                                      creds.credentials)
    request.state.principal = actor  # for the refusals record
    request.state.actor = f"{actor.role.value}@{actor.region}"  # for the access log: no subject (personal data)
    return actor


CurrentActor = Annotated[Actor, Depends(authenticate)]


async def city_office(actor: CurrentActor) -> Actor:
    """The actor, if a city office (webhook subscriptions, the refusals record); else 403."""
    if actor.role is not Role.CITY_OFFICE:
        raise Problem(403, "only a city office may use this", "仅市级主管部门可使用此功能",
                      allowed_roles=[Role.CITY_OFFICE.value])
    return actor


Office = Annotated[Actor, Depends(city_office)]
