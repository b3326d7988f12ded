"""Rasa component that refuses an FAQ answer to a message with nothing telecom in it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import read_yaml_file

from bot.nlu.stored_state import JsonStateComponent, override_intent
from bot.understanding.reviewed import reviewed_key


def domain_words(training_data: TrainingData, words_file: Path) -> list[str]:
    """The lexicon's lookup tables and synonyms, plus the hints of data/lexicon/."""
    words: set[str] = set()
    for table in training_data.lookup_tables:
        words.update(table["elements"])
    for variant, value in training_data.entity_synonyms.items():
        words.update((variant, value))
    content = read_yaml_file(words_file) or {}
    words.update(str(word) for word in content.get("domain_words") or [])
    return sorted({word.lower() for word in words if word})


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class DomainGate(JsonStateComponent):
    """Turns an FAQ prediction into out_of_scope when the message has no domain word.

    Classifiers learn question *forms* too: "下周杭州会下雪吗" is phrased like an FAQ
    question and can get an FAQ answer with high confidence. Every FAQ question names
    something of the operator's (彩铃, 话费, 过户, 58的套餐 …); a message naming none of
    them is answered as out of scope, which tells the customer what we can help with.

    Except what the training data itself teaches as an FAQ question: an example without a
    domain word (one an operator assigned in the review queue, data/nlu/reviewed.yml, say)
    passes when a customer sends it again, so that the retrained model answers it.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "words_file": "data/lexicon/domain_words.yml",
            "gated_intent": "faq",
            "out_of_scope_intent": "out_of_scope",
        }

    def use_state(self, state: dict[str, list[str]] | list[str] | None) -> None:
        if not isinstance(state, dict):  # a model trained before examples were taught
            state = {"words": state or [], "taught": []}
        words = sorted(state["words"], key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, words))) if words else None
        self._taught = frozenset(state["taught"])

    def train(self, training_data: TrainingData) -> Resource:
        words = domain_words(training_data, Path(self._config["words_file"]))
        self.use_state(words)
        taught = {
            reviewed_key(example.get(TEXT) or "")
            for example in training_data.intent_examples
            if example.get(INTENT) == self._config["gated_intent"]
            and not self.has_domain_word(example.get(TEXT) or "")
        }
        return self.store_state({"words": words, "taught": sorted(taught - {""})})

    def has_domain_word(self, text: str) -> bool:
        return self._pattern is None or bool(self._pattern.search(text.lower()))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) != self._config["gated_intent"]:
                continue
            text = message.get(TEXT) or ""
            if self.has_domain_word(text) or reviewed_key(text) in self._taught:
                continue
            override_intent(message, self._config["out_of_scope_intent"])
        return messages
