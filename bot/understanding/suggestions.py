"""The assistant's best answers to a customer message, offered to the human agent who has
the conversation (the desk's 智能助手建议): the same understanding that answers customers.

First what the assistant would answer itself (one per question of the message, plans
computed); when it would rather clarify, the answers it would offer as choices; then, up to
SUGGESTIONS_MAX, the NLU's next likeliest FAQ answers on the subject the message names.
Nothing it would only say to steer a customer (a clarifying question, "I did not
understand", an offer of a human) is suggested: the agent needs answers. A message is read
on its own (no conversation context): a human reads the context better than the assistant.
"""

from __future__ import annotations

from typing import Any

from bot.understanding.context import Context
from bot.understanding.frame import plain, read_message
from bot.understanding.replies import Reply, Texts
from bot.understanding.resolve import SURE, Understood, decide
from bot.understanding.words import Question, vocabulary

SUGGESTIONS_MAX = 3
# A FAQ answer the selector gives less than this is no suggestion, only noise.
MIN_CONFIDENCE = 0.05
# The title of an answer computed for the message (a plan comparison, a recommendation).
COMPUTED_TITLE = "智能助手的回答"
_CHOICES = ("utter_clarify", "utter_clarify_topic")


def _by_title() -> dict[str, Question]:
    return {question.title: question for question in vocabulary().questions.values()}


def _answers(reply: Reply, texts: Texts) -> list[tuple[str, str]]:
    """(title, text) of what a reply of the decision offers the agent."""
    questions = {question.response: question for question in vocabulary().questions.values()}
    if reply.response in _CHOICES:
        titled = _by_title()
        chosen = [titled[title] for title, _ in reply.buttons if title in titled]
        return [(question.title, texts(question.response)) for question in chosen]
    if reply.response in questions:
        return [(questions[reply.response].title, texts(reply.response, **reply.values))]
    if reply.response.startswith("utter_faq") or reply.response.startswith("utter_plan"):
        return [(COMPUTED_TITLE, texts(reply.response, **reply.values))]
    return []


def suggest(text: str, parse_data: dict[str, Any], texts: Texts) -> list[dict[str, str]]:
    """At most SUGGESTIONS_MAX `{title, text}` for the message; [] when nothing fits."""
    understood = Understood.from_parse_data(text, parse_data)
    decision = decide(text, understood, Context(), verified=False, texts=texts)
    found: list[tuple[str, str]] = []
    for reply in decision.replies:
        try:
            found += _answers(reply, texts)
        except (KeyError, IndexError, ValueError):
            continue  # a response that needs what only the conversation knows
    questions = vocabulary().questions
    named = {topic for part in read_message(plain(text)) for topic in part.topics}
    for name, confidence in understood.ranking:
        question = questions.get(name)
        if question is None or confidence < MIN_CONFIDENCE:
            continue
        # On the subject the message names, or one the NLU is sure of: "有人吗" names
        # none, and whatever the selector ranks first for it is noise.
        if named & {question.topic, *question.related} or confidence >= SURE:
            found.append((question.title, texts(question.response)))
    unique: dict[str, str] = {}
    for title, answer in found:
        if answer not in unique.values():
            unique.setdefault(title if title not in unique else f"{title} ", answer)
    return [{"title": t.strip(), "text": a} for t, a in unique.items()][:SUGGESTIONS_MAX]
