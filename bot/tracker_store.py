"""Rasa's SQL tracker store, minus the service passwords customers type.

The verification form reads the password from the customer's message and never puts it in a
slot, but Rasa would still store the message itself. Before events are written, a message
answering the form's password question (the `requested_slot` was `service_password`) that
holds six digits is stored as `REDACTED`, as is its parse data. The running turn has
already used the real text; every later turn, and anyone reading the database, sees only the
placeholder.

Configured in endpoints.yml by one address, TRACKER_STORE_URL: `sqlite:////abs/path` (`make
run`: var/tracker.sqlite3) or `postgresql://user:password@host:port/db` (`make run-prod`, a
cluster). Connections are checked before use, so that after a database restart the next
message works again without restarting Rasa. (The address, the connection check and the hook
on what is written reach into Rasa's SQLTrackerStore: bot/rasa_compat/tracker_store.py.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from rasa.shared.core.events import Event, SlotSet, UserUttered

from bot.rasa_compat.tracker_store import FilteringSQLTrackerStore

PASSWORD_SLOT = "service_password"
REQUESTED_SLOT = "requested_slot"
REDACTED = "（服务密码，已隐去）"
_SIX_DIGITS = re.compile(r"(?<![0-9０-９])[0-9０-９]{6}(?![0-9０-９])")


def redacted(event: UserUttered) -> UserUttered:
    parse_data: dict[str, Any] = {**(event.parse_data or {}), "text": REDACTED, "entities": []}
    return UserUttered(
        REDACTED,
        event.intent,
        [],
        parse_data,
        event.timestamp,
        event.input_channel,
        event.message_id,
        event.metadata,
    )


def without_passwords(events: list[Event], first: int) -> Iterator[Event]:
    """`events[first:]`, with every password answer redacted (the slot state is followed from
    the start, so a question asked in an earlier turn counts)."""
    requested = None
    for index, event in enumerate(events):
        if isinstance(event, SlotSet) and event.key == REQUESTED_SLOT:
            requested = event.value
        if index < first:
            continue
        if (
            isinstance(event, UserUttered)
            and requested == PASSWORD_SLOT
            and _SIX_DIGITS.search(event.text or "")
        ):
            yield redacted(event)
        else:
            yield event


class RedactingSQLTrackerStore(FilteringSQLTrackerStore):
    def events_to_store(self, events: list[Event], first: int) -> Iterator[Event]:
        return without_passwords(events, first)
