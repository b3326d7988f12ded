"""Keeps the bot out of conversations that a human agent has (bot/handoff).

Every customer channel passes its messages through `HandoffGate.wrap`, which makes one call
to the agent desk per message (`POST /internal/inbound/{sender}`). While a conversation is
handed off, the desk keeps the message for the agent instead of Rasa getting it, and what the
agent wrote since is delivered in the reply; otherwise the message goes to Rasa as usual,
after any notice still waiting for the customer (the agent's last words, "back to the bot").
When the desk cannot be reached (or refuses the call) the gate lets the bot answer: a
customer is never left without a reply because the desk is down.

For a message kept for the agent, the gate then reads it with the server's own model and
gives the desk the assistant's suggested answers (bot/understanding/suggestions.py), after
the customer has had their reply; a failure there costs the agent a suggestion, nothing more.

When an agent closes or hands back, the channels that push (web chat, SMS) deliver the notice
and call `back_to_bot`, which tells the bot (the `handoff_ended` intent; it asks for a rating,
data/rules/satisfaction.yml). On REST the notice arrives with the customer's next message,
which the bot answers: the moment for a rating has passed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, Sanic

from bot.handoff.client import DeskClient, DeskRequestError, DeskUnavailable
from bot.handoff.notices import notice
from bot.rasa_compat.running_agent import RunningAgent
from bot.understanding.replies import texts_from
from bot.understanding.suggestions import suggest

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[None]]
HANDOFF_ENDED = "handoff_ended"  # the intent the bot gets when an agent's service ends


async def _send_all(output: OutputChannel, recipient: str, texts: list[str]) -> None:
    for text in texts:
        await output.send_text_message(recipient, text)


class HandoffGate:
    def __init__(self, desk: DeskClient) -> None:
        self._desk = desk
        self.model = RunningAgent()  # bound to the server by close_with

    @classmethod
    def from_env(cls) -> HandoffGate:
        return cls(DeskClient.from_env())

    def wrap(self, on_new_message: OnNewMessage) -> OnNewMessage:
        async def handle(message: UserMessage) -> None:
            sender = message.sender_id or ""
            try:  # one call per message: kept for the agent or not, and what waits
                answer = await self._desk.inbound(sender, message.text or "")
            except (DeskUnavailable, DeskRequestError) as error:
                logger.warning("agent desk unavailable, the bot answers (%s)", error)
                answer = {"kept": False, "outbox": []}
            texts = [item["text"] for item in answer["outbox"]]
            kept = answer["kept"]  # a human has the conversation: the message went to the desk
            if kept and answer["handoff"]["status"] == "queued" and not texts:
                texts.append(notice("queued", position=max(1, answer["position"] or 1)))
            await _send_all(message.output_channel, sender, texts)
            if not kept:
                await on_new_message(message)
            else:
                await self._suggest(answer["handoff"]["id"], answer["message_id"], message.text)

        return handle

    async def back_to_bot(self, sender: str, output: OutputChannel) -> None:
        """An agent's service of `sender` ended: the bot takes over, answering on `output`."""
        try:
            if not await self.model.trigger_intent(sender, HANDOFF_ENDED, output):
                logger.warning("no model loaded: the bot was not told that a handoff ended")
        except Exception:  # the notice was delivered; the rating question is what is lost
            logger.exception("telling the bot that a handoff ended failed")

    async def _suggest(self, handoff_id: int, message_id: int, text: str | None) -> None:
        if not text:
            return
        try:
            parse_data = await self.model.parse(text)
            if parse_data is None:
                return
            suggested = suggest(text, parse_data, texts_from(self.model.responses()))
            if suggested:
                await self._desk.suggest(handoff_id, message_id, suggested)
        except (DeskUnavailable, DeskRequestError) as error:
            logger.warning("suggestions for handoff %d not delivered (%s)", handoff_id, error)
        except Exception:
            logger.exception("suggestions for handoff %d failed", handoff_id)

    def close_with(self, blueprint: Blueprint) -> None:
        """Reads with the model of the server that registers the blueprint, and closes the
        desk connections when it stops."""

        self.model.bind_with(blueprint)

        @blueprint.listener("before_server_stop")
        async def close(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            await self._desk.close()
