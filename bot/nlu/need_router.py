"""Rasa component that sends questions to the understanding, whatever the classifier said."""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.stored_state import NluComponent, override_intent
from bot.understanding.routing import routed_intent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class NeedRouter(NluComponent):
    """Makes a catalogue question, a bare topic or a near-domain subject an FAQ or out-of-scope
    message, so that action_answer answers it instead of a verification starting
    (bot/understanding/routing.py says which)."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith(INTENT_MESSAGE_PREFIX):
                continue
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            routed = routed_intent(text, intent)
            if routed is not None and routed != intent:
                override_intent(message, routed)
        return messages
