"""Rasa component that keeps noise (emoji, punctuation, keyboard mashing) away from answers."""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.stored_state import JsonStateComponent, override_intent
from bot.nlu.text import has_chinese, latin_words


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class NoiseGuard(JsonStateComponent):
    """Turns a message with nothing to understand into the fallback intent, whatever DIET says.

    A message is noise when it has no Chinese and no Latin word that ever occurs in the
    training data: "hi", "GPRS" and "5G" are words; "asdfgh", "🙂🙂" and a bare "12345" are
    not (a form that asks for a number reads it from the text, whatever the intent).
    Classifiers always pick some intent; without this guard "????" could get an FAQ answer.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"fallback_intent": "nlu_fallback"}

    def use_state(self, state: list[str] | None) -> None:
        self._vocabulary = set(state or [])

    def train(self, training_data: TrainingData) -> Resource:
        vocabulary: set[str] = set()
        for example in training_data.training_examples:
            vocabulary |= latin_words(example.get(TEXT) or "")
        return self.store_state(sorted(vocabulary))

    def is_noise(self, text: str) -> bool:
        if text.startswith(INTENT_MESSAGE_PREFIX):
            return False
        if has_chinese(text):
            return False
        return not (latin_words(text) & self._vocabulary)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if not self.is_noise(message.get(TEXT) or ""):
                continue
            override_intent(message, self._config["fallback_intent"])
        return messages
