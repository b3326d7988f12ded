"""A Redis server of the production profile's own, for Rasa's conversation locks.

Started from Debian's `redis-server` (installed when missing and we are root) with a config file
in its folder, so that the password is never on a command line. Loopback only, password
required, nothing saved to disk: the locks only matter while the Rasa processes run.
"""

from __future__ import annotations

import shutil
import signal
from dataclasses import dataclass, field
from pathlib import Path

import redis

from bot import settings
from bot.debian import install_packages
from bot.processes import NotReady, Process

READY_TIMEOUT_S = 20


def redis_binary() -> str:
    """Debian's redis-server; installed when missing and we are root."""
    found = shutil.which("redis-server")
    if found is None and install_packages(["redis-server"]):
        found = shutil.which("redis-server")
    if found is None:
        raise RuntimeError(
            "redis-server is not installed: as root, `apt-get install redis-server`, or give a"
            " running Redis as LOCK_STORE_URL=redis://:password@host:port/0"
        )
    return found


@dataclass
class LocalRedis:
    folder: Path
    port: int
    password: str
    process: Process | None = field(default=None, repr=False)

    def url(self, db: int = 0) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/{db}"

    def config(self) -> str:
        return "\n".join(
            [
                "bind 127.0.0.1",
                "protected-mode yes",
                f"port {self.port}",
                f'requirepass "{self.password}"',
                f'dir "{self.folder}"',
                f'logfile "{self.folder / "redis.log"}"',
                'save ""',
                "appendonly no",
                "daemonize no",
                "",
            ]
        )

    def start(self) -> None:
        binary = redis_binary()
        self.folder.mkdir(parents=True, exist_ok=True)
        config_path = self.folder / "redis.conf"
        config_path.touch(mode=0o600)
        config_path.chmod(0o600)
        config_path.write_text(self.config())
        command = [binary, str(config_path)]  # it logs to its logfile
        self.process = Process("redis-server", command, settings.environment()).start()
        try:
            self.process.wait_until(self.is_running, READY_TIMEOUT_S)
        except NotReady as error:
            raise RuntimeError(f"{error}: see {self.folder / 'redis.log'}") from None

    def is_running(self) -> bool:
        client = redis.Redis(
            host="127.0.0.1", port=self.port, password=self.password, socket_timeout=1
        )
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(signal.SIGTERM)
