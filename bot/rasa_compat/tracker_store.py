"""Rasa's SQL tracker store as bot/tracker_store.py needs it: configured by one address, with
connections checked before use, and a say in which events are written.

Rasa 3.6 offers none of the three, so this subclass reaches into `SQLTrackerStore`
(tests/rasa_compat/test_tracker_store.py pins each):

- **One address.** Rasa passes a custom store's endpoints.yml `url` as `host`
  (`_load_from_module_name_in_endpoint_config`); an address with a scheme is split into the
  constructor's dialect, host, port, db, username and password.
- **Connections checked before use.** Rasa's engine reuses pooled connections blindly: one dead
  connection per pool slot after a database restart would fail a customer's message each. The
  store's `engine` and `sessionmaker` (which `session_scope` opens every session with) are
  replaced by ones with `pool_pre_ping`.
- **Which events are written.** `save` writes what `_additional_events(session, tracker)`
  yields: the events of the tracker not stored yet. Overridden so that a subclass's
  `events_to_store(events, first)` decides what is written of `events[first:]`, seeing the
  conversation's earlier events too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker


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


class FilteringSQLTrackerStore(SQLTrackerStore):
    engine: sa.engine.Engine  # Rasa's assignment is too roundabout for mypy to infer

    def __init__(
        self, domain: Domain | None = None, host: str | None = None, **kwargs: Any
    ) -> None:
        """`host` is endpoints.yml's `url` (Rasa passes a custom store's url as `host`)."""
        if host and "://" in host:
            kwargs = {**kwargs, **url_settings(host)}
            host = kwargs.pop("host")
        super().__init__(domain, host=host, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def events_to_store(self, events: list[Event], first: int) -> Iterable[Event]:
        """What is written of the new events `events[first:]` (`events` is the tracker's)."""
        return events[first:]

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        new = sum(1 for _ in super()._additional_events(session, tracker))
        events = list(tracker.events)
        return iter(self.events_to_store(events, len(events) - new))
