"""Shared fixtures: the real assistant, started once per test session like `make run` does."""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bot import settings
from bot.accounts.client import AccountClient
from bot.accounts.store import AccountStore
from bot.cluster.postgres import LocalPostgres
from bot.ports import free_port
from bot.processes import NotReady, Process, is_up, python_module
from bot.settings import STACK_PORTS, sqlite_url, stack_environment

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 240
SERVICE_READY_TIMEOUT_S = 30
# The demo customers (bot/accounts/seed.yml) and their service passwords.
DEMO_PASSWORDS = {"13800138000": "258013", "13900139000": "369024", "13700137000": "147036"}
DEMO_NUMBERS = tuple(DEMO_PASSWORDS)


@dataclass(frozen=True)
class Served:
    """A service in its own process (`serving_module`): where it answers, its database, its
    log."""

    url: str
    db_path: Path
    log_path: Path


@dataclass(frozen=True)
class RunningService(Served):
    """The mock account service in its own process, as `make run` starts it."""

    token: str

    def client(self, timeout_s: float = 3.0) -> AccountClient:
        return AccountClient(self.url, self.token, timeout_s=timeout_s)


def service_environment(prefix: str, port: int, database: Path, **values: str) -> dict[str, str]:
    """One service's environment as `make run` gives it: PREFIX_HOST, _PORT and _DB (loopback,
    `port`, its SQLite file) and `values` (its secrets, say), over this process's environment
    without the per-run values a parent shell may hold."""
    return {
        **settings.fresh_environment(),
        f"{prefix}_HOST": "127.0.0.1",
        f"{prefix}_PORT": str(port),
        f"{prefix}_DB": str(database),
        **values,
    }


@contextmanager
def serving_module(module: str, prefix: str, folder: Path, **values: str) -> Iterator[Served]:
    """`python -m MODULE` on a free loopback port, with a fresh database (in a folder the
    service creates) and its log in `folder`, and `values` in its environment."""
    port, name = free_port(), prefix.lower()
    served = Served(
        f"http://127.0.0.1:{port}", folder / "not-yet" / f"{name}.sqlite3", folder / f"{name}.log"
    )
    env = service_environment(prefix, port, served.db_path, **values)
    with service_process(module, env, served.log_path, f"{served.url}/health"):
        yield served


@contextmanager
def running_account_service(folder: Path) -> Iterator[RunningService]:
    """`python -m bot.accounts` on a free port with a fresh database in `folder`."""
    token = uuid.uuid4().hex
    with serving_module("bot.accounts", "ACCOUNTS", folder, ACCOUNTS_TOKEN=token) as served:
        yield RunningService(served.url, served.db_path, served.log_path, token)


@contextmanager
def service_process(
    module: str, env: dict[str, str], log_path: Path, health_url: str
) -> Iterator[Process]:
    """`python -m MODULE` as `make run` starts it, ready once `health_url` answers; stopped
    with Ctrl-C (SIGINT) at the end. Its output is appended to `log_path`."""
    process = Process(module, python_module(module), env, health_url, log_path).start()
    try:
        process.wait_ready(SERVICE_READY_TIMEOUT_S)
        yield process
    finally:
        process.stop()


def run_module(
    module: str, env: dict[str, str], *args: str, timeout_s: float = 60
) -> subprocess.CompletedProcess[str]:
    """`python -m MODULE ARGS` to its end, as an operator runs it (or as a service refuses to
    start), with its output captured as text."""
    return subprocess.run(
        python_module(module, *args),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


@dataclass
class RunningAssistant:
    process: Process
    rasa_port: int
    action_port: int
    accounts_db: Path
    log_path: Path
    desk_url: str
    agent_token: str
    sms_gateway_url: str
    sms_webhook_secret: str

    @property
    def tracker_url(self) -> str:
        """The tracker store (beside the log, as `start_assistant` set it up)."""
        return sqlite_url(self.log_path.parent / "tracker.sqlite3")

    def agent(self, method: str, path: str, **body: object) -> requests.Response:
        """A human agent using the agent desk's API."""
        return self.desk(method, path, self.agent_token, **body)

    def desk(
        self, method: str, path: str, token: str, timeout: float = 10, **body: object
    ) -> requests.Response:
        """The agent desk's server, with `token` (the agents', or the operators' for /ops)."""
        return requests.request(
            method,
            f"{self.desk_url}{path}",
            json=body or None,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )

    def on_duty(self, agent: str = "值班坐席", online: bool = True) -> dict:
        """What an open desk page reports every 10 s: the agent is online (or, `online`
        false, has logged out). Without an agent online a handoff is answered at once."""
        response = self.agent("POST", "/api/presence", agent=agent, online=online)
        response.raise_for_status()
        return response.json()

    def nobody_on_duty(self) -> None:
        """Every agent logged out, as at night."""
        for agent in self.on_duty()["online"]:
            self.on_duty(agent, online=False)

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
        return self.process.stop(sig, timeout)


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
    ports = {setting: free_port() for setting in STACK_PORTS}
    agent_token = uuid.uuid4().hex
    env = {
        **stack_environment(log_path.parent, ports),
        "AGENT_TOKEN": agent_token,
        "SMS_WEBHOOK_SECRET": uuid.uuid4().hex,
    }
    if accounts_url:
        env["ACCOUNTS_URL"] = accounts_url
    env.update(extra_env or {})
    log_path.unlink(missing_ok=True)
    process = Process(module, python_module(module), env, log_path=log_path).start()
    assistant = RunningAssistant(
        process,
        ports["RASA_PORT"],
        ports["ACTION_PORT"],
        log_path.parent / "accounts.sqlite3",
        log_path,
        f"http://127.0.0.1:{ports['HANDOFF_PORT']}",
        agent_token,
        f"http://127.0.0.1:{ports['SMS_GATEWAY_PORT']}",
        env["SMS_WEBHOOK_SECRET"],
    )
    try:
        process.wait_until(
            lambda: is_up(assistant.rest_url.removesuffix("webhook")), READY_TIMEOUT_S
        )
    except NotReady as error:
        assistant.stop()
        raise RuntimeError(f"assistant not started: {error}") from None
    return assistant


@contextmanager
def running_assistant(
    log_path: Path, accounts_url: str | None = None
) -> Iterator[RunningAssistant]:
    """`start_assistant`, stopped at the end."""
    running = start_assistant(log_path, accounts_url)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAssistant]:
    with running_assistant(tmp_path_factory.mktemp("assistant") / "run.log") as running:
        yield running


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
        if settings.given("CI"):
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
