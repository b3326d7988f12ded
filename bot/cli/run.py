"""Starts every process the assistant needs in the foreground; Ctrl-C stops them all.

    python -m bot.cli.run          # account service, agent desk, mock SMS gateway,
                                   # action server, Rasa server
    python -m bot.cli.run shell    # the same, with `rasa shell` in this terminal

Ports come from the environment (see bot/settings.py). Run `python -m bot.cli.train` first
(`make run` and `make shell` do).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bot.cli import rasa_command, rasa_environment
from bot.cli.train import model_path
from bot.settings import Settings, load_settings, sqlite_url

READY_TIMEOUT_S = 180
STOP_TIMEOUT_S = 15
RESTARTS_PER_MINUTE = 3


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str | None
    env: dict[str, str] = field(default_factory=dict)  # on top of the supervisor's
    restart: bool = False
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    started: float = 0.0


def is_up(url: str) -> bool:
    """The health URL answers 200 (within 2 s)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def account_service(settings: Settings) -> Service:
    return Service(
        "account service",
        [sys.executable, "-m", "bot.accounts"],
        f"http://127.0.0.1:{settings.accounts_port}/health",
    )


def agent_desk(settings: Settings) -> Service:
    return Service(
        "agent desk",
        [sys.executable, "-m", "bot.handoff"],
        f"http://127.0.0.1:{settings.handoff_port}/health",
    )


def sms_gateway(settings: Settings) -> Service:
    return Service(
        "SMS gateway (mock)",
        [sys.executable, "-m", "bot.smsgateway"],
        f"http://127.0.0.1:{settings.sms_gateway_port}/health",
    )


def action_server(settings: Settings) -> Service:
    return Service(
        "action server",
        [sys.executable, "-m", "bot.actionserver"],  # rasa_sdk's app behind ACTION_TOKEN
        f"http://127.0.0.1:{settings.action_port}/health",
    )


def rasa_server(settings: Settings, port: int | None = None, name: str = "rasa server") -> Service:
    """`port` given: one of several processes behind the balancer, on loopback only."""
    listen = ["--port", str(settings.rasa_port)]
    health_url = f"{settings.rasa_url}/webhooks/rest/"
    if port is not None:
        listen = ["--port", str(port), "--interface", "127.0.0.1"]
        health_url = f"http://127.0.0.1:{port}/webhooks/rest/"
    return Service(
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
        health_url,
    )


def rasa_shell(settings: Settings) -> Service:
    return Service(
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
        None,
    )


def child_environment(settings: Settings) -> dict[str, str]:
    """What the children share: addresses, and the tokens of the action server, the account
    service and the agent desk (made up for this run unless the environment gives them, so no
    fixed secret exists anywhere)."""
    return {
        **rasa_environment(),
        "ACTION_PORT": str(settings.action_port),
        "ACTION_ENDPOINT_URL": settings.action_endpoint_url,
        "ACTION_TOKEN": os.environ.get("ACTION_TOKEN") or secrets.token_urlsafe(32),
        "ACCOUNTS_PORT": str(settings.accounts_port),
        "ACCOUNTS_URL": settings.accounts_url,
        "ACCOUNTS_TOKEN": os.environ.get("ACCOUNTS_TOKEN") or secrets.token_urlsafe(32),
        "HANDOFF_PORT": str(settings.handoff_port),
        "HANDOFF_URL": settings.handoff_url,
        "HANDOFF_TOKEN": os.environ.get("HANDOFF_TOKEN") or secrets.token_urlsafe(32),
        "AGENT_TOKEN": os.environ.get("AGENT_TOKEN") or secrets.token_urlsafe(12),
        "SMS_GATEWAY_PORT": str(settings.sms_gateway_port),
        "SMS_GATEWAY_URL": settings.sms_gateway_url,
        "SMS_GATEWAY_SEND_URL": os.environ.get("SMS_GATEWAY_SEND_URL")
        or f"{settings.sms_gateway_url}/api/send",
        "SMS_GATEWAY_KEY": os.environ.get("SMS_GATEWAY_KEY") or secrets.token_urlsafe(32),
        "SMS_WEBHOOK_SECRET": os.environ.get("SMS_WEBHOOK_SECRET") or secrets.token_urlsafe(32),
        "SMS_BRIDGE_URL": f"{settings.rasa_url}/webhooks/sms/webhook",
        "TRACKER_STORE_URL": os.environ.get("TRACKER_STORE_URL")
        or sqlite_url(Path("var/tracker.sqlite3")),
        "LOCK_STORE_URL": os.environ.get("LOCK_STORE_URL") or "memory://",
        "WEBCHAT_ORIGINS": os.environ.get("WEBCHAT_ORIGINS")
        or f"http://localhost:{settings.rasa_port},http://127.0.0.1:{settings.rasa_port}",
    }


