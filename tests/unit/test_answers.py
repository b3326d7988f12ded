"""A typed answer to the assistant's own question counts as its button only right after that
question (bot/channels/answers.py)."""

from __future__ import annotations

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels.answers import TypedAnswers, candidates
from bot.rasa_compat.running_agent import RunningAgent

SATISFIED = '/rate_service{"rating": "satisfied"}'
NEUTRAL = '/rate_service{"rating": "neutral"}'
UNSATISFIED = '/rate_service{"rating": "unsatisfied"}'


@pytest.mark.parametrize(
    ("typed", "payload"),
    [
        ("满意", SATISFIED),
        ("非常满意！", SATISFIED),
        ("满意，谢谢", SATISFIED),
        ("滿意", SATISFIED),  # traditional
        ("一般般吧", NEUTRAL),
        ("还行", NEUTRAL),
        ("不满意", UNSATISFIED),  # not 满意
        ("很不满意，太慢了", UNSATISFIED),
        ("3", UNSATISFIED),
    ],
)
def test_rating_words_are_read_as_the_rating(typed: str, payload: str) -> None:
    rating = [word for word in candidates(typed) if word.question == "utter_ask_rating"]
    assert rating and rating[0].payload == payload


@pytest.mark.parametrize("typed", ["满意度怎么算", "100", "差不多吧", "彩铃怎么收费", "", "！！"])
def test_other_messages_are_no_answer(typed: str) -> None:
    assert not [word for word in candidates(typed) if word.question == "utter_ask_rating"]


class Said(RunningAgent):
    """The bot said `said` since the customer's last message."""

    def __init__(self, said: list[str]) -> None:
        super().__init__()
        self.said = said
        self.reads = 0

    async def said_since_customer(self, sender: str) -> list[str]:
        self.reads += 1
        return self.said


async def passed_on(model: RunningAgent, text: str) -> str:
    received: list[str] = []

    async def rasa(message: UserMessage) -> None:
        received.append(message.text or "")

    await TypedAnswers(model).wrap(rasa)(UserMessage(text, CollectingOutputChannel(), "s"))
    return received[0]


async def test_only_right_after_the_question_is_a_word_its_button() -> None:
    assert await passed_on(Said(["utter_goodbye", "utter_ask_rating"]), "不满意") == UNSATISFIED
    assert await passed_on(Said(["utter_faq/cailing_fee"]), "不满意") == "不满意"  # a complaint
    assert await passed_on(Said(["utter_rated_unsatisfied"]), "2") == "/request_callback"


async def test_the_tracker_is_read_only_for_a_possible_answer() -> None:
    model = Said(["utter_ask_rating"])
    assert await passed_on(model, "彩铃怎么收费") == "彩铃怎么收费"
    assert model.reads == 0


async def test_a_failed_read_leaves_the_message_as_typed() -> None:
    class Broken(RunningAgent):
        async def said_since_customer(self, sender: str) -> list[str]:
            raise OSError("tracker store down")

    assert await passed_on(Broken(), "满意") == "满意"
