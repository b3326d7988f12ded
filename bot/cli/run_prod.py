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
import os
import secrets
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from bot.cli.run import (
    Supervisor,
    child_environment,
    raise_keyboard_interrupt,
    rasa_server,
    start_support_services,
)
from bot.cli.train import model_path
from bot.cluster.nginx import LocalNginx
from bot.cluster.postgres import LocalPostgres
from bot.cluster.redis import LocalRedis
from bot.settings import env_count, env_port, load_settings

PROD_FOLDER = Path(os.environ.get("PROD_DATA_DIR") or "var/prod")
# A ticket of a process killed mid-message blocks its conversation this long (Rasa's default
# is 60 s); every turn must finish well within it (account calls time out after 3 s).
TICKET_LOCK_LIFETIME_S = 20


def kept_secret(name: str) -> str:
    """From the environment, else the one made up on the first start (var/prod/secrets.json)."""
    if os.environ.get(name):
        return os.environ[name]
    path = PROD_FOLDER / "secrets.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    if name not in stored:
        stored[name] = secrets.token_urlsafe(24)
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text(json.dumps(stored, indent=2))
    return stored[name]


def shared_stores(cleanups: list[Callable[[], None]]) -> dict[str, str]:
    """The addresses of the databases and the lock store: given, or our own servers."""
    env: dict[str, str] = {}
    given = {
        name: os.environ.get(name, "") for name in ("TRACKER_STORE_URL", "ACCOUNTS_DATABASE_URL")
    }
    if all(value.startswith("postgresql") for value in given.values()):
        env.update(given)
    else:
        postgres = LocalPostgres(
            (PROD_FOLDER / "postgres").resolve(),
            env_port("POSTGRES_PORT", 5433),
            kept_secret("POSTGRES_PASSWORD"),
        )
        postgres.start()
        cleanups.append(postgres.stop)
        for database in ("tracker", "accounts"):
            postgres.create_database(database)
        env["TRACKER_STORE_URL"] = postgres.url("tracker")
        env["ACCOUNTS_DATABASE_URL"] = postgres.url("accounts")
        print(f"[run] PostgreSQL ready on 127.0.0.1:{postgres.port}", flush=True)
    if os.environ.get("LOCK_STORE_URL", "").startswith("redis"):
        env["LOCK_STORE_URL"] = os.environ["LOCK_STORE_URL"]
    else:
        lock_redis = LocalRedis(
            (PROD_FOLDER / "redis").resolve(),
            env_port("REDIS_PORT", 6380),
            kept_secret("REDIS_PASSWORD"),
        )
        lock_redis.start()
        cleanups.append(lock_redis.stop)
        env["LOCK_STORE_URL"] = lock_redis.url()
        print(f"[run] Redis ready on 127.0.0.1:{lock_redis.port}", flush=True)
    return env


def main() -> int:
    settings = load_settings()
    if not model_path().exists():
        print("No model for the current data: run `make train` first.", file=sys.stderr)
        return 1
    processes = env_count("RASA_PROCESSES", 2)
    first_port = env_port("RASA_PROCESS_PORT", 5101)
    rasa_ports = [first_port + index for index in range(processes)]
    signal.signal(signal.SIGINT, raise_keyboard_interrupt)
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    PROD_FOLDER.mkdir(parents=True, exist_ok=True)
    cleanups: list[Callable[[], None]] = []
    supervisor: Supervisor | None = None
    try:
        env = {
            **child_environment(settings),
            **shared_stores(cleanups),
            "ACTION_WORKERS": os.environ.get("ACTION_WORKERS") or "2",
            "TICKET_LOCK_LIFETIME": str(TICKET_LOCK_LIFETIME_S),
        }
        supervisor = Supervisor(settings, env)
        start_support_services(supervisor, settings)
        rasa_processes = []
        for number, port in enumerate(rasa_ports, start=1):
            process = rasa_server(settings, port=port, name=f"rasa server {number} (:{port})")
            # Each bridge answers the SMS it acknowledged itself, also after a restart.
            process.env = {"SMS_BRIDGE_DB": str((PROD_FOLDER / f"sms-{number}.sqlite3").resolve())}
            process.restart = True
            supervisor.launch(process)  # all load the model at once
            rasa_processes.append(process)
        for process in rasa_processes:
            supervisor.wait_ready(process)
        balancer = LocalNginx((PROD_FOLDER / "nginx").resolve(), settings.rasa_port, rasa_ports)
        balancer.start("/webhooks/rest/")
        assert balancer.process is not None
        supervisor.adopt("nginx", balancer.process)
        print(
            f"[run] assistant ready ({processes} Rasa processes behind nginx) — web chat:"
            f" {settings.rasa_url}/webchat · REST: {settings.rasa_url}/webhooks/rest/webhook"
            " — Ctrl-C stops everything",
            flush=True,
        )
        return supervisor.wait()
    except KeyboardInterrupt:
        return 0
    except RuntimeError as error:
        print(f"[run] {error}", file=sys.stderr)
        return 1
    finally:
        if supervisor is not None:
            supervisor.stop()
        for cleanup in reversed(cleanups):
            cleanup()


if __name__ == "__main__":
    sys.exit(main())
