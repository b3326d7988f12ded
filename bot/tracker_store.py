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
message works again without restarting Rasa.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
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


def url_settings(url: str) -> dict[str, Any]:
    """SQLTrackerStore's settings (dialect, host, port, db, username, password) from one
    address."""
    parsed = sa.engine.make_url(url)
    return {
        "dialect": parsed.drivername,
        "host": parsed.host,
        "port": parsed.port,
        "db": parsed.database,
        "username": parsed.username,
        "password": parsed.password,
    }


class RedactingSQLTrackerStore(SQLTrackerStore):
    def __init__(
        self, domain: Domain | None = None, host: str | None = None, **kwargs: Any
    ) -> None:
        """`host` is endpoints.yml's `url` (Rasa passes a custom store's url as `host`)."""
        if host and "://" in host:
            kwargs = {**kwargs, **url_settings(host)}
            host = kwargs.pop("host")
        super().__init__(domain, host=host, **kwargs)
        # Rasa's engine reuses pooled connections blindly: one dead connection per pool slot
        # after a database restart would fail a customer's message each.
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        new = sum(1 for _ in super()._additional_events(session, tracker))
        events = list(tracker.events)
        return without_passwords(events, len(events) - new)
