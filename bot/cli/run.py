"""Starts every process the assistant needs in the foreground; Ctrl-C stops them all.

    python -m bot.cli.run          # account service, agent desk, mock SMS gateway,
                                   # action server, Rasa server
    python -m bot.cli.run shell    # the same, with `rasa shell` in this terminal

Ports and the rest come from the environment (docs/configuration.md). Run
`python -m bot.cli.train` first (`make run` and `make shell` do).
"""

from __future__ import annotations

import argparse
import secrets
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot import settings as config
from bot.cli import rasa_command, rasa_environment
from bot.cli.train import model_path
from bot.processes import NotReady, Process, is_up, python_module, stop_all
from bot.settings import Settings, load_settings

READY_TIMEOUT_S = 180
STOP_TIMEOUT_S = 15
RESTARTS_PER_MINUTE = 3


def service(name: str, module: str, port: int) -> Process:
    """One of our Python services, ready when its /health answers."""
    return Process(name, python_module(module), {}, f"http://127.0.0.1:{port}/health")


def account_service(settings: Settings) -> Process:
    return service("account service", "bot.accounts", settings.accounts_port)


def agent_desk(settings: Settings) -> Process:
    return service("agent desk", "bot.handoff", settings.handoff_port)


def sms_gateway(settings: Settings) -> Process:
    return service("SMS gateway (mock)", "bot.smsgateway", settings.sms_gateway_port)


def action_server(settings: Settings) -> Process:
    # rasa_sdk's app behind ACTION_TOKEN
    return service("action server", "bot.actionserver", settings.action_port)


def rasa_server(settings: Settings, port: int | None = None, name: str = "rasa server") -> Process:
    """`port` given: one of several processes behind the balancer, on loopback only."""
    listen = ["--port", str(settings.rasa_port)]
    health_url = f"{settings.rasa_url}/webhooks/rest/"
    if port is not None:
        listen = ["--port", str(port), "--interface", "127.0.0.1"]
        health_url = f"http://127.0.0.1:{port}/webhooks/rest/"
    return Process(
        name,
        rasa_command(
            "run",
            "--model",
            str(model_path()),
            *listen,
            "--credentials",
            "credentials.yml",
            "--endpoints",
            "endpoints.yml",
        ),
        {},
        health_url,
    )


def rasa_shell(settings: Settings) -> Process:
    return Process(
        "rasa shell",
        rasa_command(
            "shell",
            "--model",
            str(model_path()),
            "--port",
            str(settings.shell_port),
            "--endpoints",
            "endpoints.yml",
        ),
        {},
    )


# Made up for each run unless the environment gives them, so no fixed secret exists anywhere.
GENERATED_SECRETS = {
    "ACTION_TOKEN": 32,
    "ACCOUNTS_TOKEN": 32,
    "HANDOFF_TOKEN": 32,
    "AGENT_TOKEN": 12,  # typed by people
    "OPS_TOKEN": 12,
    "SMS_GATEWAY_KEY": 32,
    "SMS_WEBHOOK_SECRET": 32,
}
# Where the children find each other: derived from the ports unless given.
SHARED = (
    "ACTION_PORT",
    "ACTION_ENDPOINT_URL",
    "ACCOUNTS_PORT",
    "ACCOUNTS_URL",
    "HANDOFF_PORT",
    "HANDOFF_URL",
    "SMS_GATEWAY_PORT",
    "SMS_GATEWAY_URL",
    "SMS_GATEWAY_SEND_URL",
    "SMS_BRIDGE_URL",
    "TRACKER_STORE_URL",
    "LOCK_STORE_URL",
    "WEBCHAT_ORIGINS",
)


def child_environment() -> dict[str, str]:
    """What the children share: the addresses (bot/settings.py), and the secrets."""
    return {
        **rasa_environment(),
        **{name: config.value(name) for name in SHARED},
        **{
            name: config.given(name) or secrets.token_urlsafe(size)
            for name, size in GENERATED_SECRETS.items()
        },
    }


