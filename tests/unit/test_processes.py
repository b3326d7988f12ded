"""bot/processes.py: what "ready", "exited while starting" and "stopped" mean for every process
`make run`, the bench and the tests start."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

from bot import settings
from bot.processes import NotReady, Process, stop_all

IGNORES_CTRL_C = (
    "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN);"
    " print('ignoring', flush=True); time.sleep(60)"
)


def python(name: str, code: str, log_path: Path | None = None) -> Process:
    return Process(name, [sys.executable, "-c", code], settings.environment(), log_path=log_path)


def test_a_process_that_exits_while_starting_is_reported_with_its_code_and_log(
    tmp_path: Path,
) -> None:
    log = tmp_path / "broken.log"
    broken = python("broken service", "import sys; print('bad config'); sys.exit(3)", log).start()
    with pytest.raises(NotReady, match=r"broken service exited with 3; see .*broken.log"):
        broken.wait_until(lambda: False, timeout_s=60)
    assert "bad config" in log.read_text()


def test_a_dependency_exiting_ends_the_wait_too() -> None:
    waiting = python("rasa", "import time; time.sleep(60)").start()
    dependency = python("action server", "raise SystemExit(2)").start()
    try:
        with pytest.raises(NotReady, match="action server exited with 2"):
            waiting.wait_until(lambda: False, timeout_s=60, others=[dependency])
    finally:
        waiting.stop()


def test_ready_when_the_check_holds() -> None:
    process = python("sleeper", "import time; time.sleep(60)").start()
    try:
        assert process.wait_until(lambda: True, timeout_s=60) >= 0
        assert process.running
    finally:
        process.stop()


def test_one_that_ignores_ctrl_c_is_killed_after_the_grace_time(tmp_path: Path) -> None:
    log = tmp_path / "stubborn.log"
    stubborn = python("stubborn", IGNORES_CTRL_C, log).start()
    polite = python("polite", "import time; time.sleep(60)").start()
    stubborn.wait_until(lambda: "ignoring" in log.read_text(), timeout_s=60)
    codes = stop_all([stubborn, polite], signal.SIGINT, timeout_s=1)
    assert codes[0] == -signal.SIGKILL
    assert codes[1] != -signal.SIGKILL  # Ctrl-C was enough (KeyboardInterrupt: exit 1)
    assert not stubborn.running and not polite.running


def test_a_process_never_started_is_nothing_to_stop() -> None:
    assert stop_all([python("never", "pass")]) == [0]
