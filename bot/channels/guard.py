"""What stands between the public and the assistant on every customer channel.

`customer_pipeline` is the one way a channel hands a customer's message on:

    guard (limits) → handoff gate (a human may have the conversation) → typed answers (a word
    that answers the bot's own question is its button: bot/channels/answers.py) → answer or
    apologise → once per message id (a retry gets the first answer: bot/channels/once.py) →
    Rasa

The guard strips control characters, refuses overlong messages and floods politely, and takes
the power of Rasa's "/intent{…}" commands away from what customers type: only the exact payloads
of our own buttons and SMS short codes stay commands. The last step makes sure a customer
always hears something: when Rasa fails or says nothing (the action server is down, the
tracker store is unreachable) the customer is told so, and the next message is tried afresh.
Words and limits are in data/channels/guard.yml.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.channels.answers import TypedAnswers
from bot.channels.gate import HandoffGate, OnNewMessage
from bot.channels.once import once_per_id

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
GUARD_FILE = ROOT / "data" / "channels" / "guard.yml"
DOMAIN_FILE = ROOT / "domain.yml"
SMS_FILE = ROOT / "data" / "channels" / "sms.yml"
WINDOW_S = 60.0
KEEP_WHITESPACE = {"\n": " ", "\t": " ", "\r": " "}
COMMAND_PREFIXES = ("/", "／")


@dataclass(frozen=True)
class GuardRules:
    max_characters: int
    messages_per_minute: int
    texts: dict[str, str]
    commands: frozenset[str]  # the exact "/intent" payloads we send ourselves


def _button_payloads(domain: dict[str, Any]) -> Iterable[str]:
    for variations in (domain.get("responses") or {}).values():
        for variation in variations or []:
            for button in variation.get("buttons") or []:
                yield str(button.get("payload", ""))


@cache
def rules() -> GuardRules:
    loaded = yaml.safe_load(GUARD_FILE.read_text(encoding="utf-8"))
    limits, texts = loaded["limits"], loaded["texts"]
    for name in ("too_long", "too_fast", "trouble"):
        if not isinstance(texts.get(name), str):
            raise ValueError(f"{GUARD_FILE}: texts.{name} is missing")
    texts["too_long"].format(limit=1)
    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    short_codes = (yaml.safe_load(SMS_FILE.read_text(encoding="utf-8")) or {}).get("short_codes")
    payloads = [*_button_payloads(domain), *map(str, (short_codes or {}).values())]
    return GuardRules(
        max_characters=int(limits["max_characters"]),
        messages_per_minute=int(limits["messages_per_minute"]),
        texts=dict(texts),
        commands=frozenset(p for p in payloads if p.startswith("/")),
    )


def clean(text: str) -> str:
    """Without control and formatting characters (line breaks become spaces), trimmed."""
    return "".join(
        KEEP_WHITESPACE.get(char, char)
        for char in text
        if char in KEEP_WHITESPACE or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co")
    ).strip()


def neutralise(text: str, commands: frozenset[str]) -> str:
    """A customer's "/intent{…}" becomes plain text; our own payloads stay commands."""
    if text in commands:
        return text
    while text.startswith(COMMAND_PREFIXES):
        text = text[1:].lstrip()
    return text


class FloodLimiter:
    """At most `limit` messages per sender in any minute; says when to refuse, and whether
    the refusal should be told (once per minute, so a flood is not answered by a flood)."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._told: dict[str, float] = {}

    def check(self, sender: str) -> tuple[bool, bool]:
        """(allowed, tell) for a message from `sender` now."""
        now = self._clock()
        self._forget_before(now - WINDOW_S)
        seen = self._seen.setdefault(sender, deque())
        while seen and seen[0] <= now - WINDOW_S:
            seen.popleft()
        if len(seen) < self._limit:
            seen.append(now)
            return True, False
        told = self._told.get(sender)
        tell = told is None or told <= now - WINDOW_S
        if tell:
            self._told[sender] = now
        return False, tell

    def _forget_before(self, cutoff: float) -> None:
        if len(self._seen) < 10_000:
            return
        for sender in [s for s, seen in self._seen.items() if not seen or seen[-1] <= cutoff]:
            del self._seen[sender]
            self._told.pop(sender, None)


class CountingOutput(OutputChannel):
    """Passes everything to the channel's output and counts what the customer was sent."""

    def __init__(self, output: OutputChannel) -> None:
        self._output = output
        self.sent = 0

    def name(self) -> str:
        return self._output.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent += 1
        await self._output.send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.sent += 1
        await self._output.send_text_message(recipient_id, text, **kwargs)


def answer_or_apologise(on_new_message: OnNewMessage, apology: str) -> OnNewMessage:
    async def handle(message: UserMessage) -> None:
        output = message.output_channel
        counting = CountingOutput(output)
        message.output_channel = counting
        try:
            await on_new_message(message)
        except Exception:
            logger.exception("the assistant failed on a message; the customer gets an apology")
        if counting.sent == 0:
            logger.warning(
                "no answer for a %s message; the customer gets an apology", message.input_channel
            )
            await output.send_text_message(message.sender_id or "", apology)

    return handle


class InputGuard:
    def __init__(self, guard_rules: GuardRules, limiter: FloodLimiter | None = None) -> None:
        self._rules = guard_rules
        self._limiter = limiter or FloodLimiter(guard_rules.messages_per_minute)

    def wrap(self, on_new_message: OnNewMessage) -> OnNewMessage:
        async def handle(message: UserMessage) -> None:
            sender = message.sender_id or ""
            text = clean(message.text or "")
            allowed, tell = self._limiter.check(sender)
            refusal = None
            if not allowed:
                refusal = self._rules.texts["too_fast"] if tell else ""
            elif len(text) > self._rules.max_characters:
                refusal = self._rules.texts["too_long"].format(limit=self._rules.max_characters)
            if refusal is not None:
                logger.info(
                    "a %s message was refused: %s",
                    message.input_channel,
                    "too fast" if not allowed else "too long",
                )
                if refusal:
                    await message.output_channel.send_text_message(sender, refusal)
                return
            message.text = neutralise(text, self._rules.commands)
            await on_new_message(message)

        return handle


def customer_pipeline(on_new_message: OnNewMessage, gate: HandoffGate) -> OnNewMessage:
    """Rasa's `on_new_message` as every customer channel must call it, behind the channel's
    handoff gate (which the channel closes with its blueprint)."""
    guard_rules = rules()
    answered = answer_or_apologise(
        once_per_id(on_new_message, gate.model), guard_rules.texts["trouble"]
    )
    return InputGuard(guard_rules).wrap(gate.wrap(TypedAnswers(gate.model).wrap(answered)))
