"""Rasa component that keeps noise (emoji, punctuation, keyboard mashing) away from answers."""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file

from bot.nlu.text import has_chinese, latin_words

logger = logging.getLogger(__name__)

_VOCABULARY_FILE = "latin_vocabulary.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class NoiseGuard(GraphComponent):
    """Turns a message with nothing to understand into the fallback intent, whatever DIET says.

    A message is noise when it has no Chinese and no Latin word that ever occurs in the
    training data: "hi", "GPRS" and "5G" are words; "asdfgh", "🙂🙂" and a bare "12345" are
    not (a form that asks for a number reads it from the text, whatever the intent).
    Classifiers always pick some intent; without this guard "????" could get an FAQ answer.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"fallback_intent": "nlu_fallback"}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: set[str] | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary or set()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NoiseGuard:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> NoiseGuard:
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = set(read_json_file(directory / _VOCABULARY_FILE))
        except ValueError:
            logger.warning("No vocabulary stored in the model; only non-letters count as noise.")
            vocabulary = set()
        return cls(config, model_storage, resource, vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        vocabulary: set[str] = set()
        for example in training_data.training_examples:
            vocabulary |= latin_words(example.get(TEXT) or "")
        self._vocabulary = vocabulary
        with self._model_storage.write_to(self._resource) as directory:
            dump_obj_as_json_to_file(directory / _VOCABULARY_FILE, sorted(vocabulary))
        return self._resource

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
            fallback = {
                INTENT_NAME_KEY: self._config["fallback_intent"],
                PREDICTED_CONFIDENCE_KEY: 1.0,
            }
            message.set(INTENT, fallback, add_to_output=True)
            ranking = message.get(INTENT_RANKING_KEY) or []
            message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
        return messages
