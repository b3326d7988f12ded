"""Runs the agent desk: `python -m bot.handoff` (what `make run` starts).

Settings: HANDOFF_* in docs/configuration.md; AGENT_TOKEN and HANDOFF_TOKEN are required,
and different.
"""

from __future__ import annotations

from bot import settings
from bot.handoff.app import create_app
from bot.handoff.store import HandoffStore
from bot.http import serve as serve_app


def tokens() -> list[str]:
    """Without them anyone could read the conversations."""
    return settings.distinct_secrets(
        "agent desk", ["AGENT_TOKEN", "HANDOFF_TOKEN"], "an agent could then act as the bot."
    )


def main() -> None:
    # Every setting is checked before the store creates its database.
    agent_token, internal_token = tokens()
    address = settings.listen_address("HANDOFF")
    timeout_s = settings.seconds("HANDOFF_CLAIM_TIMEOUT_S")
    store = HandoffStore(settings.database_file("HANDOFF_DB"))
    serve_app(create_app(store, agent_token, internal_token, timeout_s), store, *address)


if __name__ == "__main__":
    main()
