"""Runs the agent desk: `python -m bot.handoff` (what `make run` starts).

Settings: HANDOFF_* in docs/configuration.md; AGENT_TOKEN and HANDOFF_TOKEN are required,
and different; ACCOUNTS_URL and ACCOUNTS_TOKEN for the customer card; OPS_TOKEN (a third,
different token) for the operator page at /ops.
"""

from __future__ import annotations

from bot import settings
from bot.accounts.client import AccountClient
from bot.handoff.app import DeskOptions, create_app
from bot.handoff.customer import CustomerCards
from bot.handoff.presence import ServiceHours
from bot.handoff.store import HandoffStore
from bot.http import serve as serve_app
from bot.ops.console import OpsConsole


def tokens() -> list[str]:
    """Without them anyone could read the conversations."""
    return settings.distinct_secrets(
        "agent desk", ["AGENT_TOKEN", "HANDOFF_TOKEN"], "an agent could then act as the bot."
    )


def options() -> DeskOptions:
    hours = settings.value("HANDOFF_SERVICE_HOURS")
    try:
        service_hours = ServiceHours.parse(hours)
    except ValueError as error:
        raise SystemExit(f"HANDOFF_SERVICE_HOURS: {error}") from None
    return DeskOptions(
        presence_ttl_s=settings.seconds("HANDOFF_PRESENCE_TTL_S"),
        service_hours=service_hours,
        wait_warn_s=settings.seconds("HANDOFF_WAIT_WARN_S"),
        wait_alert_s=settings.seconds("HANDOFF_WAIT_ALERT_S"),
        reply_warn_s=settings.seconds("HANDOFF_REPLY_WARN_S"),
        reply_alert_s=settings.seconds("HANDOFF_REPLY_ALERT_S"),
    )


def operators(store: HandoffStore) -> OpsConsole | None:
    """The operator page when OPS_TOKEN is set (make run sets it), else none."""
    if not settings.given("OPS_TOKEN"):
        return None
    return OpsConsole(store, settings.path("REVIEWED_NLU_FILE"))


def main() -> None:
    # Every setting is checked before the store creates its database.
    agent_token, internal_token = tokens()
    address = settings.listen_address("HANDOFF")
    timeout_s = settings.seconds("HANDOFF_CLAIM_TIMEOUT_S")
    desk_options = options()
    cards = CustomerCards(AccountClient.from_env())
    store = HandoffStore(settings.database_file("HANDOFF_DB"))
    ops = operators(store)
    app = create_app(
        store,
        agent_token,
        internal_token,
        timeout_s,
        cards,
        desk_options,
        ops=ops,
        ops_token=settings.given("OPS_TOKEN"),
    )
    serve_app(app, store, *address)


if __name__ == "__main__":
    main()
