"""From texts to conversations and back: what the SMS bridge does with a message after the
gateway got its 200.

Each number's messages are answered one at a time in the order they came (one worker per
number, fed from the store, so a restart resumes where it stopped). Before Rasa, the bridge
handles what is SMS-specific: opt-out and re-join, "更多", a bare number picking one of the
options last offered, and the short codes. Rasa's answer becomes one text, with numbered
options for buttons, split for phones into at most `MAX_PARTS` parts; the rest waits for
"更多". Replies go through the store's outbox, delivered in order per number and retried with
backoff until the gateway takes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage

from bot.channels.gate import OnNewMessage
from bot.channels.guard import rules
from bot.channels.sms import segments
from bot.channels.sms.gateway import GatewayClient, GatewayRefused, GatewayUnavailable
from bot.channels.sms.identity import SMS_CHANNEL, number_of, sms_sender
from bot.channels.sms.phrasebook import Kind, Phrasebook, phrasebook
from bot.channels.sms.store import Inbound, SmsStore

logger = logging.getLogger(__name__)

MAX_PARTS = 5  # the last of them says how to get the rest
MAX_ATTEMPTS = 12
MAX_BACKOFF_S = 300.0


def backoff_s(attempts: int, first_s: float = 1.0) -> float:
    """Seconds before the next try after `attempts` failed ones: 1, 2, 4 … up to 5 minutes."""
    return min(MAX_BACKOFF_S, first_s * 2.0 ** max(0, attempts - 1))


# The handoff gate's word to the bot that an agent is done, answering on the given output.
BackToBot = Callable[[str, OutputChannel], Awaitable[None]]


class SmsOutput(CollectingOutputChannel):
    """Collects Rasa's messages for one reply. Named "sms" so that a response's
    `channel: sms` variant in domain.yml is the one an SMS customer reads."""

    @classmethod
    def name(cls) -> str:
        return SMS_CHANNEL


class SmsBridge:
    def __init__(
        self,
        store: SmsStore,
        gateway: GatewayClient,
        service_number: str,
        handle: OnNewMessage,
        book: Phrasebook | None = None,
        first_retry_s: float = 1.0,
    ) -> None:
        self.store = store
        self._gateway = gateway
        self._service_number = service_number
        self._handle = handle
        self._book = book or phrasebook()
        self._first_retry_s = first_retry_s
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._outbox_changed = asyncio.Event()
        self._delivery: asyncio.Task[None] | None = None

    # -- the life of the bridge ---------------------------------------------------------------

    def start(self) -> None:
        """Delivers the outbox and answers whatever was acknowledged but not yet answered."""
        self._delivery = asyncio.get_running_loop().create_task(self._deliver_forever())
        for number in self.store.numbers_waiting():
            self._kick(number)

    async def stop(self) -> None:
        tasks = [*self._workers.values(), *([self._delivery] if self._delivery else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- inbound ------------------------------------------------------------------------------

    def accept(self, msg_id: str, number: str, text: str) -> bool:
        """Stores the message and sets its number's worker going; False for a re-send."""
        if not self.store.receive(msg_id, number, text):
            return False
        self._kick(number)
        return True

    def _kick(self, number: str) -> None:
        if number not in self._workers:
            self._workers[number] = asyncio.get_running_loop().create_task(self._work(number))

    async def _work(self, number: str) -> None:
        # No await between finding nothing left and leaving the registry, so a message
        # accepted meanwhile always finds either this worker or a new one.
        try:
            while (message := self.store.next_unanswered(number)) is not None:
                self.store.answered(message.seq, await self._answer_safely(message))
                self._outbox_changed.set()
        finally:
            del self._workers[number]

    async def _answer_safely(self, message: Inbound) -> list[str]:
        try:
            return await self._answer(message)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("answering an SMS failed; the customer gets an apology")
            return [rules().texts["trouble"]]

    async def _answer(self, message: Inbound) -> list[str]:
        number, texts = message.number, self._book.texts
        inbound = self._book.read(message.text)
        if inbound.kind is Kind.OPT_OUT:
            return [texts["opted_out"]] if self.store.opt_out(number) else []
        if self.store.opted_out(number):
            if inbound.kind is not Kind.REJOIN:
                return []  # they asked for silence: nothing goes out until they re-join
            self.store.rejoin(number)
            return [texts["rejoined"]]
        if inbound.kind is Kind.REJOIN:
            return [texts["rejoined"]]
        options, more = self.store.options(number)
        if inbound.kind is Kind.MORE:
            return self._page(number, more, options) if more else [texts["nothing_more"]]
        text = inbound.text
        if inbound.kind is Kind.OPTION and 1 <= int(text) <= len(options):
            text = options[int(text) - 1]
        collector = SmsOutput()
        await self._handle(
            UserMessage(text, collector, sms_sender(number), input_channel=SMS_CHANNEL)
        )
        return self._compose(number, collector.messages)

    # -- outbound text --------------------------------------------------------------------------

    def _compose(self, number: str, messages: list[dict[str, Any]]) -> list[str]:
        """Rasa's messages as one SMS text; buttons become numbered options."""
        lines = [message["text"] for message in messages if message.get("text")]
        buttons: list[dict[str, Any]] = next(
            (message["buttons"] for message in reversed(messages) if message.get("buttons")), []
        )
        lines += [
            self._book.option_line(index, button["title"])
            for index, button in enumerate(buttons, start=1)
        ]
        payloads = [str(button["payload"]) for button in buttons]
        if not lines:
            self.store.remember(number, payloads, "")
            return []
        return self._page(number, "\n".join(lines), payloads)

    def _page(self, number: str, text: str, options: list[str]) -> list[str]:
        """As many parts as one reply may have; the rest is kept for "更多"."""
        parts = segments.split(text)
        rest = ""
        if len(parts) > MAX_PARTS:
            rest = "".join(parts[MAX_PARTS - 1 :])
            parts = [*parts[: MAX_PARTS - 1], self._book.texts["more_hint"]]
        self.store.remember(number, options, rest)
        return parts

    async def push(
        self, sender: str, texts: list[str], back_to_bot: BackToBot | None = None
    ) -> None:
        """What a human agent wrote, sent to the customer now (unless they opted out); with
        `back_to_bot` (the agent's service ended) followed by what the bot then says."""
        number = number_of(sender)
        if number is None or self.store.opted_out(number):
            return
        self.store.queue(number, [part for text in texts for part in segments.split(text)])
        if back_to_bot is not None:
            collector = SmsOutput()
            await back_to_bot(sender, collector)
            self.store.queue(number, self._compose(number, collector.messages))
        self._outbox_changed.set()

    # -- delivery -------------------------------------------------------------------------------

    async def _deliver_forever(self) -> None:
        while True:
            self._outbox_changed.clear()
            try:
                await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # the store failed; try again on the next change or in a while
                logger.exception("delivering SMS replies failed")
            next_try = self.store.next_try_at()
            timeout = None if next_try is None else max(0.05, next_try - time.time())
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._outbox_changed.wait(), timeout)

    async def deliver_due(self) -> None:
        """Sends every due reply, in order per number; a failure holds back that number's
        later replies until the retry."""
        held: set[str] = set()
        for outgoing in self.store.due():
            if outgoing.number in held:
                continue
            try:
                await self._gateway.send(outgoing.number, self._service_number, outgoing.text)
            except GatewayRefused as refusal:
                held.add(outgoing.number)
                attempts = outgoing.attempts + 1
                give_up = refusal.status != 429 or attempts >= MAX_ATTEMPTS
                self._retry(outgoing.id, attempts, give_up, f"refused with {refusal.status}")
            except GatewayUnavailable as error:
                held.add(outgoing.number)
                attempts = outgoing.attempts + 1
                self._retry(outgoing.id, attempts, attempts >= MAX_ATTEMPTS, str(error))
            else:
                self.store.sent(outgoing.id)

    def _retry(self, outgoing_id: int, attempts: int, give_up: bool, why: str) -> None:
        if give_up:
            logger.error("SMS reply %d not delivered, given up (%s)", outgoing_id, why)
        else:
            logger.warning("SMS reply %d not delivered, retrying (%s)", outgoing_id, why)
        self.store.retry_later(
            outgoing_id, time.time() + backoff_s(attempts, self._first_retry_s), give_up
        )
