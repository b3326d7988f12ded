"""Keeps the bot out of conversations that a human agent has (bot/handoff).

Every customer channel passes its messages through `HandoffGate.wrap`. While a conversation
is handed off, the customer's message goes to the agent desk instead of to Rasa, and what the
agent wrote since is delivered in the reply; otherwise the message goes to Rasa as usual,
after any notice still waiting for the customer (the agent's last words, "back to the bot").
When the desk cannot be reached the gate lets the bot answer: a customer is never left
without a reply because the desk is down.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.handoff.client import DeskClient, DeskUnavailable
from bot.handoff.notices import notice

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[None]]


async def _send_all(output: OutputChannel, recipient: str, texts: list[str]) -> None:
    for text in texts:
        await output.send_text_message(recipient, text)


class HandoffGate:
    def __init__(self, desk: DeskClient) -> None:
        self._desk = desk

    @classmethod
    def from_env(cls) -> HandoffGate:
        return cls(DeskClient.from_env())

    def wrap(self, on_new_message: OnNewMessage) -> OnNewMessage:
        async def handle(message: UserMessage) -> None:
            sender = message.sender_id or ""
            if await self._kept_for_agent(message, sender):
                return
            try:
                waiting = await self._desk.take_outbox(sender)
            except DeskUnavailable as error:
                logger.warning("agent desk unreachable, the bot answers (%s)", error)
                waiting = []
            await _send_all(message.output_channel, sender, [item["text"] for item in waiting])
            await on_new_message(message)

        return handle

    async def _kept_for_agent(self, message: UserMessage, sender: str) -> bool:
        """True when a human has the conversation: the message went to the desk."""
        try:
            taken = await self._desk.add_customer_message(sender, message.text or "")
        except DeskUnavailable as error:
            logger.warning("agent desk unreachable, the bot answers (%s)", error)
            return False
        if taken is None:
            return False
        texts = [item["text"] for item in taken["outbox"]]
        if taken["handoff"]["status"] == "queued" and not texts:
            texts.append(notice("queued", position=max(1, taken["position"] or 1)))
        await _send_all(message.output_channel, sender, texts)
        return True
