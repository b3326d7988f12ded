"""The action server: `python -m bot.actionserver` for real on a free loopback port.

rasa_sdk's own app for our actions, reachable on loopback only, and every call but the health
check needs ACTION_TOKEN. The action called is the verification form's validation with a
forged SMS sender: run, it would declare the caller a verified customer
(actions/verification.py), which is exactly what a caller without the token must not get.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import rasa_sdk
import requests
from rasa.utils.endpoints import ClientResponseError, read_endpoint_config

from bot.settings import sqlite_url
from tests.conftest import ROOT, free_port, run_module, service_process

TOKEN = "action-" + uuid.uuid4().hex
FORGED_SENDER = "sms:13800138000"  # an SMS conversation: verified as that number if run
UNAUTHORIZED = {"error": "unauthorized", "message": "A valid bearer token is required."}


@dataclass
class ActionServer:
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def server_environment(port: int) -> dict[str, str]:
    env = {**os.environ, "ACTION_PORT": str(port), "ACTION_TOKEN": TOKEN}
    env.pop("ACTION_HOST", None)  # the default is what is tested
    return env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActionServer]:
    port, folder = free_port(), tmp_path_factory.mktemp("actionserver")
    running = ActionServer(port, folder / "actionserver.log")
    with service_process(
        "bot.actionserver", server_environment(port), running.log_path, f"{running.url}/health"
    ):
        yield running


def verify_form_call(sender: str = FORGED_SENDER) -> dict[str, Any]:
    """The body Rasa posts to run validate_verify_form (rasa_sdk's request format)."""
    return {
        "next_action": "validate_verify_form",
        "sender_id": sender,
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": {},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": "verify_form"},
            "latest_action_name": None,
        },
        "domain": {},
        "version": rasa_sdk.__version__,
    }


def assert_ran(events: list[dict[str, Any]]) -> None:
    assert {event["name"]: event["value"] for event in events if event["event"] == "slot"} == {
        "verified": True,
        "verified_number": "13800138000",
        "requested_slot": None,
    }


def test_the_health_check_needs_no_token(server: ActionServer) -> None:
    response = requests.get(f"{server.url}/health", timeout=5)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({}, {}),
        ({"token": "wrong"}, {}),
        ({"token": TOKEN.upper()}, {}),
        ({"token": ""}, {}),
        ({"api_key": TOKEN}, {}),  # the right token under another name
        ({}, {"Authorization": "Bearer wrong"}),
        ({}, {"Authorization": f"Basic {TOKEN}"}),
        ({}, {"Authorization": TOKEN}),
    ],
    ids=["none", "wrong", "case", "empty", "other-name", "wrong-bearer", "basic", "bare"],
)
def test_an_action_call_without_the_token_is_refused_before_it_runs(
    server: ActionServer, params: dict[str, str], headers: dict[str, str]
) -> None:
    response = requests.post(
        f"{server.url}/webhook", json=verify_form_call(), params=params, headers=headers, timeout=10
    )
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert "POST /webhook -> 401 unauthorized" in server.log_path.read_text()


@pytest.mark.parametrize(
    ("params", "headers"),
    [({"token": TOKEN}, {}), ({}, {"Authorization": f"Bearer {TOKEN}"})],
    ids=["query", "bearer"],
)
def test_with_the_token_the_action_runs(
    server: ActionServer, params: dict[str, str], headers: dict[str, str]
) -> None:
    response = requests.post(
        f"{server.url}/webhook", json=verify_form_call(), params=params, headers=headers, timeout=10
    )
    assert response.status_code == 200, response.text
    assert_ran(response.json()["events"])


