"""Command-line helpers behind the Makefile: train, run, validate, evaluate."""

from __future__ import annotations

import sys

from bot import settings


def rasa_environment() -> dict[str, str]:
    """The environment every Rasa subprocess runs with: quiet, reproducible, offline."""
    return {
        **settings.environment(),
        "TF_CPP_MIN_LOG_LEVEL": settings.value("TF_CPP_MIN_LOG_LEVEL"),
        # Rasa would otherwise report usage to its vendor; nothing leaves this machine.
        "RASA_TELEMETRY_ENABLED": "false",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONUNBUFFERED": "1",
    }


def rasa_command(*args: str) -> list[str]:
    return [sys.executable, "-W", "ignore::DeprecationWarning", "-m", "rasa", *args]
