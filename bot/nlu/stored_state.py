"""What our NLU components share: how Rasa creates them, state stored in the model, intent
overrides."""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file
from typing_extensions import Self

logger = logging.getLogger(__name__)

_STATE_FILE = "state.json"


def override_intent(message: Message, intent_name: str) -> None:
    """Makes `intent_name` the certain intent, keeping the classifiers' ranking below it."""
    decided = {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, decided, add_to_output=True)
    ranking = message.get(INTENT_RANKING_KEY) or []
    message.set(INTENT_RANKING_KEY, [decided, *ranking], add_to_output=True)


class NluComponent(GraphComponent):
    """Our NLU components: Rasa creates each from its config, with where it may store what it
    learns (`model_storage`, `resource`)."""

    def __init__(
        self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Self:
        return cls(config, model_storage, resource)


class JsonStateComponent(NluComponent):
    """Learns its state in `train`, stores it in the model, and gets it back in `load`.

    Subclasses set `self` up from the state in `use_state` (called with None before
    training or when a model has no state stored) and call `store_state` from `train`.
    """

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        state: Any = None,
    ) -> None:
        super().__init__(config, model_storage, resource)
        self.use_state(state)

    def use_state(self, state: Any) -> None:
        raise NotImplementedError

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Self:
        try:
            with model_storage.read_from(resource) as directory:
                state = read_json_file(directory / _STATE_FILE)
        except ValueError:
            logger.warning("%s: no state stored in the model, using defaults", cls.__name__)
            state = None
        return cls(config, model_storage, resource, state)

    def store_state(self, state: Any) -> Resource:
        with self._model_storage.write_to(self._resource) as directory:
            dump_obj_as_json_to_file(directory / _STATE_FILE, state)
        self.use_state(state)
        return self._resource
