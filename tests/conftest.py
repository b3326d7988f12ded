"""Shared fixtures: the real assistant, started once per test session like `make run` does."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bot.accounts.client import AccountClient
from bot.accounts.store import AccountStore
from bot.cluster.postgres import LocalPostgres
from bot.ports import free_port
from bot.settings import sqlite_url

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 240
# The demo customers (bot/accounts/seed.yml) and their service passwords.
DEMO_PASSWORDS = {"13800138000": "258013", "13900139000": "369024", "13700137000": "147036"}
DEMO_NUMBERS = tuple(DEMO_PASSWORDS)


@dataclass
class RunningService:
    """The mock account service in its own process, as `make run` starts it."""

    url: str
    token: str
    db_path: Path
    log_path: Path

    def client(self, timeout_s: float = 3.0) -> AccountClient:
        return AccountClient(self.url, self.token, timeout_s=timeout_s)


@contextmanager
def running_account_service(folder: Path) -> Iterator[RunningService]:
    """`python -m bot.accounts` on a free port with a fresh database in `folder`."""
    port, token = free_port(), uuid.uuid4().hex
    db_path = folder / "not-yet" / "accounts.sqlite3"  # the service creates the folder
    log_path = folder / "service.log"
    env = {
        **os.environ,
        "ACCOUNTS_HOST": "127.0.0.1",
        "ACCOUNTS_PORT": str(port),
        "ACCOUNTS_DB": str(db_path),
        "ACCOUNTS_TOKEN": token,
    }
    running = RunningService(f"http://127.0.0.1:{port}", token, db_path, log_path)
    with service_process("bot.accounts", env, log_path, f"{running.url}/health"):
        yield running


@contextmanager
def service_process(
    module: str, env: dict[str, str], log_path: Path, health_url: str
) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m MODULE` as `make run` starts it, ready once `health_url` answers; stopped
    with Ctrl-C (SIGINT) at the end. Its output is appended to `log_path`."""
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", module], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{module} exited: {log_path.read_text()}")
            try:
                if requests.get(health_url, timeout=1).ok:
                    break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"not ready in 30 s: {log_path.read_text()}") from None
                time.sleep(0.1)  # polling for start-up, not waiting for a result
        yield process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class RunningAssistant:
    process: subprocess.Popen[bytes]
    rasa_port: int
    action_port: int
    accounts_db: Path
    log_path: Path
    desk_url: str
    agent_token: str
    sms_gateway_url: str
    sms_webhook_secret: str

    def agent(self, method: str, path: str, **body: object) -> requests.Response:
        """A human agent using the agent desk's API."""
        return requests.request(
            method,
            f"{self.desk_url}{path}",
            json=body or None,
            headers={"Authorization": f"Bearer {self.agent_token}"},
            timeout=10,
        )

    @property
    def rest_url(self) -> str:
        return f"http://localhost:{self.rasa_port}/webhooks/rest/webhook"

    def say(self, sender: str, text: str) -> list[dict]:
        response = requests.post(
            self.rest_url, json={"sender": sender, "message": text}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def unlock_demo_accounts(self) -> None:
        """What an operator does after a lock-out, so each case starts with no lock."""
        store = AccountStore(self.accounts_db)
        for number in DEMO_NUMBERS:
            store.unlock(number)

    def restore_demo_cailing(self) -> None:
        """13800138000 has 彩铃 again after a case that unsubscribed it, so that cases do not
        depend on their order."""
        store = AccountStore(self.accounts_db)
        active = {service["code"] for service in store.services(DEMO_NUMBERS[0])["services"]}
        if "cailing" not in active:
            store.subscribe(DEMO_NUMBERS[0], "cailing")

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


def start_assistant(
    log_path: Path,
    accounts_url: str | None = None,
    extra_env: dict[str, str] | None = None,
    module: str = "bot.cli.run",
) -> RunningAssistant:
    """Starts `python -m bot.cli.run` (what `make run` runs; `module` bot.cli.run_prod for
    `make run-prod`) on free ports, with fresh databases beside the log (the same folder
    twice: a restart); waits until ready. `accounts_url` points the actions at another account
    service (one that fails, say) than the one started; `extra_env` sets more of the
    environment."""
    rasa_port, action_port, accounts_port, desk_port, sms_port = (free_port() for _ in range(5))
    accounts_db = log_path.parent / "accounts.sqlite3"
    agent_token = uuid.uuid4().hex
    env = {
        **os.environ,
        "RASA_PORT": str(rasa_port),
        "ACTION_PORT": str(action_port),
        "ACCOUNTS_PORT": str(accounts_port),
        "ACCOUNTS_DB": str(accounts_db),
        "HANDOFF_PORT": str(desk_port),
        "HANDOFF_DB": str(log_path.parent / "handoff.sqlite3"),
        "AGENT_TOKEN": agent_token,
        "SMS_GATEWAY_PORT": str(sms_port),
        "SMS_GATEWAY_DB": str(log_path.parent / "smsgateway.sqlite3"),
        "SMS_BRIDGE_DB": str(log_path.parent / "sms.sqlite3"),
        "SMS_WEBHOOK_SECRET": uuid.uuid4().hex,
        "TRACKER_STORE_URL": sqlite_url(log_path.parent / "tracker.sqlite3"),
        "LOCK_STORE_URL": "memory://",
    }
    for inherited in (
        "ACCOUNTS_DATABASE_URL",
        "ACCOUNTS_TOKEN",
        "ACTION_TOKEN",
        "ACCOUNTS_URL",
        "HANDOFF_TOKEN",
        "HANDOFF_URL",
        "SMS_GATEWAY_URL",
        "SMS_GATEWAY_SEND_URL",
        "SMS_GATEWAY_KEY",
        "WEBCHAT_ORIGINS",
    ):
        env.pop(inherited, None)
    if accounts_url:
        env["ACCOUNTS_URL"] = accounts_url
    env.update(extra_env or {})
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", module], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    assistant = RunningAssistant(
        process,
        rasa_port,
        action_port,
        accounts_db,
        log_path,
        f"http://127.0.0.1:{desk_port}",
        agent_token,
        f"http://127.0.0.1:{sms_port}",
        env["SMS_WEBHOOK_SECRET"],
    )
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"assistant exited early; see {log_path}")
        try:
            if requests.get(assistant.rest_url.removesuffix("webhook"), timeout=2).ok:
                return assistant
        except requests.RequestException:
            pass
        time.sleep(0.5)
    assistant.stop()
    raise RuntimeError(f"assistant not ready after {READY_TIMEOUT_S} s; see {log_path}")


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAssistant]:
    running = start_assistant(tmp_path_factory.mktemp("assistant") / "run.log")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def local_postgres() -> Iterator[LocalPostgres]:
    """A PostgreSQL server of the tests' own (bot/cluster/postgres.py) in a temporary folder on
    a free port, installed with apt-get first when missing and we are root. Without it the
    PostgreSQL tests are skipped, except in CI, which must run them."""
    folder = Path(tempfile.mkdtemp(prefix="pytest-postgres-"))
    folder.chmod(0o755)  # as root the server runs as the postgres OS user, who must reach it
    server = LocalPostgres(
        folder / "data",
        free_port(),
        uuid.uuid4().hex,
        # Throw-away data: no need to survive a crash of the machine.
        settings={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"},
    )
    try:
        server.start()
    except RuntimeError as error:
        shutil.rmtree(folder, ignore_errors=True)
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {error}", pytrace=False)
        pytest.skip(f"no PostgreSQL server for the tests: {error}")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """Accepts connections and never answers."""
    release = asyncio.Event()

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await release.wait()
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    release.set()
    server.close()
    await server.wait_closed()


@pytest.fixture
def sender() -> str:
    """A new conversation for each test."""
    return f"test-{uuid.uuid4().hex[:12]}"


def texts(messages: list[dict]) -> str:
    """Everything a customer sees of the replies: texts and button titles."""
    parts: list[str] = []
    for message in messages:
        if message.get("text"):
            parts.append(message["text"])
        parts.extend(str(button.get("title", "")) for button in message.get("buttons") or [])
    return "\n".join(parts)
