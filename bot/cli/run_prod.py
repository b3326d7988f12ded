"""The production profile on one machine: `make run-prod` (python -m bot.cli.run_prod).

    PostgreSQL   conversations (TRACKER_STORE_URL) and accounts (ACCOUNTS_DATABASE_URL)
    Redis        one message per conversation at a time, across processes (LOCK_STORE_URL)
    Rasa × N     RASA_PROCESSES (2) processes on loopback ports from RASA_PROCESS_PORT (5101),
                 each started again when it dies
    nginx        the public port RASA_PORT (5005) in front of them (bot/cluster/nginx.py)
    actions      the action server with ACTION_WORKERS (2) Sanic workers
    and, as in `make run`, the account service, the agent desk and the mock SMS gateway.

PostgreSQL and Redis are our own servers under var/prod/ (PROD_DATA_DIR; installed from Debian's
packages when missing and we are root) unless the environment gives them: TRACKER_STORE_URL and
ACCOUNTS_DATABASE_URL (postgresql://…), LOCK_STORE_URL (redis://…). Their passwords are made up
on the first start and kept in var/prod/secrets.json (readable by root only), since the data
stays; POSTGRES_PASSWORD and REDIS_PASSWORD override them.
"""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Callable

from bot import settings
from bot.cli.run import (
    Supervisor,
    rasa_server,
    start_support_services,
    supervise,
)
from bot.cli.train import model_path
from bot.cluster.nginx import LocalNginx
from bot.cluster.postgres import LocalPostgres
from bot.cluster.redis import LocalRedis
from bot.settings import load_settings

PROD_FOLDER = settings.path("PROD_DATA_DIR")
# A ticket of a process killed mid-message blocks its conversation this long (Rasa's default
# is 60 s); every turn must finish well within it (account calls time out after 3 s).
TICKET_LOCK_LIFETIME_S = 20
PROD_ACTION_WORKERS = 2  # ACTION_WORKERS unless given


def kept_secret(name: str) -> str:
    """From the environment, else the one made up on the first start (var/prod/secrets.json)."""
    if settings.given(name):
        return settings.given(name)
    path = PROD_FOLDER / "secrets.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    if name not in stored:
        stored[name] = secrets.token_urlsafe(24)
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text(json.dumps(stored, indent=2))
    return stored[name]


def own_server(
    server: LocalPostgres | LocalRedis, what: str, cleanups: list[Callable[[], None]]
) -> None:
    """Starts one of our servers under PROD_FOLDER; `cleanups` stops it at the end."""
    server.start()
    cleanups.append(server.stop)
    print(f"[run] {what} ready on 127.0.0.1:{server.port}", flush=True)


def shared_stores(cleanups: list[Callable[[], None]]) -> dict[str, str]:
    """The addresses of the databases and the lock store: given, or our own servers."""
    env = {name: settings.given(name) for name in ("TRACKER_STORE_URL", "ACCOUNTS_DATABASE_URL")}
    if not all(value.startswith("postgresql") for value in env.values()):
        postgres = LocalPostgres(
            (PROD_FOLDER / "postgres").resolve(),
            settings.port("POSTGRES_PORT"),
            kept_secret("POSTGRES_PASSWORD"),
        )
        own_server(postgres, "PostgreSQL", cleanups)
        for database in ("tracker", "accounts"):
            postgres.create_database(database)
        env = {
            "TRACKER_STORE_URL": postgres.url("tracker"),
            "ACCOUNTS_DATABASE_URL": postgres.url("accounts"),
        }
    env["LOCK_STORE_URL"] = settings.given("LOCK_STORE_URL")
    if not env["LOCK_STORE_URL"].startswith("redis"):
        lock_redis = LocalRedis(
            (PROD_FOLDER / "redis").resolve(),
            settings.port("REDIS_PORT"),
            kept_secret("REDIS_PASSWORD"),
        )
        own_server(lock_redis, "Redis", cleanups)
        env["LOCK_STORE_URL"] = lock_redis.url()
    return env


def main() -> int:
    ports = load_settings()
    if not model_path().exists():
        print("No model for the current data: run `make train` first.", file=sys.stderr)
        return 1
    processes = settings.count("RASA_PROCESSES")
    first_port = settings.port("RASA_PROCESS_PORT")
    rasa_ports = [first_port + index for index in range(processes)]
    PROD_FOLDER.mkdir(parents=True, exist_ok=True)
    cleanups: list[Callable[[], None]] = []
    supervisor = Supervisor()

    def start() -> None:
        supervisor.env.update(shared_stores(cleanups))
        supervisor.env["ACTION_WORKERS"] = settings.given("ACTION_WORKERS") or str(
            PROD_ACTION_WORKERS
        )
        supervisor.env["TICKET_LOCK_LIFETIME"] = str(TICKET_LOCK_LIFETIME_S)
        start_support_services(supervisor, ports)
        rasa_processes = []
        for number, port in enumerate(rasa_ports, start=1):
            process = rasa_server(ports, port=port, name=f"rasa server {number} (:{port})")
            # Each bridge answers the SMS it acknowledged itself, also after a restart; each
            # process replays the conversations it journaled during a database outage.
            process.env = {
                "SMS_BRIDGE_DB": str((PROD_FOLDER / f"sms-{number}.sqlite3").resolve()),
                "TRACKER_JOURNAL": str((PROD_FOLDER / f"journal-{number}.sqlite3").resolve()),
            }
            process.restart = True
            supervisor.launch(process)  # all load the model at once
            rasa_processes.append(process)
        for process in rasa_processes:
            supervisor.wait_ready(process)
        balancer = LocalNginx((PROD_FOLDER / "nginx").resolve(), ports.rasa_port, rasa_ports)
        balancer.start("/webhooks/rest/")
        assert balancer.process is not None
        supervisor.adopt(balancer.process)
        print(
            f"[run] assistant ready ({processes} Rasa processes behind nginx) — web chat:"
            f" {ports.rasa_url}/webchat · REST: {ports.rasa_url}/webhooks/rest/webhook"
            " — Ctrl-C stops everything",
            flush=True,
        )

    return supervise(supervisor, start, cleanups)


if __name__ == "__main__":
    sys.exit(main())
