"""A typed answer to the assistant's own question counts as the button it names.

The rating question (utter_ask_rating) has buttons, and on SMS "回复1/2/3"; a web chat or REST
customer may type "满意", "一般般吧" or "很不满意！" instead. Only when that question is the last
thing the assistant said (since the customer's previous message) does such a word count as the
button: anywhere else "不满意" is a complaint and "可以" a yes, as the NLU reads them. The words
are in data/channels/answers.yml; the tracker is read only for a message that is one of them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from rasa.core.channels.channel import UserMessage

from bot.channels.gate import OnNewMessage
from bot.nlu.text import normalize, without_punctuation
from bot.rasa_compat.running_agent import RunningAgent

logger = logging.getLogger(__name__)

ANSWERS_FILE = Path(__file__).resolve().parents[2] / "data" / "channels" / "answers.yml"
PARTICLES = "的了吧啊呀哦哈呢嘛啦哟"
# "满意，谢谢" and "不满意太慢了" still answer; "满意度怎么算" asks something else.
MAX_EXTRA = 3


@dataclass(frozen=True)
class Word:
    text: str
    question: str  # the response that asked
    payload: str


@cache
def words(path: Path = ANSWERS_FILE) -> tuple[Word, ...]:
    """Every word of every question, longest first."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = [
        Word(without_punctuation(normalize(str(text)), PARTICLES), question, str(payload))
        for question, by_payload in (loaded.get("answers") or {}).items()
        for payload, texts in (by_payload or {}).items()
        for text in texts or []
    ]
    return tuple(sorted((w for w in found if w.text), key=lambda w: -len(w.text)))


def _matches(word: str, said: str) -> bool:
    if said == word:
        return True
    # Only a word of two characters or more starts an answer: "1" is not "100".
    return len(word) >= 2 and said.startswith(word) and len(said) - len(word) <= MAX_EXTRA


def candidates(text: str) -> list[Word]:
    """The words `text` could be an answer with, best first (it may be none)."""
    said = without_punctuation(normalize(text), PARTICLES)
    return [word for word in words() if said and _matches(word.text, said)]


class TypedAnswers:
    def __init__(self, model: RunningAgent) -> None:
        self._model = model

    async def payload_for(self, sender: str, text: str) -> str | None:
        """The button `text` presses, when it answers the question just asked."""
        possible = candidates(text)
        if not possible:
            return None
        asked = set(await self._model.said_since_customer(sender))
        return next((word.payload for word in possible if word.question in asked), None)

    def wrap(self, on_new_message: OnNewMessage) -> OnNewMessage:
        async def handle(message: UserMessage) -> None:
            try:
                payload = await self.payload_for(message.sender_id or "", message.text or "")
            except Exception:  # the message is then read as it was typed
                logger.exception("reading a typed answer failed")
                payload = None
            if payload is not None:
                message.text = payload
            await on_new_message(message)

        return handle
