"""A private PostgreSQL server for the test session: initdb and pg_ctl from Debian's packages
(/usr/lib/postgresql/<version>/bin, not on PATH there) or from PATH, a data directory under a fresh
temp dir, a free 127.0.0.1 port. Each test gets its own database, copied from a template the real
migrations built once. PostgreSQL refuses to run as root: as root (CI), it runs as `postgres`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg

from zhanwu.services.store.migrate import upgrade

BACKENDS = ["sqlite", "postgresql"]
TEMPLATE = "zhanwu_migrated"


def find_bindir() -> Path | None:
    """Where initdb is: on PATH, else Debian's newest /usr/lib/postgresql/<version>/bin."""
    if on_path := shutil.which("initdb"):
        return Path(on_path).resolve().parent
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: float(p.parts[-3]))
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """initdb + pg_ctl start on construction; `stop()` ends the server and removes its directory."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = _free_port()
        self.base = Path(tempfile.mkdtemp(prefix="zhanwu-pg-"))
        self.data = self.base / "data"
        # as root, run the server as an unprivileged user owning its directory
        self.user = ("postgres" if _user_exists("postgres") else "nobody") if os.geteuid() == 0 else None
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        try:
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
                      "--no-sync")
            self.start()
            with ThreadPoolExecutor(1) as pool:  # outside the tests' event loop; Alembic's env.py runs its own
                pool.submit(self._build_template).result()
        except BaseException:
            self.stop()
            raise

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.base / "server.log"), "-o", options, "-w",
                  "-t", "60", "start")

    def halt(self) -> None:
        """Stop the server, keeping its data (`start()` brings it back): an outage of the store."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _build_template(self) -> None:
        asyncio.run(self._admin(f'CREATE DATABASE "{TEMPLATE}"'))
        upgrade(self.url(TEMPLATE))

    async def _admin(self, *statements: str) -> None:
        conn = await asyncpg.connect(host="127.0.0.1", port=self.port, user="postgres", database="postgres")
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    @contextlib.asynccontextmanager
    async def database(self, migrated: bool) -> AsyncIterator[str]:
        """A fresh database for one test (migrated: a copy of the template), dropped afterwards."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        template = TEMPLATE if migrated else "template0"
        await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        yield self.url(name)
        await self._admin(f'DROP DATABASE "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, cwd=self.base, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.base / "server.log"
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip()}"
                               + (f"\n{log.read_text()[-2000:]}" if log.exists() else ""))


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
