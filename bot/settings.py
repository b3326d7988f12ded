"""Where each process listens, from the environment, with defaults that work on one machine."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def env_port(name: str, default: int) -> int:
    """A listen port from the environment; a clear exit instead of a traceback when malformed."""
    value = os.environ.get(name) or str(default)
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SystemExit(f"{name} must be a port number (1-65535), not {value!r}")
    return int(value)


def env_count(name: str, default: int) -> int:
    """A positive count (of processes, workers) from the environment; a clear exit if not."""
    value = os.environ.get(name) or str(default)
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"{name} must be a whole number of at least 1, not {value!r}")
    return int(value)


def distinct_secrets(service: str, roles: dict[str, str], if_equal: str) -> list[str]:
    """The secrets a service refuses to start without, by environment variable name and what
    each is for; a clear exit when one is missing or two are equal (`if_equal` says what could
    then go wrong)."""
    values = [os.environ.get(name, "") for name in roles]
    missing = [name for name, value in zip(roles, values, strict=True) if not value]
    if missing:
        needed = "; ".join(f"{role} ({name})" for name, role in roles.items())
        raise SystemExit(
            f"{' and '.join(missing)} not set: the {service} refuses to start without {needed}."
            " `make run` generates them."
        )
    if len(set(values)) < len(values):
        raise SystemExit(
            f"{' and '.join(roles)} are the same: {if_equal} Give them different values."
        )
    return values


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy address of an SQLite file (TRACKER_STORE_URL in the embedded profile)."""
    return f"sqlite:///{path.resolve()}"


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
        return os.environ.get("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{self.action_port}/webhook")

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
