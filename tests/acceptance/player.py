"""Plays an acceptance case the way a customer would, over the REST channel.

Case format (the same as the operator's acceptance suite): {"id", "say", "expect", "forbid",
"max_turns", "react", "account", "answers"} or {"id", "turns": [...]}. A turn passes when
every `expect` regex matched something said during the turn and no `forbid` regex did.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from tests.conftest import DEMO_PASSWORDS, RunningAssistant, texts

ASKS_PASSWORD = r"密码"
ASKS_NUMBER = r"手机号|号码|电话"
ASKS_CONFIRMATION = r"确认|是否|要不要|确定|吗？|吗\?"

Say = Callable[[str, str], list[dict]]


def _react(case: dict[str, Any], latest: str, state: dict[str, bool]) -> str | None:
    account = case.get("account", "13800138000")
    password = DEMO_PASSWORDS.get(account, "000000")
    for pattern, answer in case.get("answers", {}).items():
        if re.search(pattern, latest):
            return answer.format(account=account, password=password)
    asks_number = re.search(ASKS_NUMBER, latest)
    if re.search(ASKS_PASSWORD, latest) and (state.get("gave_number") or not asks_number):
        return password
    if asks_number:
        state["gave_number"] = True
        return account
    if re.search(ASKS_CONFIRMATION, latest):
        return "确认"
    return None


def _turns(case: dict[str, Any]) -> list[dict[str, Any]]:
    if "turns" in case:
        return case["turns"]
    keys = ("say", "expect", "forbid", "max_turns", "react")
    return [{key: case[key] for key in keys if key in case}]


def play(say: Say, case: dict[str, Any]) -> tuple[bool, str]:
    """Returns (passed, transcript-or-reason)."""
    sender = f"case-{case['id']}-{uuid.uuid4().hex[:8]}"
    state: dict[str, bool] = {}
    transcript: list[str] = []
    for index, turn in enumerate(_turns(case), start=1):
        said: list[str] = []
        text: str | None = turn["say"]
        max_turns = turn.get("max_turns", case.get("max_turns", 6))
        for _ in range(max_turns):
            assert text is not None
            latest = texts(say(sender, text))
            transcript.append(f"> {text}\n< {latest}")
            said.append(latest)
            whole = "\n".join(said)
            forbidden = [p for p in turn.get("forbid", []) if re.search(p, whole)]
            if forbidden:
                return False, f"turn {index} said {forbidden}:\n" + "\n".join(transcript)
            if all(re.search(p, whole) for p in turn.get("expect", [])):
                break
            text = _react(case, latest, state) if turn.get("react", True) else None
            if text is None:
                break
        whole = "\n".join(said)
        missing = [p for p in turn.get("expect", []) if not re.search(p, whole)]
        if missing:
            return False, f"turn {index} never said {missing}:\n" + "\n".join(transcript)
    return True, "\n".join(transcript)


def play_all(assistant: RunningAssistant, cases: list[dict[str, Any]]) -> list[str]:
    """Plays each case from the demo accounts' first state (no lock-out, 张伟 with his 彩铃);
    the transcript of every case that failed."""
    failures = []
    for case in cases:
        assistant.unlock_demo_accounts()
        assistant.restore_demo_cailing()
        passed, transcript = play(assistant.say, case)
        if not passed:
            failures.append(f"{case['id']}\n{transcript}")
    return failures
