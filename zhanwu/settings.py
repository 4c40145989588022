"""Configuration, from the environment (prefix ZHANWU_) or a .env file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


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

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.var_dir.resolve() / 'zhanwu.db'}"
