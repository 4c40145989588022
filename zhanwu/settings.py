"""Configuration, from the environment (prefix ZHANWU_) or a .env file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from zhanwu.services.store.chain import Algorithm


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZHANWU_", env_file=".env", extra="ignore")

    var_dir: Path = Path("var")
    database_url: str = ""  # default: sqlite+aiosqlite:///<var_dir>/zhanwu.db
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "zhanwu"
    temporal_ui_port: int = 8233
    temporal_timeout_s: float = 10.0  # an API call to Temporal that takes longer answers 503
    action_result_timeout_s: float = 30.0  # an accepted action's answer awaited this long, then 503 (accepted)
    namespace_retention_days: int = 3650
    worker_metrics_address: str = "127.0.0.1:9464"  # the worker's Prometheus endpoint; empty: none
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    jwt_secret: str = "zhanwu-dev-secret-change-me-in-production"
    jwt_issuer: str = "zhanwu-dev"
    jwt_audience: str = "zhanwu"
    jwt_algorithms: list[str] = ["HS256"]
    audit_hash: Algorithm = "sha256"  # the audit chain's hash for new records (sha256, sm3); each keeps its own
    jwt_leeway_s: float = 30.0  # clock skew allowed on exp, nbf and iat
    # limits: each over its bound answers at once (413, 422, 429), never a slow death
    max_body_bytes: int = 2 * 1024 * 1024  # a request body beyond this: 413, before it is read in full
    max_page_size: int = 200  # a list's `limit` beyond this: 422 naming query.limit
    rate_limit: int = 600  # requests per minute per token subject (per client IP without a valid token); 0: off
    log_format: Literal["json", "text"] = "json"
    log_level: str = "info"
    otel_exporter: Literal["", "console", "otlp"] = ""  # OpenTelemetry traces; empty: off
    otel_endpoint: str = ""  # for otlp: the collector's traces URL (default http://localhost:4318/v1/traces)
    # webhooks: the relay runs in each worker process; one relay at a time holds a subscription's lease
    webhook_relay: bool = True
    webhook_max_attempts: int = 10  # then the delivery is dead (listed, and re-drivable through the API)
    webhook_backoff_s: float = 1.0  # the first retry's delay, doubled each attempt ...
    webhook_backoff_max_s: float = 300.0  # ... up to this
    webhook_timeout_s: float = 10.0
    webhook_poll_s: float = 0.5
    webhook_lease_s: float = 30.0  # a relay killed mid-delivery holds its subscriptions this long

    @field_validator("jwt_algorithms")
    @classmethod
    def _one_family(cls, v: list[str]) -> list[str]:
        """Never `none`, and one family only: a shared secret (HS*) or public keys (RS*, ES*, PS*, EdDSA),
        so a token cannot choose how its own signature is checked (algorithm confusion)."""
        if not v or any(a.lower() == "none" for a in v):
            raise ValueError("name at least one signing algorithm, never 'none'")
        if len({a.startswith("HS") for a in v}) > 1:
            raise ValueError("HMAC (HS*) and public-key algorithms must not be mixed")
        return v

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.var_dir.resolve() / 'zhanwu.db'}"
