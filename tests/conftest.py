"""Shared fixtures: the real assistant, started once per test session like `make run` does."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningAssistant:
    process: subprocess.Popen[bytes]
    rasa_port: int
    action_port: int

    @property
    def rest_url(self) -> str:
        return f"http://localhost:{self.rasa_port}/webhooks/rest/webhook"

    def say(self, sender: str, text: str) -> list[dict]:
        response = requests.post(
            self.rest_url, json={"sender": sender, "message": text}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


def start_assistant(log_path: Path) -> RunningAssistant:
    """Starts `python -m bot.cli.run` (what `make run` runs) on free ports; waits until ready."""
    rasa_port, action_port = free_port(), free_port()
    env = {**os.environ, "RASA_PORT": str(rasa_port), "ACTION_PORT": str(action_port)}
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli.run"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    assistant = RunningAssistant(process, rasa_port, action_port)
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
