"""One way to run one of our processes: start it, wait until it is ready, stop it.

`make run`, `make run-prod`, the bench and the tests all start processes through `Process`, so
"ready", "exited while starting" and "Ctrl-C, then kill if it hangs" mean the same everywhere.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLL_S = 0.2  # between looks at a starting process: polling for start-up, not for a result


class NotReady(RuntimeError):
    """A process exited while starting, or was not ready in time (the message says which)."""


def is_up(url: str, timeout_s: float = 2.0) -> bool:
    """The URL answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def python_module(module: str, *args: str) -> list[str]:
    """`python -m MODULE ARGS` with this interpreter."""
    return [sys.executable, "-m", module, *args]


@dataclass
class Process:
    """A child process. `health_url` answering 200 is what "ready" means unless `wait_until`
    is given another check; its output goes to `log_path` (appended) or to ours."""

    name: str
    command: list[str]
    env: dict[str, str]
    health_url: str | None = None
    log_path: Path | None = None
    # The supervisor starts it again when it dies (the production profile's Rasa processes).
    restart: bool = False
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    started: float = 0.0

    def start(self) -> Process:
        """Spawns it without waiting."""
        self.started = time.monotonic()
        if self.log_path is None:
            self.popen = subprocess.Popen(self.command, cwd=ROOT, env=self.env)
        else:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with self.log_path.open("ab") as log:
                self.popen = subprocess.Popen(
                    self.command, cwd=ROOT, env=self.env, stdout=log, stderr=log
                )
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    @property
    def pid(self) -> int:
        assert self.popen is not None, f"{self.name} was not started"
        return self.popen.pid

    def exit_code(self) -> int | None:
        return None if self.popen is None else self.popen.poll()

    def wait_ready(self, timeout_s: float, others: Iterable[Process] = ()) -> float:
        """Waits until its health URL answers; the seconds since it was started."""
        if self.health_url is None:
            return 0.0
        url = self.health_url
        return self.wait_until(lambda: is_up(url), timeout_s, others)

    def wait_until(
        self, check: Callable[[], bool], timeout_s: float, others: Iterable[Process] = ()
    ) -> float:
        """Waits until `check()` holds; NotReady when it, or one of `others` it depends on,
        exits first, or after `timeout_s`. Returns the seconds since it was started."""
        watched = [self, *others]
        deadline = time.monotonic() + timeout_s
        while not check():
            for process in watched:
                code = process.exit_code()
                if code is not None:
                    raise NotReady(f"{process.name} exited with {code}{process.log_hint()}")
            if time.monotonic() > deadline:
                raise NotReady(f"{self.name} not ready after {timeout_s:g} s{self.log_hint()}")
            time.sleep(POLL_S)
        return time.monotonic() - self.started

    def log_hint(self) -> str:
        return "" if self.log_path is None else f"; see {self.log_path}"

    def send(self, sig: int) -> None:
        if self.running:
            assert self.popen is not None
            self.popen.send_signal(sig)

    def stop(self, sig: int = signal.SIGINT, timeout_s: float = 10.0) -> int:
        """`sig` (Ctrl-C by default), then SIGKILL if it is still there after `timeout_s`."""
        return stop_all([self], sig, timeout_s)[0]


def stop_all(
    processes: Iterable[Process], sig: int = signal.SIGINT, timeout_s: float = 10.0
) -> list[int]:
    """Signals them all, the last started first, then waits for each within one deadline and
    kills what still runs; their exit codes (a process never started: 0)."""
    started = [process for process in processes]
    for process in reversed(started):
        process.send(sig)
    deadline = time.monotonic() + timeout_s
    codes = []
    for process in started:
        if process.popen is None:
            codes.append(0)
            continue
        try:
            codes.append(process.popen.wait(timeout=max(0.1, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            process.popen.kill()
            codes.append(process.popen.wait())
    return codes
