"""Each customer message is handled once, whichever process gets it and however often it is
sent: a retry is answered with what the bot said the first time.

A message carries the id its channel was given (`message_id` on REST, the id the web page
makes for each message it sends) in its metadata under `MESSAGE_ID`; `once_per_id` makes it
the message's Rasa `message_id`, which Rasa stores with the customer's `UserUttered`. Under
the conversation's lock the tracker is read first: a message id it already holds is not
handled again, and the answers that followed it are sent instead (bot/rasa_compat/
running_agent.py). Several Rasa processes share the tracker store and the lock store, so a
retry that nginx passes to the other process after the first one died is found there too.
A message without an id (a REST caller who gave none) gets Rasa's own fresh one: it cannot be
retried, so it is not looked up.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.channels.gate import OnNewMessage
from bot.rasa_compat.running_agent import RunningAgent

MESSAGE_ID = "message_id"  # the metadata key a channel puts the given id under
_VALID_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
ID_RULE = "message_id must be 1 to 128 letters, digits or the characters _ . : -"


def message_id_of(value: Any) -> str | None:
    """The message id a caller gave, when it is one we can keep (else None)."""
    return value if isinstance(value, str) and _VALID_ID.match(value) else None


def once_per_id(on_new_message: OnNewMessage, model: RunningAgent) -> OnNewMessage:
    async def handle(message: UserMessage) -> None:
        given = (message.metadata or {}).pop(MESSAGE_ID, None)
        if given is None or not model.loaded():
            await on_new_message(message)
            return
        message.message_id = given
        for answer in await model.handle_once(message) or []:
            await message.output_channel.send_response(message.sender_id or "", answer)

    return handle
