"""A message an operator assigned in the review queue is answered as assigned, from the
moment the reviewed file says so; everything else is understood as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ops.reviewed import add_example, examples_in
from bot.understanding.context import Context
from bot.understanding.resolve import Understood, decide
from tests.unit.test_understanding import texts

MESSAGE = "整个号给我媳妇咋弄"


def answer(text: str) -> list[str]:
    decided = decide(text, Understood(text, None, ()), Context(), False, texts)
    return [reply.response for reply in decided.replies]


@pytest.fixture
def reviewed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "reviewed.yml"
    monkeypatch.setenv("REVIEWED_NLU_FILE", str(path))
    return path


def test_an_assigned_message_gets_its_answer_at_once(reviewed: Path) -> None:
    assert answer(MESSAGE) == ["utter_clarify_none"]  # missed: no telecom word in it
    assert add_example(reviewed, "faq/transfer_docs", MESSAGE) == MESSAGE
    assert answer(MESSAGE) == ["utter_faq/transfer_docs"]
    assert answer(MESSAGE + "？") == ["utter_faq/transfer_docs"]  # as the queue groups it
    assert answer("彩铃怎么收费") == ["utter_faq/cailing_fee"]  # the rest as before


def test_the_file_masks_personal_data_and_keeps_each_example_once(reviewed: Path) -> None:
    add_example(reviewed, "out_of_scope", "我的号13800138000\n帮我算命")
    add_example(reviewed, "out_of_scope", "我的号13800138000 帮我算命")
    add_example(reviewed, "faq/transfer_docs", MESSAGE)
    assert examples_in(reviewed) == {
        "faq/transfer_docs": [MESSAGE],
        "out_of_scope": ["我的号138****8000 帮我算命"],
    }
    assert answer("我的号138****8000 帮我算命") == ["utter_clarify_none"]  # not an FAQ target
