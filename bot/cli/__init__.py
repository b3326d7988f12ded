"""Command-line helpers behind the Makefile: train, run, validate, evaluate."""

from __future__ import annotations

import os
import sys


def rasa_environment() -> dict[str, str]:
    """The environment every Rasa subprocess runs with: quiet, reproducible, offline."""
    return {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
        # Rasa would otherwise report usage to its vendor; nothing leaves this machine.
        "RASA_TELEMETRY_ENABLED": "false",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONUNBUFFERED": "1",
    }


def rasa_command(*args: str) -> list[str]:
    return [sys.executable, "-W", "ignore::DeprecationWarning", "-m", "rasa", *args]
