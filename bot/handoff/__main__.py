"""Runs the agent desk: `python -m bot.handoff` (what `make run` starts).

Configuration from the environment (docs/agent_desk_api.md): HANDOFF_HOST (127.0.0.1),
HANDOFF_PORT (8090), HANDOFF_DB (var/handoff.sqlite3), AGENT_TOKEN and HANDOFF_TOKEN (both
required, and different), HANDOFF_CLAIM_TIMEOUT_S (300).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from bot.handoff.app import create_app
from bot.handoff.store import HandoffStore
from bot.http import serve as serve_app
from bot.settings import distinct_secrets, env_port

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8090
DEFAULT_DB = "var/handoff.sqlite3"
DEFAULT_CLAIM_TIMEOUT_S = 300.0


def claim_timeout_s() -> float:
    value = os.environ.get("HANDOFF_CLAIM_TIMEOUT_S") or str(DEFAULT_CLAIM_TIMEOUT_S)
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise SystemExit(
            f"HANDOFF_CLAIM_TIMEOUT_S must be a positive number of seconds, not {value!r}"
        )
    return seconds


def tokens() -> list[str]:
    """Without them anyone could read the conversations."""
    return distinct_secrets(
        "agent desk",
        {"AGENT_TOKEN": "the agents' token", "HANDOFF_TOKEN": "our processes' token"},
        "an agent could then act as the bot.",
    )


def main() -> None:
    agent_token, internal_token = tokens()
    host = os.environ.get("HANDOFF_HOST") or DEFAULT_HOST
    listen_port, timeout_s = env_port("HANDOFF_PORT", DEFAULT_PORT), claim_timeout_s()
    path = Path(os.environ.get("HANDOFF_DB") or DEFAULT_DB)
    path.parent.mkdir(parents=True, exist_ok=True)
    store = HandoffStore(path)
    app = create_app(store, agent_token, internal_token, timeout_s)
    serve_app(app, store, host, listen_port)


if __name__ == "__main__":
    main()
