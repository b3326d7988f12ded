"""What the public cannot do to the assistant, through the real server: overlong messages,
floods, forced intents, other channels' conversations; and what it keeps: conversations
across a restart, without the passwords, and logs without personal data even at DEBUG."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import requests

from tests.conftest import RunningAssistant, start_assistant, texts

pytestmark = pytest.mark.server

ZHANG_WEI, PASSWORD = "13800138000", "258013"


def test_an_overlong_message_gets_a_polite_answer(assistant: RunningAssistant, sender: str) -> None:
    reply = texts(assistant.say(sender, "我想问一下彩铃怎么收费" + "啊" * 500))
    assert "超过500个字" in reply and "6元/月" not in reply
    assert "6元/月" in texts(assistant.say(sender, "彩铃怎么收费"))


def test_a_flood_gets_one_polite_answer_then_silence(
    assistant: RunningAssistant, sender: str
) -> None:
    answered = [texts(assistant.say(sender, "彩铃怎么收费")) for _ in range(20)]
    assert all("6元/月" in reply for reply in answered)
    assert "太快" in texts(assistant.say(sender, "彩铃怎么收费"))
    assert assistant.say(sender, "彩铃怎么收费") == []
    assert "6元/月" in texts(assistant.say(f"{sender}-other", "彩铃怎么收费"))  # per sender


def test_a_typed_command_cannot_force_an_intent(assistant: RunningAssistant, sender: str) -> None:
    greeting = texts(assistant.say(f"{sender}-a", "你好"))
    assert "在线智能客服" in greeting
    forced = texts(assistant.say(f"{sender}-b", "/greet"))
    assert "在线智能客服" not in forced


def test_a_rest_caller_cannot_name_an_sms_conversation(assistant: RunningAssistant) -> None:
    response = requests.post(
        assistant.rest_url, json={"sender": f"sms:{ZHANG_WEI}", "message": "查余额"}, timeout=10
    )
    assert response.status_code == 400
    assert ZHANG_WEI not in response.text


def test_a_restart_keeps_the_conversation_but_not_the_password(tmp_path: Path, sender: str) -> None:
    debug = {"LOG_LEVEL": "DEBUG"}
    first = start_assistant(tmp_path / "first.log", extra_env=debug)
    try:
        assert "手机号码" in texts(first.say(sender, "查余额"))
        assert "服务密码" in texts(first.say(sender, ZHANG_WEI))
        assert "56.80元" in texts(first.say(sender, PASSWORD))
    finally:
        assert first.stop() == 0
    second = start_assistant(tmp_path / "second.log", extra_env=debug)
    try:
        usage = texts(second.say(sender, "流量还剩多少"))
        assert "剩余3.8GB" in usage and "密码" not in usage  # still verified
    finally:
        assert second.stop() == 0
    with sqlite3.connect(tmp_path / "tracker.sqlite3") as database:
        rows = [json.loads(row[0]) for row in database.execute("SELECT data FROM events")]
    said = [row["text"] for row in rows if row["event"] == "user"]
    assert said[0] == "查余额" and said[-1] == "流量还剩多少"
    assert PASSWORD not in json.dumps(rows, ensure_ascii=False)
    for log in ("first.log", "second.log"):
        written = (tmp_path / log).read_text(errors="replace")
        assert "DEBUG" in written
        assert PASSWORD not in written and ZHANG_WEI not in written
