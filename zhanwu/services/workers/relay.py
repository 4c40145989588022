"""The webhook relay: sends the outbox's events to their subscriptions, signed, in order per
subscription, at least once. It runs in each worker process; a lease in the store lets one relay at a
time send a subscription's events, and a relay killed mid-delivery leaves them pending for the next.

A receiver checks `X-Signature: sha256=<hex>` = HMAC-SHA256(secret, f"{X-Zhanwu-Timestamp}." + body)
and refuses a timestamp too far from its clock (a replayed request). `X-Zhanwu-Event` (`<case_id>:<seq>`)
lets it drop a duplicate."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import os
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.exc import DBAPIError
from temporalio.common import MetricMeter

from zhanwu.services.store.outbox import Pending, Target, Webhooks
from zhanwu.settings import Settings

log = logging.getLogger("zhanwu.relay")
BATCH = 50


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


class Relay:
    def __init__(self, webhooks: Webhooks, settings: Settings, meter: MetricMeter) -> None:
        self.webhooks, self.settings = webhooks, settings
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease = timedelta(seconds=settings.webhook_lease_s)
        self.outcomes = meter.create_counter("zhanwu_webhook_deliveries", "webhook delivery attempts by outcome")

    async def run(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(timeout=self.settings.webhook_timeout_s, follow_redirects=False) as http:
            while not stop.is_set():
                try:
                    due = await self.webhooks.due(datetime.now(UTC))
                    await asyncio.gather(*(self._drain(http, sub_id) for sub_id in due))
                except (DBAPIError, OSError) as e:  # the store is down: try again on the next round
                    log.warning("webhook relay: store unavailable (%s)", type(e).__name__)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.webhook_poll_s)

    async def _drain(self, http: httpx.AsyncClient, sub_id: str) -> None:
        """Send the subscription's pending events in order until none is left or one must wait."""
        target = await self.webhooks.lease(sub_id, self.owner, datetime.now(UTC), self.lease)
        if target is None:
            return
        try:
            while batch := await self.webhooks.pending(sub_id, BATCH):
                for p in batch:
                    if not await self._send(http, target, p):
                        return
                    if await self.webhooks.lease(sub_id, self.owner, datetime.now(UTC), self.lease) is None:
                        return  # the lease ran out (a slow receiver) and another relay took over
        finally:
            await self.webhooks.release(sub_id, self.owner)

    async def _send(self, http: httpx.AsyncClient, target: Target, p: Pending) -> bool:
        """One attempt; whether the relay may go on to the subscription's next event."""
        body = json.dumps(p.event, ensure_ascii=False, separators=(",", ":")).encode()
        ts = int(time.time())
        headers = {"Content-Type": "application/json; charset=utf-8", "X-Zhanwu-Event": p.event_id,
                   "X-Zhanwu-Delivery": str(p.id), "X-Zhanwu-Timestamp": str(ts),
                   "X-Signature": sign(target.secret, ts, body)}
        try:
            response = await http.post(target.url, content=body, headers=headers)
            error = None if response.is_success else f"HTTP {response.status_code}"
        except httpx.HTTPError as e:
            error = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        now = datetime.now(UTC)
        if error is None:
            await self.webhooks.delivered(p.id, now)
            self.outcomes.add(1, {"outcome": "delivered"})
            return True
        attempts = p.attempts + 1
        if attempts >= self.settings.webhook_max_attempts:
            await self.webhooks.failed(p.id, error, None)
            self.outcomes.add(1, {"outcome": "dead"})
            log.warning("webhook %s: event %s dead after %d attempts (%s)", target.id, p.event_id, attempts, error)
            return True
        delay = min(self.settings.webhook_backoff_s * 2 ** (attempts - 1), self.settings.webhook_backoff_max_s)
        await self.webhooks.failed(p.id, error, now + timedelta(seconds=delay))
        self.outcomes.add(1, {"outcome": "failed"})
        return False
