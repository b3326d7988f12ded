"""Where each process listens, from the environment, with defaults that work on one machine."""

from __future__ import annotations

import os
from dataclasses import dataclass


def env_port(name: str, default: int) -> int:
    """A listen port from the environment; a clear exit instead of a traceback when malformed."""
    value = os.environ.get(name) or str(default)
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
    handoff_port: int
    sms_gateway_port: int

    @property
    def action_endpoint_url(self) -> str:
        return os.environ.get(
            "ACTION_ENDPOINT_URL", f"http://{self.host}:{self.action_port}/webhook"
        )

    @property
    def accounts_url(self) -> str:
        return os.environ.get("ACCOUNTS_URL", f"http://127.0.0.1:{self.accounts_port}")

    @property
    def handoff_url(self) -> str:
        return os.environ.get("HANDOFF_URL", f"http://127.0.0.1:{self.handoff_port}")

    @property
    def sms_gateway_url(self) -> str:
        return os.environ.get("SMS_GATEWAY_URL", f"http://127.0.0.1:{self.sms_gateway_port}")

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"


def load_settings() -> Settings:
    return Settings(
        host=os.environ.get("BOT_HOST", "localhost"),
        rasa_port=env_port("RASA_PORT", 5005),
        action_port=env_port("ACTION_PORT", 5055),
        shell_port=env_port("SHELL_PORT", 5006),
        accounts_port=env_port("ACCOUNTS_PORT", 8088),
        handoff_port=env_port("HANDOFF_PORT", 8090),
        sms_gateway_port=env_port("SMS_GATEWAY_PORT", 8089),
    )
