"""Pushes what human agents write to customers on channels that can be written to at any
time (the web chat while the page is open, SMS always), instead of waiting for the customer's
next message as the REST channel must.

One poll of the agent desk per interval takes every waiting message of the channel's
conversations at once; each is delivered exactly once (the desk marks them taken). The channel
is told when what it delivers ends an agent's service (a close or a hand-back), so that it can
let the bot take over (the handoff gate's `back_to_bot`: the rating question).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sanic import Blueprint, Sanic

from bot import settings
from bot.handoff.client import DeskClient, DeskRequestError, DeskUnavailable

logger = logging.getLogger(__name__)

# (sender, texts, whether the texts end an agent's service)
Deliver = Callable[[str, list[str], bool], Awaitable[None]]
Reachable = Callable[[], set[str]]


class AgentPush:
    def __init__(
        self,
        desk: DeskClient,
        channel: str,
        reachable: Reachable | None,
        interval_s: float,
    ) -> None:
        self._desk = desk
        self._channel = channel
        self._reachable = reachable
        self._interval_s = interval_s

    @classmethod
    def from_env(cls, channel: str, reachable: Reachable | None = None) -> AgentPush:
        interval = settings.seconds("AGENT_PUSH_INTERVAL_S")
        return cls(DeskClient.from_env(), channel, reachable, interval)

    async def push_once(self, deliver: Deliver) -> int:
        """Delivers what waits; only to senders that can be reached now (when the channel
        says who can), so nothing is taken for a page that is closed. Returns how many."""
        senders = None if self._reachable is None else sorted(self._reachable())
        if senders == []:
            return 0
        waiting = await self._desk.take_channel_outbox(self._channel, senders)
        by_sender: dict[str, list[str]] = {}
        ended: set[str] = set()
        for item in waiting:
            by_sender.setdefault(item["sender"], []).append(item["text"])
            if item.get("ends_service"):
                ended.add(item["sender"])
        for sender, texts in by_sender.items():
            await deliver(sender, texts, sender in ended)
        return len(waiting)

    async def run(self, deliver: Deliver) -> None:
        while True:
            try:
                await self.push_once(deliver)
            except (DeskUnavailable, DeskRequestError) as error:
                logger.debug("agent desk not reachable for %s pushes (%s)", self._channel, error)
            except Exception:  # a failed delivery must not end the pushing for everyone
                logger.exception("pushing agents' messages on %s failed", self._channel)
            await asyncio.sleep(self._interval_s)

    def attach(self, blueprint: Blueprint, deliver: Deliver) -> None:
        """Runs the pushing for as long as the server that registers the blueprint, and closes
        the desk connections when it stops."""
        task: dict[str, asyncio.Task[Any]] = {}

        @blueprint.listener("after_server_start")
        async def start(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            task["push"] = loop.create_task(self.run(deliver))

        @blueprint.listener("before_server_stop")
        async def stop(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            running = task.pop("push", None)
            if running is not None:
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running
            await self._desk.close()
