"""Whole conversations through the real REST channel: what a customer notices turn by turn."""

from __future__ import annotations

import re
import signal
import socket
from pathlib import Path

import pytest

from tests.conftest import RunningAssistant, start_assistant, texts

pytestmark = pytest.mark.server

FAQ_FACTS = re.compile(r"6元|0\.29|身份证|58元|营业厅")


@pytest.mark.parametrize("noise", ["🙂🙂🙂", "？？？！！", "asdkjhqwe", "。。。", "zzz xx"])
def test_noise_gets_a_request_to_rephrase_never_an_answer(
    assistant: RunningAssistant, sender: str, noise: str
) -> None:
    reply = texts(assistant.say(sender, noise))
    assert "换个说法" in reply
    assert not FAQ_FACTS.search(reply.split("\n")[0])


def test_second_misunderstanding_in_a_row_offers_a_human(
    assistant: RunningAssistant, sender: str
) -> None:
    first = texts(assistant.say(sender, "asdfgh"))
    second = texts(assistant.say(sender, "🙃🙃"))
    assert "换个说法" in first and "10086" not in first
    assert "人工" in second and "10086" in second


def test_understood_message_resets_the_misunderstanding_count(
    assistant: RunningAssistant, sender: str
) -> None:
    assistant.say(sender, "qwerty")
    assert "6元" in texts(assistant.say(sender, "彩铃一个月多少钱来着"))
    assert "10086" not in texts(assistant.say(sender, "qwerty"))


def test_greeting_offers_quick_replies_that_work(assistant: RunningAssistant, sender: str) -> None:
    greeting = assistant.say(sender, "你好呀")
    buttons = [button for message in greeting for button in message.get("buttons") or []]
    assert len(buttons) >= 3
    clicked = texts(assistant.say(sender, buttons[0]["payload"]))
    assert "58" in clicked and "88" in clicked  # the plan list


@pytest.mark.parametrize(
    ("typed", "fact"),
    [
        ("彩鈴每個月要錢嗎", "6元"),  # traditional
        ("ＧＰＲＳ超出了怎么算钱", "0.29元/MB"),  # full-width Latin
        ("gprs费咋算的", "0.29元/MB"),  # lower case
        ("彩玲多少钱一个月", "6元"),  # typo
        ("五十八那个套餐包含多少流量", "10GB"),  # Chinese numerals
        ("过护要带啥证件", "身份证"),  # typo
    ],
)
def test_messy_input_is_understood(
    assistant: RunningAssistant, sender: str, typed: str, fact: str
) -> None:
    assert fact in texts(assistant.say(sender, typed))


def _port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_ctrl_c_stops_every_process(tmp_path: Path) -> None:
    running = start_assistant(tmp_path / "run.log")
    assert _port_is_open(running.rasa_port) and _port_is_open(running.action_port)
    assert running.stop(signal.SIGINT) == 0
    assert not _port_is_open(running.rasa_port)
    assert not _port_is_open(running.action_port)
