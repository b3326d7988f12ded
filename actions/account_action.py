"""What every answer from the customer's own account has in common.

An account action runs only for a verified number (the rules send unverified customers
through `verify_form` first, and `action_resume_account_request` brings them back here), and
a failing account service ends in an answer that says what it means for the customer
(actions/account_trouble.py) instead of an error: the conversation goes on.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.account_trouble import tell_trouble
from bot.accounts.client import AccountClient, AccountRequestError, AccountServiceUnavailable
from bot.nlu.text import has_chinese
from bot.phone import mask_number
from bot.understanding.context import SLOT as CONTEXT_SLOT
from bot.understanding.context import Context
from bot.understanding.frame import plain
from bot.understanding.replies import texts_from
from bot.understanding.words import personal_requests_in

logger = logging.getLogger(__name__)

VERIFIED_NUMBER = "verified_number"
ACCOUNT_REQUEST = "account_request"
VERIFY_FORM = "verify_form"


def yuan(fen: int) -> str:
    """Amounts are shown in 元 with two decimals: 5680 → "56.80"."""
    return f"{Decimal(fen) / 100:.2f}"


def gigabytes(megabytes: int) -> str:
    """Data in GB with one decimal: 6349 → "6.2"."""
    return f"{Decimal(megabytes) / 1024:.1f}"


def response_text(domain: dict[str, Any], response: str, **values: Any) -> str:
    """A response of domain.yml filled in, for answers assembled from several parts."""
    return texts_from(domain["responses"])(response, **values)


@dataclass
class AccountTurn:
    """One answer being given to a verified customer."""

    number: str
    client: AccountClient
    dispatcher: CollectingDispatcher
    tracker: Tracker
    domain: dict[str, Any]

    @property
    def masked_number(self) -> str:
        return mask_number(self.number)

    def say(self, response: str, **values: Any) -> None:
        self.dispatcher.utter_message(response=response, number=self.masked_number, **values)

    def text(self, response: str, **values: Any) -> str:
        return response_text(self.domain, response, number=self.masked_number, **values)

    def request(self, intent: str) -> dict[str, Any]:
        """The customer's message that asked (the form's answers may have come since)."""
        for event in reversed(self.tracker.events):
            if event.get("event") != "user":
                continue
            if ((event.get("parse_data") or {}).get("intent") or {}).get("name") == intent:
                return event
        return {}

    def request_text(self, intent: str) -> str:
        return str(self.request(intent).get("text") or "")

    def request_entities(self, intent: str, entity: str) -> list[str]:
        parse_data = self.request(intent).get("parse_data") or {}
        return [
            str(found["value"])
            for found in parse_data.get("entities") or []
            if found.get("entity") == entity
        ]


class AccountAction(Action, ABC):
    """Base of the account actions; subclasses give `action_name` and `answer`."""

    action_name: ClassVar[str]
    # What the conversation is about after this answer, so that "前一个月的呢" after a bill
    # or "通话还剩多少" after the usage is read as the same request (bot/understanding).
    topic: ClassVar[str | None] = None
    registry: ClassVar[dict[str, type[AccountAction]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not getattr(cls, "__abstractmethods__", None):
            AccountAction.registry[cls.action_name] = cls

    def name(self) -> str:
        return self.action_name

    @abstractmethod
    async def answer(self, turn: AccountTurn) -> list[EventType]:
        """Answers from the account service; may raise the client's errors."""

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        number = tracker.get_slot(VERIFIED_NUMBER)
        if not number:
            # The rules verify first; should a story get here anyway, verify and come back.
            return [SlotSet(ACCOUNT_REQUEST, self.name()), FollowupAction(VERIFY_FORM)]
        turn = AccountTurn(number, AccountClient.shared(), dispatcher, tracker, domain)
        events: list[EventType] = [SlotSet(CONTEXT_SLOT, Context(topic=self.topic).as_slot())]
        for action in [self, *also_asked(tracker, self.name())]:
            try:
                events += await action.answer(turn)
            except (AccountServiceUnavailable, AccountRequestError) as error:
                # The rest of the questions would meet the same failure: told once.
                return events + tell_trouble(dispatcher, tracker, error, action.name(), number)
        return events


def also_asked(tracker: Tracker, answered: str) -> list[AccountAction]:
    """The other questions about the customer's line in the message that asked: "查下余额和
    剩余流量" is answered with the balance and the usage. The message is the latest one with
    words in it (not the number or the password typed for verification since)."""
    text = next(
        (
            str(event.get("text") or "")
            for event in reversed(tracker.events)
            if event.get("event") == "user" and has_chinese(str(event.get("text") or ""))
        ),
        "",
    )
    named = personal_requests_in(plain(text))
    return [AccountAction.registry[name]() for name in named if name != answered]


async def start_account_request(
    action_name: str,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: dict[str, Any],
) -> list[EventType]:
    """Answers from the account now when verified, else verifies first and then answers
    (the `account_request` slot tells action_resume_account_request what to answer)."""
    if tracker.get_slot(VERIFIED_NUMBER):
        return await AccountAction.registry[action_name]().run(dispatcher, tracker, domain)
    return [SlotSet(ACCOUNT_REQUEST, action_name), FollowupAction(VERIFY_FORM)]
