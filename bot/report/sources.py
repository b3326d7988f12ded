"""Where the report's figures come from: the stores the running assistant writes
(TRACKER_STORE_URL, HANDOFF_DB, ACCOUNTS_DB or ACCOUNTS_DATABASE_URL), read and never
written; a store that does not exist yet counts nothing. Used by `make report` and by the
operator page (bot/ops)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot import settings
from bot.accounts.store import AccountStore
from bot.clock import local_now
from bot.handoff.store import HandoffStore
from bot.report.conversations import Conversation, load_conversations
from bot.report.outcomes import Period, outcomes

DEFAULT_DAYS = 7


def period_of(
    since: str | None, until: str | None, today: date, days: int = DEFAULT_DAYS
) -> Period:
    """From local midnight of `since` (else `days` days up to `until`) to the end of `until`
    (else today)."""
    last = date.fromisoformat(until) if until else today
    first = date.fromisoformat(since) if since else last - timedelta(days=days - 1)
    if first > last:
        raise ValueError(f"SINCE ({first}) is after UNTIL ({last})")
    zone = local_now().tzinfo
    start = datetime.combine(first, time(), zone)
    return Period(start, datetime.combine(last + timedelta(days=1), time(), zone))


def desk_handoffs(period: Period) -> list[dict[str, Any]]:
    location = settings.path("HANDOFF_DB")
    if not location.exists():
        return []
    store = HandoffStore(location)
    try:
        return store.opened_between(period.since.timestamp(), period.until.timestamp())
    finally:
        store.shutdown()


def tickets() -> list[dict[str, Any]]:
    location: Path | str = settings.given("ACCOUNTS_DATABASE_URL") or settings.path("ACCOUNTS_DB")
    if isinstance(location, Path) and not location.exists():
        return []
    store = AccountStore(location)
    try:
        return store.all_tickets()
    finally:
        store.shutdown()


def conversations_in(period: Period) -> list[Conversation]:
    return load_conversations(
        settings.value("TRACKER_STORE_URL"), period.since.timestamp(), period.until.timestamp()
    )


def build(period: Period) -> dict[str, Any]:
    return outcomes(period, conversations_in(period), desk_handoffs(period), tickets())
