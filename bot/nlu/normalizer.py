"""Rasa component that cleans customer text before anything else reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import read_yaml_file

# The built spaCy pipeline needs the "telecom_words" factory registered before SpacyNLP loads
# it; this component comes first in config.yml, so Rasa imports this module before then.
from bot.nlu import spacy_pipeline  # noqa: F401
from bot.nlu.stored_state import JsonStateComponent
from bot.nlu.text import Corrections, normalize


@DefaultV1Recipe.register(
    # Registered as a featurizer so Rasa runs it on training data, on stories' user text
    # and on every incoming message, in the order given by config.yml (first).
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    is_trainable=True,
)
class TextNormalizer(JsonStateComponent):
    """Makes customer text look like the training data: simplified, half-width, no typos.

    The corrections are read from data/ at training time and stored in the model, so a
    trained model is self-contained.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"corrections_file": "data/lexicon/corrections.yml"}

    def use_state(self, state: dict[str, str] | None) -> None:
        self._corrections = Corrections(state or {})

    def train(self, training_data: TrainingData) -> Resource:
        content = read_yaml_file(Path(self._config["corrections_file"])) or {}
        corrections = {str(k): str(v) for k, v in (content.get("corrections") or {}).items()}
        return self.store_state(corrections)

    def _normalize_message(self, message: Message) -> None:
        text = message.get(TEXT)
        if not text or message.get(ENTITIES):
            # Annotated training examples keep their text: entity offsets refer to it.
            return
        message.set(TEXT, normalize(text, self._corrections))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalize_message(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._normalize_message(message)
        return messages
