"""A customer's message is handled once however often it is sent: a caller that sends it again
with the same `message_id` (a retry after a timeout, nginx passing it to the other process) gets
the first answer, and the conversation holds the message once."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import requests

from bot.tracker_store import RedactingSQLTrackerStore
from tests.conftest import RunningAssistant, texts

pytestmark = pytest.mark.server


def send(assistant: RunningAssistant, sender: str, text: str, message_id: str) -> list[dict]:
    response = requests.post(
        assistant.rest_url,
        json={"sender": sender, "message": text, "message_id": message_id},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


async def held_texts(assistant: RunningAssistant, sender: str) -> list[str]:
    """The customer's messages as the tracker store holds the conversation."""
    store = RedactingSQLTrackerStore(host=assistant.tracker_url)
    try:
        tracker = await store.retrieve(sender)
    finally:
        store.engine.dispose()
    if tracker is None:
        return []
    return [event.text for event in tracker.events if event.type_name == "user"]


def stored_texts(assistant: RunningAssistant, sender: str) -> list[str]:
    return asyncio.run(held_texts(assistant, sender))


def test_a_message_sent_again_with_its_id_gets_the_first_answer_and_is_stored_once(
    assistant: RunningAssistant, sender: str
) -> None:
    asked = send(assistant, sender, "查余额", "m-1")
    assert "手机号码" in texts(asked)
    number = send(assistant, sender, "13800138000", "m-2")
    assert "服务密码" in texts(number)
    # The retry of the number: answered as the first time, not read as the answer to the
    # password question.
    assert send(assistant, sender, "13800138000", "m-2") == number
    assert send(assistant, sender, "查余额", "m-1") == asked
    assert stored_texts(assistant, sender) == ["查余额", "13800138000"]
    # A new message is handled as usual: the conversation went on from where it was.
    assert "6元/月" in texts(send(assistant, sender, "彩铃怎么收费", "m-3"))


def test_the_same_words_under_a_new_id_or_without_one_are_a_new_message(
    assistant: RunningAssistant, sender: str
) -> None:
    assert "6元/月" in texts(send(assistant, sender, "彩铃怎么收费", uuid.uuid4().hex))
    assert "6元/月" in texts(send(assistant, sender, "彩铃怎么收费", uuid.uuid4().hex))
    assert "6元/月" in texts(assistant.say(sender, "彩铃怎么收费"))
    assert "6元/月" in texts(assistant.say(sender, "彩铃怎么收费"))
    assert stored_texts(assistant, sender) == ["彩铃怎么收费"] * 4


@pytest.mark.parametrize("message_id", ["", "含中文", "a" * 129, 42, ["m-1"], "a b"])
def test_a_message_id_we_cannot_keep_is_a_clear_400_and_nothing_is_handled(
    assistant: RunningAssistant, sender: str, message_id: object
) -> None:
    response = requests.post(
        assistant.rest_url,
        json={"sender": sender, "message": "彩铃怎么收费", "message_id": message_id},
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_message_id"
    assert "1 to 128" in response.json()["message"]
    assert stored_texts(assistant, sender) == []
