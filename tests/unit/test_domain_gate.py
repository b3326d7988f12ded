"""An FAQ answer needs a telecom word; questions about anything else are out of scope."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.domain_gate import DomainGate


@pytest.fixture
def gate(tmp_path: Path) -> DomainGate:
    words_file = tmp_path / "domain_words.yml"
    words_file.write_text("domain_words:\n  - 话费\n  - 过户\n  - GPRS\n", encoding="utf-8")
    config = {**DomainGate.get_default_config(), "words_file": str(words_file)}
    (tmp_path / "model").mkdir()
    storage, resource = LocalModelStorage(tmp_path / "model"), Resource("domain_gate")
    context = ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]
    lexicon = TrainingData(lookup_tables=[{"name": "service", "elements": ["彩铃"]}])
    lexicon.entity_synonyms = {"炫铃": "彩铃"}
    # Taught as an FAQ question though it has no domain word (an operator assigned it).
    lexicon.training_examples = [Message.build(text="老号给媳妇用咋整", intent="faq")]
    DomainGate.create(config, storage, resource, context).train(lexicon)
    return DomainGate.load(config, storage, resource, context)


def predicted(gate: DomainGate, text: str, intent: str = "faq") -> str:
    message = Message.build(text=text)
    message.set("intent", {"name": intent, "confidence": 0.99})
    gate.process([message])
    return message.get("intent")["name"]


@pytest.mark.parametrize("text", ["下周三杭州会不会下雪", "信用卡年费多少", "会员怎么退订"])
def test_faq_without_a_telecom_word_becomes_out_of_scope(gate: DomainGate, text: str) -> None:
    assert predicted(gate, text) == "out_of_scope"


@pytest.mark.parametrize("text", ["话费怎么查", "彩铃多少钱", "炫铃贵吗", "gprs是什么", "过户要啥"])
def test_faq_with_a_lexicon_or_domain_word_keeps_its_answer(gate: DomainGate, text: str) -> None:
    assert predicted(gate, text) == "faq"


def test_other_intents_are_left_alone(gate: DomainGate) -> None:
    assert predicted(gate, "你好", intent="greet") == "greet"


def test_a_message_the_training_data_teaches_as_a_question_passes(gate: DomainGate) -> None:
    assert predicted(gate, "老号给媳妇用咋整") == "faq"
    assert predicted(gate, "老号给媳妇用咋整？") == "faq"  # as the review queue groups it
    assert predicted(gate, "老号给闺女用咋整") == "out_of_scope"  # only what was taught
