"""Noise never reaches an FAQ answer; real words in any script do."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.noise_guard import NoiseGuard


@pytest.fixture
def guard(tmp_path) -> NoiseGuard:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("noise_guard")
    context = ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]
    trained = NoiseGuard.create(NoiseGuard.get_default_config(), storage, resource, context)
    examples = [Message.build(text=t, intent="greet") for t in ["hi", "hello", "GPRS和5G"]]
    trained.train(TrainingData(examples))
    # Loaded back from the model storage, as the running server does.
    return NoiseGuard.load(NoiseGuard.get_default_config(), storage, resource, context)


@pytest.mark.parametrize(
    "text", ["🙂🙂🙂", "？？？", "...!!!", "asdfghjkl", "qwe rty", "", "13800138000"]
)
def test_noise_becomes_the_fallback_intent(guard: NoiseGuard, text: str) -> None:
    message = Message.build(text=text)
    message.set("intent", {"name": "faq", "confidence": 0.93})
    guard.process([message])
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert message.get("intent_ranking")[0]["name"] == "nlu_fallback"


@pytest.mark.parametrize("text", ["彩铃多少钱", "Hi", "gprs", "5G", "/greet"])
def test_real_messages_keep_their_intent(guard: NoiseGuard, text: str) -> None:
    message = Message.build(text=text)
    message.set("intent", {"name": "faq", "confidence": 0.93})
    guard.process([message])
    assert message.get("intent")["name"] == "faq"