class Supervisor:
    """Owns the child processes: starts them in order, waits for each, stops all together.
    A process marked `restart` (the production profile's Rasa processes) is started again when
    it dies, as systemd or Kubernetes would, while the others go on serving."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = env if env is not None else child_environment()
        self._processes: list[Process] = []
        self._restarts: dict[str, list[float]] = {}

    def launch(self, process: Process) -> None:
        """Starts it without waiting for it to be ready, with the shared environment under
        its own."""
        if process.health_url and is_up(process.health_url):
            raise RuntimeError(
                f"something already answers at {process.health_url}: is the assistant running"
                " in another terminal? Stop it, or choose other ports (docs/configuration.md)."
            )
        process.env = {**self.env, **process.env}
        self._processes.append(process.start())

    def wait_ready(self, process: Process) -> None:
        try:
            seconds = process.wait_ready(READY_TIMEOUT_S)
        except NotReady as error:
            raise RuntimeError(str(error)) from None
        if process.health_url is not None:
            print(f"[run] {process.name} ready in {seconds:.1f} s", flush=True)

    def start(self, process: Process) -> None:
        self.launch(process)
        self.wait_ready(process)

    def adopt(self, process: Process) -> None:
        """Watches (and stops) a process started elsewhere, e.g. nginx."""
        self._processes.append(process)

    def wait(self) -> int:
        """Blocks until a child exits for good; returns its exit code."""
        while True:
            for process in self._processes:
                code = process.exit_code()
                if code is None:
                    continue
                print(f"[run] {process.name} exited with {code}", flush=True)
                if not (process.restart and self._may_restart(process.name)):
                    return code
                print(f"[run] starting {process.name} again", flush=True)
                self._processes.remove(process)
                process.health_url = None  # the balancer takes it back once it answers
                self.launch(process)
                break
            time.sleep(0.5)

    def _may_restart(self, name: str) -> bool:
        """At most RESTARTS_PER_MINUTE restarts a minute: a process that keeps dying is a
        fault to report, not to hide."""
        now = time.monotonic()
        recent = [at for at in self._restarts.get(name, []) if now - at < 60] + [now]
        self._restarts[name] = recent
        return len(recent) <= RESTARTS_PER_MINUTE

    def stop(self) -> None:
        stop_all(self._processes, signal.SIGTERM, STOP_TIMEOUT_S)


def start_support_services(supervisor: Supervisor, settings: Settings) -> None:
    """What every profile runs beside Rasa, in order: account service, agent desk (its agent
    token printed for the human agents, the operators' for the operator page), mock SMS
    gateway, action server."""
    supervisor.start(account_service(settings))
    supervisor.start(agent_desk(settings))
    print(
        f"[run] agent desk for human agents: http://localhost:{settings.handoff_port}/"
        f" — agent token: {supervisor.env['AGENT_TOKEN']}",
        flush=True,
    )
    print(
        f"[run] operator page: http://localhost:{settings.handoff_port}/ops"
        f" — operators' token: {supervisor.env['OPS_TOKEN']}",
        flush=True,
    )
    supervisor.start(sms_gateway(settings))
    supervisor.start(action_server(settings))


def raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def supervise(
    supervisor: Supervisor, start: Callable[[], None], cleanups: list[Callable[[], None]]
) -> int:
    """Runs `start` (which starts the processes and says where customers reach them), then
    serves until a child exits for good or Ctrl-C; stops every process, then runs `cleanups`
    (last added first). The exit code for the shell."""
    # SIGINT too: a shell that starts us in the background ignores it, and Python then
    # would not turn Ctrl-C into KeyboardInterrupt.
    signal.signal(signal.SIGINT, raise_keyboard_interrupt)
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    try:
        start()
        return supervisor.wait()
    except KeyboardInterrupt:
        return 0
    except RuntimeError as error:
        print(f"[run] {error}", file=sys.stderr)
        return 1
    finally:
        supervisor.stop()
        for cleanup in reversed(cleanups):
            cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", choices=["serve", "shell"], default="serve")
    args = parser.parse_args()
    settings = load_settings()
    if not model_path().exists():
        print("No model for the current data: run `make train` first.", file=sys.stderr)
        return 1
    Path("var").mkdir(exist_ok=True)
    supervisor = Supervisor()

    def start() -> None:
        start_support_services(supervisor, settings)
        if args.mode == "shell":
            supervisor.start(rasa_shell(settings))
            return
        supervisor.start(rasa_server(settings))
        print(
            f"[run] assistant ready — web chat: {settings.rasa_url}/webchat"
            f" · REST: {settings.rasa_url}/webhooks/rest/webhook"
            " · SMS: make sms FROM=<number> TEXT=查余额 — Ctrl-C stops everything",
            flush=True,
        )

    return supervise(supervisor, start, [])


if __name__ == "__main__":
    sys.exit(main())