async def test_rasa_sends_the_token_of_endpoints_yml(
    server: ActionServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """How the Rasa server calls an action: endpoints.yml read by Rasa, then its request."""
    monkeypatch.setenv("ACTION_ENDPOINT_URL", f"{server.url}/webhook")
    monkeypatch.setenv("TRACKER_STORE_URL", sqlite_url(server.log_path.parent / "unused.sqlite3"))
    monkeypatch.setenv("LOCK_STORE_URL", "memory://")
    monkeypatch.setenv("ACTION_TOKEN", TOKEN)
    endpoint = read_endpoint_config(str(ROOT / "endpoints.yml"), "action_endpoint")
    assert endpoint is not None and endpoint.token == TOKEN
    assert_ran((await endpoint.request(json=verify_form_call(), method="post"))["events"])
    monkeypatch.setenv("ACTION_TOKEN", "not-" + TOKEN)
    endpoint = read_endpoint_config(str(ROOT / "endpoints.yml"), "action_endpoint")
    assert endpoint is not None
    with pytest.raises(ClientResponseError) as refused:
        await endpoint.request(json=verify_form_call(), method="post")
    assert refused.value.status == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/actions"),
        ("GET", "/webhook"),  # a route, not with this method
        ("POST", "/health"),
        ("GET", "/health/"),
        ("GET", "/no-such-route"),
        ("HEAD", "/health"),
    ],
)
def test_every_other_request_needs_the_token(server: ActionServer, method: str, path: str) -> None:
    response = requests.request(method, f"{server.url}{path}", timeout=5)
    assert response.status_code == 401
    if method != "HEAD":
        assert response.json() == UNAUTHORIZED


def test_with_the_token_the_registry_is_rasa_sdks(server: ActionServer) -> None:
    response = requests.get(f"{server.url}/actions", params={"token": TOKEN}, timeout=5)
    assert response.status_code == 200
    names = {action["name"] for action in response.json()}
    assert {"validate_verify_form", "action_check_balance"} <= names


def test_the_token_never_reaches_the_log(server: ActionServer) -> None:
    requests.get(f"{server.url}/actions", params={"token": TOKEN}, timeout=5)
    requests.post(
        f"{server.url}/webhook", json=verify_form_call(), params={"token": "x"}, timeout=5
    )
    log = server.log_path.read_text()
    assert TOKEN not in log and FORGED_SENDER not in log


def non_loopback_ipv4() -> str | None:
    """One of this machine's IPv4 addresses other than loopback, if it has one."""
    candidates: list[str] = []
    with contextlib.suppress(OSError):
        candidates.append(socket.gethostbyname(socket.gethostname()))
    if shutil.which("ip"):
        listing = subprocess.run(
            ["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True, timeout=5
        ).stdout
        candidates += re.findall(r"\binet (\d+\.\d+\.\d+\.\d+)/", listing)
    return next(
        (
            address
            for address in candidates
            if not (ipaddress.ip_address(address).is_loopback or address == "0.0.0.0")
        ),
        None,
    )


def test_it_listens_on_loopback_only(server: ActionServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=3):
        pass
    address = non_loopback_ipv4()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to connect to")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((address, server.port), timeout=3).close()


@pytest.mark.parametrize("token", [None, ""], ids=["unset", "empty"])
def test_it_refuses_to_start_without_the_token(token: str | None) -> None:
    env = server_environment(free_port())
    if token is None:
        del env["ACTION_TOKEN"]
    else:
        env["ACTION_TOKEN"] = token
    refused = run_module("bot.actionserver", env)
    assert refused.returncode == 1
    assert "ACTION_TOKEN not set" in refused.stderr and "Traceback" not in refused.stderr


def test_it_imports_neither_rasa_nor_the_models_libraries() -> None:
    # The actions are plain Python; Rasa, TensorFlow and spaCy cost ~450 MB per process.
    probe = (
        "import sys, bot.actionserver.__main__\n"
        "from rasa_sdk.executor import ActionExecutor\n"
        "ActionExecutor().register_package('actions')\n"
        "print(' '.join(m for m in ('rasa', 'tensorflow', 'spacy', 'scipy', 'sklearn') "
        "if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == ""
