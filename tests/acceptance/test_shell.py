"""`make shell`: how support agents try the assistant in a terminal, accounts included."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.processes import python_module
from bot.settings import STACK_PORTS, stack_environment
from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.server


def test_a_verified_conversation_in_the_terminal(tmp_path: Path) -> None:
    ports = {name: free_port() for name in (*STACK_PORTS, "SHELL_PORT")}
    env = stack_environment(tmp_path, ports)
    typed = "彩铃怎么收费\n查余额\n138 0013 8000\n258013\n/stop\n"
    finished = subprocess.run(
        python_module("bot.cli.run", "shell"),
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
