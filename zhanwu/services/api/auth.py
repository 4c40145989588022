"""Bearer JWTs: HS256 with the configured secret (dev), issuer and audience checked, expiry required.
Claims: sub, role, region, and sector for a sector department."""

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


def authenticate(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Actor:
    if creds is None or creds.scheme.lower() != "bearer":
        raise _unauthorized("missing bearer token")
    settings: Settings = request.app.state.settings
    try:
        claims = jwt.decode(
            creds.credentials, settings.jwt_secret, algorithms=settings.jwt_algorithms,
            audience=settings.jwt_audience, issuer=settings.jwt_issuer,
            options={"require": ["exp", "sub", "iss", "aud"]},
        )
        actor = Actor(subject=claims["sub"], role=claims.get("role"), region=claims.get("region"),
                      sector=claims.get("sector"))
    except jwt.PyJWTError as e:
        raise _unauthorized(f"invalid token: {e}") from None
    except (ValidationError, KeyError):
        raise _unauthorized("invalid token claims: role, region (and sector) required") from None
    if actor.role is Role.SYSTEM:
        raise _unauthorized("invalid token claims: role")
    request.state.actor = f"{actor.role.value}@{actor.region}"  # for the access log: no subject (personal data)
    return actor


CurrentActor = Annotated[Actor, Depends(authenticate)]
