"""Where each process listens, from the environment, with defaults that work on one machine."""

from __future__ import annotations

import os
from dataclasses import dataclass


def _port(name: str, default: int) -> int:
    value = os.environ.get(name, str(default))
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SystemExit(f"{name} must be a port number (1-65535), not {value!r}")
    return int(value)


@dataclass(frozen=True)
class Settings:
    host: str
    rasa_port: int
    action_port: int
    shell_port: int
    accounts_port: int

    @property
    def action_endpoint_url(self) -> str:
        return os.environ.get(
            "ACTION_ENDPOINT_URL", f"http://{self.host}:{self.action_port}/webhook"
        )

    @property
    def accounts_url(self) -> str:
        return os.environ.get("ACCOUNTS_URL", f"http://127.0.0.1:{self.accounts_port}")

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"


def load_settings() -> Settings:
    return Settings(
        host=os.environ.get("BOT_HOST", "localhost"),
        rasa_port=_port("RASA_PORT", 5005),
        action_port=_port("ACTION_PORT", 5055),
        shell_port=_port("SHELL_PORT", 5006),
        accounts_port=_port("ACCOUNTS_PORT", 8088),
    )
