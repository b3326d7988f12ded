"""Rasa component that cleans customer text before anything else reads it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file, read_yaml_file

from bot.nlu.text import compile_corrections, normalize

logger = logging.getLogger(__name__)

_CORRECTIONS_FILE = "corrections.json"


@DefaultV1Recipe.register(
    # Registered as a featurizer so Rasa runs it on training data, on stories' user text
    # and on every incoming message, in the order given by config.yml (first).
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    is_trainable=True,
)
class TextNormalizer(GraphComponent):
    """Makes customer text look like the training data: simplified, half-width, no typos.

    The corrections list is read from data/ at training time and stored in the model, so a
    trained model is self-contained.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"corrections_file": "data/lexicon/corrections.yml"}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        corrections: dict[str, str] | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._corrections = corrections or {}
        self._pattern = compile_corrections(self._corrections)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TextNormalizer:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TextNormalizer:
        try:
            with model_storage.read_from(resource) as directory:
                corrections = read_json_file(directory / _CORRECTIONS_FILE)
        except ValueError:
            logger.warning("No corrections stored in the model; typos are not fixed.")
            corrections = {}
        return cls(config, model_storage, resource, corrections)

    def train(self, training_data: TrainingData) -> Resource:
        content = read_yaml_file(Path(self._config["corrections_file"])) or {}
        self._corrections = {str(k): str(v) for k, v in content.get("corrections", {}).items()}
        self._pattern = compile_corrections(self._corrections)
        with self._model_storage.write_to(self._resource) as directory:
            dump_obj_as_json_to_file(directory / _CORRECTIONS_FILE, self._corrections)
        return self._resource

    def _normalize_message(self, message: Message) -> None:
        text = message.get(TEXT)
        if not text:
            return
        if message.get(ENTITIES):
            # Annotated training examples keep their text: entity offsets refer to it.
            return
        message.set(TEXT, normalize(text, self._corrections, self._pattern))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalize_message(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._normalize_message(message)
        return messages
