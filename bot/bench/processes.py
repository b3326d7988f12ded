"""Starts the two profiles on free ports, measures start-up to a real answer, reads memory.

Ours is `python -m bot.cli.run` with the environment the tests start it with
(`bot.settings.stack_environment`). The baseline is what a plain Rasa deployment of the same
model runs: `rasa run` with Rasa's defaults (its own REST channel, in-memory tracker and lock
stores) and the same action server, account service and agent desk as separate processes,
started in the order the supervisor starts them.
"""

from __future__ import annotations

import json
import signal
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.cli import rasa_command, rasa_environment
from bot.ports import consecutive_free_ports, free_port
from bot.processes import Process, python_module, stop_all
from bot.settings import STACK_PORTS, fresh_environment, stack_environment

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 240
STOP_TIMEOUT_S = 30
PROBE_TEXT = "彩铃怎么收费"
PROBE_EXPECT = "元"


# -- /proc ---------------------------------------------------------------------------------


def rss_mb(pid: int) -> float | None:
    """Resident memory (VmRSS) in MB; None when the process is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants, parents first."""
    tree, queue = [], [pid]
    while queue:
        current = queue.pop(0)
        tree.append(current)
        queue.extend(children(current))
    return tree


def process_name(pid: int) -> str:
    """What the process runs: "bot.accounts", "rasa run", "rasa run actions", "bot.cli.run"."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return str(pid)
    if "-m" in argv:
        module, rest = argv[argv.index("-m") + 1], argv[argv.index("-m") + 2 :]
        if module == "rasa":
            words = [word for word in rest[:2] if word and not word.startswith("-")]
            return " ".join(["rasa", *words[:2]])
        return module
    if not argv or not argv[0]:
        return str(pid)
    # A server's process title ("nginx: worker process", "postgres: checkpointer",
    # "redis-server 127.0.0.1:6380"): its program's name.
    return Path(argv[0].split()[0]).name.rstrip(":")


def memory(pids: list[int]) -> dict[str, float]:
    """RSS in MB by what the processes run; several processes of one kind are summed and
    counted ("rasa run ×2")."""
    totals: dict[str, float] = {}
    counts: dict[str, int] = {}
    for pid in pids:
        mb = rss_mb(pid)
        if mb is None:
            continue
        name = process_name(pid)
        totals[name] = totals.get(name, 0.0) + mb
        counts[name] = counts.get(name, 0) + 1
    return {
        (name if counts[name] == 1 else f"{name} ×{counts[name]}"): round(mb, 1)
        for name, mb in totals.items()
    }


# -- readiness -----------------------------------------------------------------------------


def answers(rest_url: str, timeout_s: float = 5.0) -> bool:
    """The REST channel answers a real question with a price (a fresh conversation each time)."""
    body = json.dumps({"sender": f"bench-ready-{uuid.uuid4().hex}", "message": PROBE_TEXT})
    request = urllib.request.Request(
        rest_url, body.encode(), {"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            replies = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return any(PROBE_EXPECT in str(reply.get("text") or "") for reply in replies)


# -- profiles ------------------------------------------------------------------------------


@dataclass
class Profile:
    """A running profile: where customers reach it, how long it took, what to stop."""

    name: str
    rest_url: str
    log_path: Path
    processes: list[Process] = field(default_factory=list)
    startup_s: float | None = None
    # Servers the profile started as daemons (PostgreSQL), not as children: their main pids.
    daemons: Callable[[], list[int]] = lambda: []

    def pids(self) -> list[int]:
        roots = [process.pid for process in self.processes if process.popen] + self.daemons()
        return [pid for root in roots for pid in process_tree(root)]

    def memory(self) -> dict[str, float]:
        """RSS MB of each process serving the profile (a supervisor's children included)."""
        return memory(self.pids())

    def stop(self) -> None:
        """Ctrl-C to each process we started, the last started first; killed if it hangs."""
        stop_all(self.processes, signal.SIGINT, STOP_TIMEOUT_S)


def start_prod(folder: Path, log_path: Path) -> Profile:
    """`python -m bot.cli.run_prod` as `make run-prod` starts it: our own PostgreSQL and Redis
    in `folder` (created afresh, so start-up includes making the databases), two Rasa
    processes behind nginx."""
    first = consecutive_free_ports(2)  # RASA_PROCESSES' default

    def postgres() -> list[int]:
        """PostgreSQL's postmaster (its first pid-file line), when it runs."""
        try:
            return [int((folder / "prod" / "postgres" / "postmaster.pid").read_text().split()[0])]
        except (OSError, ValueError, IndexError):
            return []

    profile = start_ours(
        folder,
        log_path,
        name="prod",
        module="bot.cli.run_prod",
        extra_env={
            "PROD_DATA_DIR": str(folder / "prod"),
            "RASA_PROCESS_PORT": str(first),
            "POSTGRES_PORT": str(free_port()),
            "REDIS_PORT": str(free_port()),
        },
    )
    profile.daemons = postgres
    return profile


def start_ours(
    folder: Path,
    log_path: Path,
    name: str = "ours",
    module: str = "bot.cli.run",
    extra_env: dict[str, str] | None = None,
) -> Profile:
    """`python -m bot.cli.run` as `make run` starts it (or `module`), on free ports with fresh
    databases in `folder`; `startup_s` is spawn → the REST channel answering a real question."""
    folder.mkdir(parents=True, exist_ok=True)
    ports = {setting: free_port() for setting in STACK_PORTS}
    env = {**stack_environment(folder, ports), "AGENT_TOKEN": uuid.uuid4().hex, **(extra_env or {})}
    if module != "bot.cli.run":  # the production profile chooses its own stores
        for variable in ("TRACKER_STORE_URL", "LOCK_STORE_URL", "ACCOUNTS_DATABASE_URL"):
            env.pop(variable, None)
    rest_url = f"http://127.0.0.1:{ports['RASA_PORT']}/webhooks/rest/webhook"
    profile = Profile(name, rest_url, log_path)
    log_path.unlink(missing_ok=True)
    process = Process(name, python_module(module), env, log_path=log_path).start()
    profile.processes.append(process)
    try:
        profile.startup_s = process.wait_until(lambda: answers(rest_url), READY_TIMEOUT_S)
    except BaseException:
        profile.stop()
        raise
    return profile


BASELINE_ENDPOINTS = """\
# Only the action server: Rasa's defaults for everything else (in-memory tracker and locks).
action_endpoint:
  url: ${ACTION_ENDPOINT_URL}
  token: ${ACTION_TOKEN}
"""
BASELINE_CREDENTIALS = "rest:\n"


def start_baseline(folder: Path, log_path: Path, model: Path) -> Profile:
    """Account service, agent desk and action server as the supervisor starts them, then a
    plain `rasa run` of `model`; `startup_s` is the first spawn → a real answer."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "endpoints.yml").write_text(BASELINE_ENDPOINTS, encoding="utf-8")
    (folder / "credentials.yml").write_text(BASELINE_CREDENTIALS, encoding="utf-8")
    ports = {name: free_port() for name in ("rasa", "action", "accounts", "handoff")}
    accounts_url = f"http://127.0.0.1:{ports['accounts']}"
    handoff_url = f"http://127.0.0.1:{ports['handoff']}"
    env = {
        **fresh_environment(rasa_environment()),  # what the supervisor gives its children
        "ACCOUNTS_PORT": str(ports["accounts"]),
        "ACCOUNTS_DB": str(folder / "accounts.sqlite3"),
        "ACCOUNTS_TOKEN": uuid.uuid4().hex,
        "ACCOUNTS_URL": accounts_url,
        "HANDOFF_PORT": str(ports["handoff"]),
        "HANDOFF_DB": str(folder / "handoff.sqlite3"),
        "HANDOFF_TOKEN": uuid.uuid4().hex,
        "HANDOFF_URL": handoff_url,
        "AGENT_TOKEN": uuid.uuid4().hex,
        "ACTION_PORT": str(ports["action"]),
        "ACTION_TOKEN": uuid.uuid4().hex,
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{ports['action']}/webhook",
    }
    rest_url = f"http://127.0.0.1:{ports['rasa']}/webhooks/rest/webhook"
    profile = Profile("baseline", rest_url, log_path)
    services = [
        Process(
            "account service",
            python_module("bot.accounts"),
            env,
            f"{accounts_url}/health",
            log_path,
        ),
        Process("agent desk", python_module("bot.handoff"), env, f"{handoff_url}/health", log_path),
        Process(
            "action server",
            python_module("bot.actionserver"),
            env,
            f"http://127.0.0.1:{ports['action']}/health",
            log_path,
        ),
    ]
    rasa = rasa_command(
        "run", "--model", str(model), "--port", str(ports["rasa"]),
        "--credentials", str(folder / "credentials.yml"),
        "--endpoints", str(folder / "endpoints.yml"),
    )  # fmt: skip
    log_path.unlink(missing_ok=True)
    started = time.monotonic()
    try:
        for service in services:
            profile.processes.append(service.start())
            service.wait_ready(READY_TIMEOUT_S, profile.processes)
        server = Process("rasa run", rasa, env, log_path=log_path).start()
        profile.processes.append(server)
        server.wait_until(lambda: answers(rest_url), READY_TIMEOUT_S, profile.processes)
    except BaseException:
        profile.stop()
        raise
    profile.startup_s = time.monotonic() - started
    return profile
