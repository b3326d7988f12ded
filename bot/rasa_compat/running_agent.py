"""The Rasa server's loaded model, for what our channels do beside answering: the handoff
gate's suggested answers for the human agent and its word to the bot when an agent is done
(bot/channels/gate.py), and the reading of a typed answer to the bot's own question
(bot/channels/answers.py), and the handling of a message once per message id (bot/channels/once.py).

Relies on Rasa keeping its `Agent` as `app.ctx.agent` on the Sanic app its channels are
registered on (set by `rasa.core.run.load_agent_on_start`, replaced by `rasa.server` when a
model is loaded), on `Agent.is_ready()`, `Agent.parse_message(text)` (the whole NLU
pipeline, our components included), `Agent.domain.responses`, `Agent.tracker_store.retrieve`
(an external event's `UserUttered` marked `is_external` in its metadata),
and on triggering an intent as Rasa's own `POST /conversations/{id}/trigger_intent` does
(`lock_store.lock`, `processor.fetch_tracker_and_update_session`, `Agent.trigger_intent`,
which saves the tracker), and on handling a message as `Agent.handle_message` does
(`lock_store.lock(sender_id)` around `processor.handle_message(message)`, which stores the
customer's `UserUttered` with the message's `message_id` and the tracker once the turn is done).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.constants import IS_EXTERNAL
from rasa.shared.core.events import BotUttered, Event, UserUttered
from sanic import Blueprint, Sanic


def answers_to(events: Iterable[Event], message_id: str) -> list[dict[str, Any]] | None:
    """What the bot sent in answer to the customer's message `message_id` (each as Rasa sent
    it to the channel), or None when the conversation does not hold that message."""
    answers: list[dict[str, Any]] | None = None
    for event in events:
        if isinstance(event, UserUttered) and not event.metadata.get(IS_EXTERNAL):
            if answers is not None:
                break
            if event.message_id == message_id:
                answers = []
        elif isinstance(event, BotUttered) and answers is not None:
            answers.append(event.message())
    return answers


class RunningAgent:
    """The model of the Rasa server `app` belongs to; None until Rasa has loaded one. Made
    before the server exists, it is bound to it by `bind_with`."""

    def __init__(self, app: Sanic | None = None) -> None:
        self._app = app

    def bind_with(self, blueprint: Blueprint) -> None:
        """Reads the model of the server that registers the blueprint."""

        @blueprint.listener("before_server_start")
        async def bind(app: Sanic, _: Any) -> None:
            self._app = app

    def _agent(self) -> Any:
        agent = None if self._app is None else getattr(self._app.ctx, "agent", None)
        return agent if agent is not None and agent.is_ready() else None

    def loaded(self) -> bool:
        return self._agent() is not None

    async def handle_once(self, message: UserMessage) -> list[dict[str, Any]] | None:
        """Rasa's `Agent.handle_message`, once per `message.message_id`: under the
        conversation's lock (held across processes by the lock store), a message the tracker
        already holds (a retry, whichever process got it first) is not handled again, and the
        bot's answers to it are returned to be sent again; None once it has been handled (or
        when no model is loaded, when Rasa ignores it too)."""
        agent = self._agent()
        if agent is None:
            return None
        async with agent.lock_store.lock(message.sender_id):
            tracker = await agent.tracker_store.retrieve(message.sender_id)
            answered = None
            if tracker is not None and message.message_id:
                answered = answers_to(tracker.events, message.message_id)
            if answered is not None:
                return answered
            await agent.processor.handle_message(message)
        return None

    async def parse(self, text: str) -> dict[str, Any] | None:
        agent = self._agent()
        return None if agent is None else await agent.parse_message(text)

    def responses(self) -> dict[str, Any]:
        agent = self._agent()
        return {} if agent is None or agent.domain is None else dict(agent.domain.responses)

    async def said_since_customer(self, sender: str) -> list[str]:
        """The responses (`utter_action`s) the bot has said since the customer's latest
        message, oldest first; [] for a new conversation or before a model is loaded."""
        agent = self._agent()
        tracker = None if agent is None else await agent.tracker_store.retrieve(sender)
        said: list[str] = []
        for event in reversed(tracker.events if tracker is not None else []):
            if isinstance(event, UserUttered) and not event.metadata.get(IS_EXTERNAL):
                break
            if isinstance(event, BotUttered) and event.metadata.get("utter_action"):
                said.insert(0, str(event.metadata["utter_action"]))
        return said

    async def trigger_intent(self, sender: str, intent: str, output: OutputChannel) -> bool:
        """Makes the bot act on `intent` as if the customer had sent it, answering on
        `output`; False when no model is loaded."""
        agent = self._agent()
        if agent is None:
            return False
        async with agent.lock_store.lock(sender):
            tracker = await agent.processor.fetch_tracker_and_update_session(sender, output)
            await agent.trigger_intent(intent, [], output, tracker)
        return True
