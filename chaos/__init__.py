"""Fault injection on real processes: the Temporal dev server (SQLite file), `zhanwu worker`s and
`zhanwu api`, all on 127.0.0.1 and started by the scenario itself, driven over HTTP.

- `python -m chaos.worker_kills`: lifecycle runs while a worker is SIGKILLed every 2–10 s and restarted;
- `python -m chaos.server_restart`: cases waiting on deadlines while the Temporal dev server restarts;
- `python -m chaos.store_outage`: actions while the PostgreSQL store is stopped for a while.

Each prints its figures and exits non-zero on any violation; `make chaos` runs the long versions and
`tests/chaos/` the short ones. Every load is bounded in count and time.
"""
