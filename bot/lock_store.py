"""The lock that keeps the messages of one conversation from being processed concurrently.

Rasa holds a ticket lock per conversation while it handles a message. Configured in
endpoints.yml by one address, LOCK_STORE_URL:

- `memory://` — one Rasa process (`make run`): the locks live in that process.
- `redis://[:password@]host:port/db` — several Rasa processes (`make run-prod`, a cluster).

Rasa 3.6's own RedisLockStore reads a lock, adds or removes a ticket and writes it back in
separate commands, so two processes taking a ticket for the same conversation at the same moment
can both be served first. Here every change `lock()` makes (taking a ticket, waiting, giving it
back; Rasa uses nothing else of a lock store) is one atomic step: a WATCH/MULTI
transaction in Redis (retried when another process changed the lock in between), a plain
read-modify-write in memory (one event loop, no await inside).

A ticket expires TICKET_LOCK_LIFETIME seconds (Rasa's variable; 60 by default) after its message
starts being handled, which is how a conversation whose process died mid-message becomes free
again. Rasa counts the lifetime from when the ticket was issued instead, so a message queued
behind one whose process died expired together with it and failed; here a waiting ticket is
kept alive, and the queue is looked at every WAIT_S rather than every second.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from urllib.parse import unquote, urlsplit

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

KEY_PREFIX = "lock:"
REDIS_TIMEOUT_S = 5.0
WAIT_S = 0.2

# A change to one conversation's lock: the lock as stored (None: there is none) → the lock to
# store (None: delete it).
LockChange = Callable[[TicketLock | None], TicketLock | None]


def redis_client(url: str, timeout_s: float) -> redis.Redis:
    """A client of the Redis at `redis://[:password@]host:port/db` (`rediss://`: over TLS)."""
    parts = urlsplit(url)
    return redis.Redis(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 6379,
        db=int(parts.path.strip("/") or 0),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        ssl=parts.scheme == "rediss",
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        health_check_interval=30,
    )


class ConversationLockStore(LockStore):
    """Rasa's LockStore with atomic ticket changes, in memory or in Redis by LOCK_STORE_URL."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        url = endpoint_config.url or "memory://"
        parts = urlsplit(url)
        self._memory: dict[str, TicketLock] | None = None
        self._redis: redis.Redis | None = None
        if parts.scheme == "memory":
            self._memory = {}
        elif parts.scheme in ("redis", "rediss"):
            self._redis = redis_client(url, REDIS_TIMEOUT_S)
        else:
            # The address may hold a password: name the scheme only.
            raise ValueError(
                f"LOCK_STORE_URL must be memory:// or redis://…, not a {parts.scheme!r} address"
            )
        super().__init__()

    # The three primitives Rasa's base class reads and writes through.

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        if self._memory is not None:
            return self._memory.get(conversation_id)
        assert self._redis is not None
        return _parsed(self._redis.get(KEY_PREFIX + conversation_id))

    def delete_lock(self, conversation_id: str) -> None:
        self._change(conversation_id, lambda lock: None)

    def save_lock(self, lock: TicketLock) -> None:
        self._change(lock.conversation_id, lambda stored: lock)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = WAIT_S,
    ) -> AsyncIterator[TicketLock]:
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            while True:
                try:
                    lock = self._change(conversation_id, _waiting(ticket, lock_lifetime))
                except redis.RedisError as error:
                    raise LockError(f"Lock store unreachable: {type(error).__name__}") from error
                if lock is None or all(each.number != ticket for each in lock.tickets):
                    raise LockError(f"The lock of conversation {conversation_id} was lost.")
                if not lock.is_locked(ticket):
                    break
                await asyncio.sleep(min(wait_time_in_seconds, WAIT_S))
            yield lock
        finally:
            self.cleanup(conversation_id, ticket)

    # Taking and giving back a ticket, each one atomic step. (The base class's update_lock and
    # finish_serving served only its own lock(), replaced above.)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        tickets: list[int] = []

        def add_ticket(lock: TicketLock | None) -> TicketLock:
            lock = lock or TicketLock(conversation_id)
            tickets.append(lock.issue_ticket(lock_lifetime))
            return lock

        try:
            self._change(conversation_id, add_ticket)
        except redis.RedisError as error:
            raise LockError(f"Lock store unreachable: {type(error).__name__}") from error
        return tickets[-1]

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """The ticket served; the lock deleted in the same step when nobody else waits."""
        self._change(conversation_id, _without_ticket(ticket_number))

    def _change(self, conversation_id: str, change: LockChange) -> TicketLock | None:
        """Applies `change` to the stored lock atomically; returns what is stored now."""
        if self._memory is not None:
            changed = change(self._memory.get(conversation_id))
            if changed is None:
                self._memory.pop(conversation_id, None)
            else:
                self._memory[conversation_id] = changed
            return changed
        assert self._redis is not None
        key = KEY_PREFIX + conversation_id
        with self._redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    changed = change(_parsed(pipe.get(key)))
                    pipe.multi()
                    if changed is None:
                        pipe.delete(key)
                    else:
                        # Expires with its last ticket at the latest, so that a lock left by a
                        # process killed mid-message does not stay in Redis for ever.
                        pipe.set(key, changed.dumps(), ex=_seconds_left(changed))
                    pipe.execute()
                    return changed
                except redis.WatchError:
                    continue  # another process changed this lock in between: again


def _parsed(serialised: bytes | None) -> TicketLock | None:
    return TicketLock.from_dict(json.loads(serialised)) if serialised else None


def _waiting(ticket_number: int, lifetime: float) -> LockChange:
    """Expired tickets dropped; ours, while others are served before it, renewed."""

    def change(lock: TicketLock | None) -> TicketLock | None:
        if lock is None:
            return None
        lock.remove_expired_tickets()
        if lock.is_locked(ticket_number):
            for ticket in lock.tickets:
                if ticket.number == ticket_number:
                    ticket.expires = max(ticket.expires, time.time() + lifetime)
        return lock

    return change


def _without_ticket(ticket_number: int) -> LockChange:
    def change(lock: TicketLock | None) -> TicketLock | None:
        if lock is None:
            return None
        lock.remove_ticket_for(ticket_number)
        return lock if lock.is_someone_waiting() else None

    return change


def _seconds_left(lock: TicketLock) -> int:
    latest = max((ticket.expires for ticket in lock.tickets), default=time.time())
    return max(1, int(latest - time.time()) + 1)
