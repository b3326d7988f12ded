"""Importing our code installs nothing; the Rasa server installs our overrides, explicitly, when
Rasa sets up the channels of credentials.yml (bot/rasa_compat/__init__.py says why there)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.core.channels.channel import UserMessage
from rasa.core.run import _create_single_channel

from bot import rasa_compat

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = ROOT / "credentials.yml"

# What credentials.yml takes from the environment, and where the channels' desk and SMS store
# are: nowhere that exists.
ENVIRONMENT = {
    "SMS_WEBHOOK_SECRET": "secret",
    "SMS_GATEWAY_SEND_URL": "http://127.0.0.1:9/api/send",
    "SMS_GATEWAY_KEY": "key",
    "WEBCHAT_ORIGINS": "http://page.example",
    "HANDOFF_URL": "http://127.0.0.1:9",
}

# Runs in a fresh interpreter: imports every module of bot/ and reports what changed in the
# Rasa, Sanic and socket.io modules our overrides touch, and in the process's loggers; then
# starts the Rasa server's setup as `rasa run` does (the channels of credentials.yml, made and
# registered on Rasa's app by Rasa's own functions) and reports what is installed.
SCRIPT = """
import importlib, inspect, json, logging, pkgutil, sys

WATCHED = [
    "rasa.core.actions.action", "rasa.core.tracker_store", "rasa.core.lock_store",
    "rasa.core.channels.channel", "rasa.core.channels.rest", "rasa.core.channels.socketio",
    "rasa.core.run", "sanic.app", "sanic.blueprints", "sanic.handlers", "sanic.request",
    "socketio.async_server", "engineio.async_server", "jsonschema.validators",
]
PROCESS_LOGGERS = ("", "sanic.root", "sanic.error", "sanic.access")


def snapshot():
    state = {}
    for name in WATCHED:
        for attr, value in vars(sys.modules[name]).items():
            if inspect.ismodule(value):
                continue
            state[f"{name}.{attr}"] = id(value)
            if inspect.isclass(value) and value.__module__ == name:
                for key, member in vars(value).items():
                    state[f"{name}.{attr}.{key}"] = id(member)
    return state


def filters():
    loggers = [logging.getLogger(name or None) for name in PROCESS_LOGGERS]
    return [[type(f).__name__ for t in (lg, *lg.handlers) for f in t.filters] for lg in loggers]


for name in WATCHED:
    importlib.import_module(name)
before, filters_before = snapshot(), filters()
import bot

modules = sorted(
    m.name for m in pkgutil.walk_packages(bot.__path__, "bot.") if not m.name.endswith("__main__")
)
failed = {}
for name in modules:
    try:
        importlib.import_module(name)
    except Exception as error:
        failed[name] = repr(error)
after = snapshot()
report = {
    "modules": len(modules),
    "failed": failed,
    "changed": sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)),
    "filters_after_import": filters(),
    "filters_before_import": filters_before,
}

from rasa.core.actions.action import RemoteAction
from rasa.core.run import configure_app, create_http_input_channels

channels = create_http_input_channels(None, "credentials.yml")
app = configure_app(channels, enable_api=False, route="/webhooks/")
report["channels"] = [f"{type(c).__module__}.{type(c).__name__}" for c in channels]
report["run_after_setup"] = RemoteAction.run.__module__
report["filters_after_setup"] = filters()
report["error_handler"] = type(app.error_handler).__name__
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("install")
    env = {
        **os.environ,
        **ENVIRONMENT,
        "SMS_BRIDGE_DB": str(folder / "sms.sqlite3"),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_bot_module_imports(report: dict[str, Any]) -> None:
    assert report["modules"] > 50
    assert report["failed"] == {}


def test_importing_any_bot_module_installs_nothing(report: dict[str, Any]) -> None:
    assert report["changed"] == []
    assert report["filters_after_import"] == report["filters_before_import"]


def test_the_rasa_servers_setup_installs_everything(report: dict[str, Any]) -> None:
    configured = list(yaml.safe_load(CREDENTIALS.read_text(encoding="utf-8")))
    assert report["channels"] == configured
    assert report["run_after_setup"] == "bot.rasa_compat.remote_action"
    root_logger = report["filters_after_setup"][0]
    assert "PersonalDataFilter" in root_logger
    assert all("PersonalDataFilter" in each for each in report["filters_after_setup"])
    assert report["error_handler"] == "JsonErrorHandler"


async def nothing(_: UserMessage) -> None:
    pass


@pytest.mark.parametrize("channel", list(yaml.safe_load(CREDENTIALS.read_text(encoding="utf-8"))))
def test_every_channel_of_credentials_yml_installs_when_rasa_sets_it_up(
    channel: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Whichever channels credentials.yml keeps, the process is set up."""
    for name, value in {**ENVIRONMENT, "SMS_BRIDGE_DB": str(tmp_path / "sms.sqlite3")}.items():
        monkeypatch.setenv(name, value)
    calls: list[str] = []
    monkeypatch.setattr(rasa_compat, "install_rasa_server", lambda: calls.append(channel))
    credentials = yaml.safe_load(os.path.expandvars(CREDENTIALS.read_text(encoding="utf-8")))
    made = _create_single_channel(channel, credentials[channel])
    assert calls == []  # made, not yet set up
    made.blueprint(nothing)
    assert calls == [channel]
