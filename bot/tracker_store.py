"""Rasa's SQL tracker store, minus the service passwords customers type.

The verification form reads the password from the customer's message and never puts it in a
slot, but Rasa would still store the message itself. Before events are written, a message
answering the form's password question (the `requested_slot` was `service_password`) that
holds six digits is stored as `REDACTED`, as is its parse data. The running turn has
already used the real text; every later turn, and anyone reading the database, sees only the
placeholder. Configured in endpoints.yml: SQLite at `var/tracker.sqlite3` by default, any
SQLAlchemy database (PostgreSQL in production) by its settings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

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


class RedactingSQLTrackerStore(SQLTrackerStore):
    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        new = sum(1 for _ in super()._additional_events(session, tracker))
        events = list(tracker.events)
        return without_passwords(events, len(events) - new)
