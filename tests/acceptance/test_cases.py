"""Customer acceptance cases, played through the real Rasa server's REST channel.

public_cases.json is the operator's public sample (the FAQ, small-talk and out-of-scope
ones); the *_cases.json files are our own held-out phrasings, none of them in data/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.acceptance.player import play
from tests.conftest import RunningAssistant

CASES_DIR = Path(__file__).parent


def _load_cases() -> list:
    cases = []
    for path in sorted(CASES_DIR.glob("*_cases.json")):
        for case in json.loads(path.read_text(encoding="utf-8")):
            cases.append(pytest.param(case, id=f"{path.stem}:{case['id']}"))
    return cases


@pytest.mark.server
@pytest.mark.parametrize("case", _load_cases())
def test_customer_case(assistant: RunningAssistant, case: dict) -> None:
    passed, transcript = play(assistant.say, case)
    assert passed, transcript
