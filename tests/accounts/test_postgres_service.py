"""The account service (`python -m bot.accounts`) on PostgreSQL, as the production profile runs
it: several processes on one database (ACCOUNTS_DATABASE_URL), and a database restart."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from bot import settings
from bot.cluster.postgres import LocalPostgres
from bot.processes import Process, python_module, stop_all
from bot.sql_store import connect
from tests.accounts.test_store import PASSWORDS, WANG_FANG, ZHANG_WEI
from tests.conftest import SERVICE_READY_TIMEOUT_S, free_port, run_module, service_environment


@dataclass
class Service:
    url: str
    token: str
    process: Process

    def call(self, method: str, path: str, **body: Any) -> tuple[int, dict[str, Any]]:
        response = requests.request(
            method,
            self.url + path,
            json=body or None,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )
        assert response.headers["content-type"] == "application/json", response.text
        return response.status_code, response.json()


@contextmanager
def services(database_url: str, folder: Path, count: int) -> Iterator[list[Service]]:
    """`count` service processes started together on one (empty) database, ready when all
    answer /health; stopped with Ctrl-C at the end."""
    started: list[Service] = []
    try:
        for index in range(count):
            port, token = free_port(), uuid.uuid4().hex
            unused = folder / "unused.sqlite3"  # the URL wins
            env = service_environment(
                "ACCOUNTS", port, unused, ACCOUNTS_DATABASE_URL=database_url, ACCOUNTS_TOKEN=token
            )
            url = f"http://127.0.0.1:{port}"
            process = Process(
                f"service {index}",
                python_module("bot.accounts"),
                env,
                f"{url}/health",
                folder / f"service-{index}.log",
            )
            started.append(Service(url, token, process.start()))
        for service in started:
            service.process.wait_ready(SERVICE_READY_TIMEOUT_S)
        yield started
    finally:
        stop_all([service.process for service in started])


@pytest.fixture
def database(local_postgres: LocalPostgres) -> Iterator[str]:
    name = f"test_service_{uuid.uuid4().hex[:12]}"
    local_postgres.create_database(name)
    yield local_postgres.url(name)
    local_postgres.drop_database(name)


def count(database_url: str, query: str) -> int:
    with closing(connect(database_url)) as conn:
        return conn.execute(query).fetchone()[0]


def operator_command(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot.accounts ARGS` on the PostgreSQL database, as an operator runs it."""
    done = run_module(
        "bot.accounts", {**settings.environment(), "ACCOUNTS_DATABASE_URL": database}, *args
    )
    done.check_returncode()
    return done


def test_two_services_seed_once_and_share_the_lock_out(database: str, tmp_path: Path) -> None:
    with services(database, tmp_path, 2) as (first, second):
        assert count(database, "SELECT count(*) FROM accounts") == 3
        assert count(database, "SELECT count(*) FROM meta WHERE key = 'seeded_on'") == 1
        assert count(database, "SELECT count(*) FROM bills") == 3
        assert not (tmp_path / "unused.sqlite3").exists()

        # Wrong passwords through either process count together; the lock holds in both.
        verify = f"/v1/accounts/{WANG_FANG}/verify"
        assert first.call("POST", verify, password="000000") == (
            403,
            {"error": "wrong_password", "message": "Wrong service password.", "attempts_left": 2},
        )
        assert second.call("POST", verify, password="000000")[1]["attempts_left"] == 1
        status, body = first.call("POST", verify, password="000000")
        assert (status, body["error"]) == (423, "locked")
        status, body = second.call("POST", verify, password=PASSWORDS[WANG_FANG])
        assert (status, body["error"]) == (423, "locked")

        # The operator's unlock reaches both.
        unlocked = operator_command(database, "unlock", WANG_FANG)
        assert unlocked.stdout.strip() == f"{WANG_FANG} unlocked."
        assert second.call("POST", verify, password=PASSWORDS[WANG_FANG]) == (
            200,
            {"verified": True},
        )

        # A write through one is read through the other.
        assert first.call("DELETE", f"/v1/accounts/{ZHANG_WEI}/services/cailing")[0] == 200
        _, listed = second.call("GET", f"/v1/accounts/{ZHANG_WEI}/services")
        assert [s["code"] for s in listed["services"]] == ["caller_id"]

    # The operator's reset drops the tables: the next start seeds afresh.
    reset = operator_command(database, "reset")
    assert reset.stdout.startswith("Dropped the account tables in postgresql://assistant:***@")
    assert count(database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0


def test_a_database_restart_is_a_503_then_served_again(
    database: str, local_postgres: LocalPostgres, tmp_path: Path
) -> None:
    summary = f"/v1/accounts/{ZHANG_WEI}"
    with services(database, tmp_path, 2) as (first, second):
        assert first.call("GET", summary)[0] == 200
        assert second.call("GET", summary)[0] == 200
        local_postgres.stop()
        try:
            status, body = first.call("GET", summary)
            assert (status, body["error"]) == (503, "unavailable")
            assert body["message"] == "The account database cannot be reached; try again shortly."
            status, body = second.call("POST", f"/v1/accounts/{ZHANG_WEI}/verify", password="1")
            assert status == 400  # refused before any look-up
            status, body = second.call(
                "POST", f"/v1/accounts/{ZHANG_WEI}/verify", password="000000"
            )
            assert (status, body["error"]) == (503, "unavailable")
        finally:
            local_postgres.start()
        # The first request after the restart is served (each process reconnects by itself).
        assert first.call("GET", summary)[0] == 200
        status, body = second.call("POST", f"/v1/accounts/{ZHANG_WEI}/verify", password="000000")
        assert (status, body["attempts_left"]) == (403, 2)  # the failed call counted nothing
        assert first.call("GET", "/health") == (200, {"status": "ok"})
    logs = "".join(service.process.log_path.read_text() for service in (first, second))
    assert "Traceback" not in logs
    assert local_postgres.password not in logs
    assert ZHANG_WEI not in logs  # numbers are masked
