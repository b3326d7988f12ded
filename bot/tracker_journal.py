"""While the conversations' database is down, conversations go on from what they knew, and
nothing said meanwhile is lost: it reaches the database, in order and once, when it is back.

Two copies beside the database, each of a conversation's events as the database holds them
(the service password redacted, bot/tracker_store.py):

- **The outage copy, in Redis** (the lock store's server, LOCK_STORE_URL, which every Rasa
  process shares): the conversation after each turn, kept a day, marked whether the database
  has it. While the database is down, a turn reads its conversation there, so a customer
  verified before or during the outage stays verified, whichever process the next message
  reaches. `make run` has no Redis: its one process reads its own journal instead.
- **The journal, a local SQLite file per process** (TRACKER_JOURNAL): the conversation after
  each turn the database refused. It outlives the process, and is what is written to the
  database when nobody talks in the conversation again, or Redis lost its copy too.

In order and once: Rasa's SQL store writes the events of a tracker beyond the number the
database holds for the conversation's session. Every copy written is a state of the one
history of the conversation (each turn, under the conversation's ticket, continues the latest
state it reads: the outage copy first when it is marked not in the database), and the database
holds a prefix of it, so writing a copy adds exactly the events the database is missing, in
order: a copy written twice (a crash between the database's commit and the journal's
delete), or an older copy after a newer one, adds nothing. A turn that finds its conversation
marked not in the database writes it there first; the journal's conversations are written by
a task of the process that kept them, every REPLAY_EVERY_S once it has handled a message,
each under the conversation's ticket (so never at once with a turn on another process).

Not covered: Redis and the database down at once — each process then answers from its own
journal (a conversation moving between processes meanwhile may continue from an older state).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa
from rasa.core.lock_store import LockError
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import settings
from bot.lock_store import ConversationLockStore, redis_client
from bot.sql_store import SqlStore
from bot.tracker_store import RedactingSQLTrackerStore, without_passwords

logger = logging.getLogger(__name__)

COPY_PREFIX = "tracker:"
COPY_LIFETIME_S = 24 * 3600
REDIS_TIMEOUT_S = 1.0  # a turn waits no longer than this for a Redis that is gone
REPLAY_EVERY_S = 2.0
# What the database raises when it cannot be reached (refused, restarting, cut off).
DATABASE_DOWN = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError, OSError)


@dataclass(frozen=True)
class Copy:
    events: list[dict[str, Any]]
    in_database: bool


class OutageCopies:
    """The conversations after their last turn, in Redis; a Redis that is gone is logged and
    does without (the database is then the only copy)."""

    def __init__(self, url: str) -> None:
        self._redis = redis_client(url, REDIS_TIMEOUT_S)

    def put(self, sender: str, events: list[dict[str, Any]], in_database: bool) -> None:
        value = json.dumps({"events": events, "in_database": in_database}, ensure_ascii=False)
        try:
            self._redis.set(COPY_PREFIX + sender, value, ex=COPY_LIFETIME_S)
        except redis.RedisError as error:
            logger.warning("outage copy of a conversation not kept: %s", error)

    def get(self, sender: str) -> Copy | None:
        try:
            stored = self._redis.get(COPY_PREFIX + sender)
        except redis.RedisError as error:
            logger.warning("outage copy of a conversation not read: %s", error)
            return None
        if stored is None:
            return None
        loaded = json.loads(stored)
        return Copy(list(loaded["events"]), bool(loaded["in_database"]))


class Journal(SqlStore):
    """The conversations the database refused, one row per conversation (its latest state)."""

    schema = (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE waiting (
            sender TEXT PRIMARY KEY,
            events TEXT NOT NULL,
            kept_at REAL NOT NULL)""",
    )
    made_by = "the tracker journal"
    afresh = "replay it with an older version, or move it away (its conversations are lost)"

    def keep(self, sender: str, events: str) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO waiting (sender, events, kept_at) VALUES (?, ?, ?)"
                " ON CONFLICT (sender) DO UPDATE SET events = excluded.events,"
                " kept_at = excluded.kept_at",
                (sender, events, time.time()),
            )

    def waiting(self) -> list[tuple[str, str]]:
        """(sender, events), the longest waiting first."""
        with self._read() as conn:
            rows = conn.execute("SELECT sender, events FROM waiting ORDER BY kept_at").fetchall()
        return [(row["sender"], row["events"]) for row in rows]

    def of(self, sender: str) -> str | None:
        with self._read() as conn:
            row = conn.execute("SELECT events FROM waiting WHERE sender = ?", (sender,)).fetchone()
        return None if row is None else str(row["events"])

    def forget(self, sender: str, events: str) -> None:
        """Once `events` are in the database; a later state kept meanwhile stays."""
        with self._write() as conn:
            conn.execute("DELETE FROM waiting WHERE sender = ? AND events = ?", (sender, events))


