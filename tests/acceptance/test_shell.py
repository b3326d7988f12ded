"""`make shell`: how support agents try the assistant in a terminal, accounts included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import sqlite_url
from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.server


def test_a_verified_conversation_in_the_terminal(tmp_path: Path) -> None:
    env = {
        **os.environ,
        **{
            name: str(free_port())
            for name in (
                "SHELL_PORT",
                "ACTION_PORT",
                "ACCOUNTS_PORT",
                "HANDOFF_PORT",
                "SMS_GATEWAY_PORT",
            )
        },
        "ACCOUNTS_DB": str(tmp_path / "accounts.sqlite3"),
        "HANDOFF_DB": str(tmp_path / "handoff.sqlite3"),
        "SMS_GATEWAY_DB": str(tmp_path / "smsgateway.sqlite3"),
        "TRACKER_STORE_URL": sqlite_url(tmp_path / "tracker.sqlite3"),
        "LOCK_STORE_URL": "memory://",
    }
    for inherited in ("ACCOUNTS_URL", "HANDOFF_URL", "SMS_GATEWAY_URL", "ACTION_ENDPOINT_URL"):
        env.pop(inherited, None)
    typed = "彩铃怎么收费\n查余额\n138 0013 8000\n258013\n/stop\n"
    finished = subprocess.run(
        [sys.executable, "-m", "bot.cli.run", "shell"],
        cwd=ROOT,
        env=env,
        input=typed.encode(),
        capture_output=True,
        timeout=240,
    )
    said = finished.stdout.decode(errors="replace")
    assert finished.returncode == 0, finished.stderr.decode(errors="replace")[-2000:]
    assert "6元/月" in said
    assert "服务密码" in said
    assert "56.80元" in said