class Supervisor:
    """Owns the child processes: starts them in order, waits for each, stops all together.
    A service marked `restart` (the production profile's Rasa processes) is started again when
    it dies, as systemd or Kubernetes would, while the others go on serving."""

    def __init__(self, settings: Settings, env: dict[str, str] | None = None) -> None:
        self.env = env if env is not None else child_environment(settings)
        self._services: list[Service] = []
        self._restarts: dict[str, list[float]] = {}

    def launch(self, service: Service) -> None:
        """Starts the process without waiting for it to be ready."""
        if service.health_url and is_up(service.health_url):
            raise RuntimeError(
                f"something already answers at {service.health_url}: is the assistant running"
                " in another terminal? Stop it, or choose other ports (see bot/settings.py)."
            )
        service.started = time.monotonic()
        service.process = subprocess.Popen(service.command, env={**self.env, **service.env})
        self._services.append(service)

    def wait_ready(self, service: Service) -> None:
        assert service.process is not None
        if service.health_url is None:
            return
        while not is_up(service.health_url):
            if service.process.poll() is not None:
                raise RuntimeError(f"{service.name} exited with {service.process.returncode}")
            if time.monotonic() - service.started > READY_TIMEOUT_S:
                raise RuntimeError(f"{service.name} not ready after {READY_TIMEOUT_S} s")
            time.sleep(0.5)
        print(
            f"[run] {service.name} ready in {time.monotonic() - service.started:.1f} s", flush=True
        )

    def start(self, service: Service) -> None:
        self.launch(service)
        self.wait_ready(service)

    def adopt(self, name: str, process: subprocess.Popen[bytes]) -> None:
        """Watches (and stops) a process started elsewhere, e.g. nginx."""
        self._services.append(Service(name, [], None, process=process))

    def wait(self) -> int:
        """Blocks until a child exits for good; returns its exit code."""
        while True:
            for service in self._services:
                assert service.process is not None
                code = service.process.poll()
                if code is None:
                    continue
                print(f"[run] {service.name} exited with {code}", flush=True)
                if not (service.restart and self._may_restart(service.name)):
                    return code
                print(f"[run] starting {service.name} again", flush=True)
                self._services.remove(service)
                service.health_url = None  # the balancer takes it back once it answers
                self.launch(service)
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
        for service in reversed(self._services):
            if service.process and service.process.poll() is None:
                service.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for service in self._services:
            if service.process is None:
                continue
            try:
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                service.process.kill()
                service.process.wait()


def start_support_services(supervisor: Supervisor, settings: Settings) -> None:
    """What every profile runs beside Rasa, in order: account service, agent desk (its agent
    token printed for the human agents), mock SMS gateway, action server."""
    supervisor.start(account_service(settings))
    supervisor.start(agent_desk(settings))
    print(
        f"[run] agent desk for human agents: http://localhost:{settings.handoff_port}/"
        f" — agent token: {supervisor.env['AGENT_TOKEN']}",
        flush=True,
    )
    supervisor.start(sms_gateway(settings))
    supervisor.start(action_server(settings))


def stop_process(process: subprocess.Popen[bytes] | None, timeout_s: float = 10) -> None:
    """SIGTERM, then SIGKILL if it is still there after `timeout_s`."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", choices=["serve", "shell"], default="serve")
    args = parser.parse_args()
    settings = load_settings()
    if not model_path().exists():
        print("No model for the current data: run `make train` first.", file=sys.stderr)
        return 1
    # SIGINT too: a shell that starts us in the background ignores it, and Python then
    # would not turn Ctrl-C into KeyboardInterrupt.
    signal.signal(signal.SIGINT, raise_keyboard_interrupt)
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    Path("var").mkdir(exist_ok=True)
    supervisor = Supervisor(settings)
    try:
        start_support_services(supervisor, settings)
        if args.mode == "shell":
            supervisor.start(rasa_shell(settings))
        else:
            supervisor.start(rasa_server(settings))
            print(
                f"[run] assistant ready — web chat: {settings.rasa_url}/webchat"
                f" · REST: {settings.rasa_url}/webhooks/rest/webhook"
                " · SMS: make sms FROM=<number> TEXT=查余额 — Ctrl-C stops everything",
                flush=True,
            )
        return supervisor.wait()
    except KeyboardInterrupt:
        return 0
    except RuntimeError as error:
        print(f"[run] {error}", file=sys.stderr)
        return 1
    finally:
        supervisor.stop()


if __name__ == "__main__":
    sys.exit(main())
