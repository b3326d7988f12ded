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
from bot.settings import Settings, load_settings

READY_TIMEOUT_S = 180
STOP_TIMEOUT_S = 15


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str | None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)


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


def rasa_server(settings: Settings) -> Service:
    return Service(
        "rasa server",
        rasa_command(
            "run",
            "--model",
            str(model_path()),
            "--port",
            str(settings.rasa_port),
            "--credentials",
            "credentials.yml",
            "--endpoints",
            "endpoints.yml",
        ),
        f"{settings.rasa_url}/webhooks/rest/",
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
        "TRACKER_DB": os.environ.get("TRACKER_DB") or str(Path("var/tracker.sqlite3").resolve()),
        "WEBCHAT_ORIGINS": os.environ.get("WEBCHAT_ORIGINS")
        or f"http://localhost:{settings.rasa_port},http://127.0.0.1:{settings.rasa_port}",
    }


class Supervisor:
    """Owns the child processes: starts them in order, waits for each, stops all together."""

    def __init__(self, settings: Settings) -> None:
        self.env = child_environment(settings)
        self._services: list[Service] = []

    def start(self, service: Service) -> None:
        if service.health_url and is_up(service.health_url):
            raise RuntimeError(
                f"something already answers at {service.health_url}: is the assistant running"
                " in another terminal? Stop it, or choose other ports (see bot/settings.py)."
            )
        started = time.monotonic()
        service.process = subprocess.Popen(service.command, env=self.env)
        self._services.append(service)
        if service.health_url is None:
            return
        while not is_up(service.health_url):
            if service.process.poll() is not None:
                raise RuntimeError(f"{service.name} exited with {service.process.returncode}")
            if time.monotonic() - started > READY_TIMEOUT_S:
                raise RuntimeError(f"{service.name} not ready after {READY_TIMEOUT_S} s")
            time.sleep(0.5)
        print(f"[run] {service.name} ready in {time.monotonic() - started:.1f} s", flush=True)

    def wait(self) -> int:
        """Blocks until a child exits; returns its exit code."""
        while True:
            for service in self._services:
                assert service.process is not None
                code = service.process.poll()
                if code is not None:
                    print(f"[run] {service.name} exited with {code}", flush=True)
                    return code
            time.sleep(0.5)

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


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
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
    signal.signal(signal.SIGINT, _raise_keyboard_interrupt)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    Path("var").mkdir(exist_ok=True)
    supervisor = Supervisor(settings)
    try:
        supervisor.start(account_service(settings))
        supervisor.start(agent_desk(settings))
        print(
            f"[run] agent desk for human agents: http://localhost:{settings.handoff_port}/"
            f" — agent token: {supervisor.env['AGENT_TOKEN']}",
            flush=True,
        )
        supervisor.start(sms_gateway(settings))
        supervisor.start(action_server(settings))
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