def as_stored(events: Sequence[Event]) -> list[dict[str, Any]]:
    """The events as the database gets them: the service password redacted."""
    return [event.as_dict() for event in without_passwords(list(events), 0)]


class JournaledTrackerStore(RedactingSQLTrackerStore):
    """bot/tracker_store.py's store, which goes on without its database (endpoints.yml)."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        journal: str | None = None,
        copies: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, host, **kwargs)
        journal_path = Path(journal or settings.value("TRACKER_JOURNAL"))
        journal_path.parent.mkdir(parents=True, exist_ok=True)
        self.journal = Journal(journal_path)
        lock_url = copies or settings.value("LOCK_STORE_URL")
        self.copies = OutageCopies(lock_url) if lock_url.startswith("redis") else None
        self._locks = ConversationLockStore(EndpointConfig(url=lock_url))
        self._replaying: asyncio.Task[None] | None = None
        self._down_since: float | None = None

    # -- what Rasa calls ----------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        self._replay_in_background()
        events = as_stored(tracker.events)
        in_database = await self._to_database(tracker)
        if not in_database:
            self.journal.keep(tracker.sender_id, json.dumps(events, ensure_ascii=False))
        if self.copies is not None:
            self.copies.put(tracker.sender_id, events, in_database)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        self._replay_in_background()
        waiting = self._not_in_database(sender_id)
        if waiting is not None:  # said while the database was down: it goes on from there
            tracker = self._tracker(sender_id, waiting)
            if await self._to_database(tracker):
                self._written(sender_id, waiting)
            return tracker
        try:
            return await super().retrieve(sender_id)
        except DATABASE_DOWN as error:
            self._database_down(error)
            copy = None if self.copies is None else self.copies.get(sender_id)
            return None if copy is None else self._tracker(sender_id, copy.events)

    # -- the copies ---------------------------------------------------------------------------

    def _not_in_database(self, sender: str) -> list[dict[str, Any]] | None:
        """The latest state of a conversation the database does not have yet, if any."""
        copy = None if self.copies is None else self.copies.get(sender)
        if copy is not None:
            return None if copy.in_database else copy.events
        kept = self.journal.of(sender)  # no copy: no Redis, or it lost it
        return None if kept is None else list(json.loads(kept))

    def _tracker(self, sender: str, events: list[dict[str, Any]]) -> DialogueStateTracker:
        return DialogueStateTracker.from_dict(sender, events, self.domain.slots)

    async def _to_database(self, tracker: DialogueStateTracker) -> bool:
        try:
            await super().save(tracker)
        except DATABASE_DOWN as error:
            self._database_down(error)
            return False
        if self._down_since is not None:
            logger.warning(
                "the conversations' database is back after %.0f s", time.time() - self._down_since
            )
            self._down_since = None
        return True

    def _written(self, sender: str, events: list[dict[str, Any]]) -> None:
        if self.copies is not None:
            self.copies.put(sender, events, in_database=True)
        kept = self.journal.of(sender)
        if kept is not None and json.loads(kept) == events:
            self.journal.forget(sender, kept)

    def _database_down(self, error: BaseException) -> None:
        if self._down_since is None:
            self._down_since = time.time()
            logger.error(
                "the conversations' database is unreachable; conversations go on from the"
                " outage copies and are journaled (%s)",
                str(error).splitlines()[0] if str(error) else type(error).__name__,
            )

    # -- the replay ---------------------------------------------------------------------------

    def _replay_in_background(self) -> None:
        if self._replaying is None or self._replaying.done():
            with contextlib.suppress(RuntimeError):  # no running loop: a script reading
                self._replaying = asyncio.get_running_loop().create_task(self._replay_forever())

    async def _replay_forever(self) -> None:
        while True:
            await asyncio.sleep(REPLAY_EVERY_S)
            try:
                await self.replay()
            except Exception:  # the next round tries again
                logger.exception("replaying the tracker journal failed")

    async def replay(self) -> int:
        """Writes the journal's conversations to the database, each under its ticket; the
        number written. Stops at the first the database refuses (it is still down)."""
        written = 0
        for sender, kept in self.journal.waiting():
            try:
                async with self._locks.lock(sender):
                    copy = None if self.copies is None else self.copies.get(sender)
                    if copy is not None and copy.in_database:  # a later turn wrote it
                        self.journal.forget(sender, kept)
                        continue
                    events = copy.events if copy is not None else list(json.loads(kept))
                    if not await self._to_database(self._tracker(sender, events)):
                        return written
                    self._written(sender, events)
                    self.journal.forget(sender, kept)
                    written += 1
            except LockError as error:
                logger.warning("journal replay waits for the lock store: %s", error)
                return written
        return written
