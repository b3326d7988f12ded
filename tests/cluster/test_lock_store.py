"""The conversation lock shared by several Rasa processes: one message of a conversation at a
time, whichever process takes it; in memory for one process."""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest
from rasa.utils.endpoints import EndpointConfig

from bot.cluster.redis import LocalRedis
from bot.lock_store import ConversationLockStore


def store(url: str) -> ConversationLockStore:
    return ConversationLockStore(EndpointConfig(url=url))


def test_tickets_taken_at_once_by_two_processes_are_all_different(local_redis: LocalRedis) -> None:
    """Rasa 3.6's RedisLockStore reads, adds and writes back: two processes could get the same
    ticket and handle two messages of one conversation together."""
    conversation = uuid.uuid4().hex
    stores = [store(local_redis.url()), store(local_redis.url())]
    tickets: list[int] = []
    guard = threading.Lock()

    def take(lock_store: ConversationLockStore) -> None:
        for _ in range(150):
            ticket = lock_store.issue_ticket(conversation, 60)
            with guard:
                tickets.append(ticket)

    threads = [threading.Thread(target=take, args=(each,)) for each in stores for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tickets) == 600
    assert len(set(tickets)) == 600


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_messages_of_one_conversation_are_handled_one_after_the_other(
    kind: str, local_redis: LocalRedis
) -> None:
    url = local_redis.url() if kind == "redis" else "memory://"
    shared = store(url)
    stores = [shared, store(url) if kind == "redis" else shared]
    conversation = uuid.uuid4().hex
    inside = 0
    most_inside = 0
    order: list[int] = []

    async def handle(lock_store: ConversationLockStore, message: int) -> None:
        nonlocal inside, most_inside
        async with lock_store.lock(conversation, wait_time_in_seconds=0.01):
            inside += 1
            most_inside = max(most_inside, inside)
            await asyncio.sleep(0.02)  # the work of a turn, during which others must wait
            order.append(message)
            inside -= 1

    await asyncio.gather(*(handle(stores[n % 2], n) for n in range(8)))
    assert most_inside == 1
    assert order == list(range(8))  # in the order the messages arrived
    assert shared.get_lock(conversation) is None  # nothing left behind


async def test_a_conversation_left_locked_by_a_dead_process_is_free_once_its_ticket_expires(
    local_redis: LocalRedis,
) -> None:
    conversation = uuid.uuid4().hex
    dead = store(local_redis.url())
    dead.issue_ticket(conversation, 0.5)  # taken, never given back
    alive = store(local_redis.url())
    async with alive.lock(conversation, lock_lifetime=5, wait_time_in_seconds=0.1) as lock:
        assert not lock.is_locked(lock.last_issued)


async def test_a_message_queued_right_behind_one_whose_process_died_is_still_handled(
    local_redis: LocalRedis,
) -> None:
    """Its ticket is issued a moment after the dead one's, with the same lifetime: Rasa's lock
    let both expire together and failed the waiting message."""
    conversation = uuid.uuid4().hex
    store(local_redis.url()).issue_ticket(conversation, 1.0)  # its process dies
    alive = store(local_redis.url())
    async with alive.lock(conversation, lock_lifetime=1.0, wait_time_in_seconds=0.5) as lock:
        assert not lock.is_locked(lock.last_issued)


def test_an_unknown_lock_store_address_is_refused_without_showing_it() -> None:
    with pytest.raises(ValueError) as refused:
        store("mongodb://user:secret-password@host/db")
    assert "secret-password" not in str(refused.value)
