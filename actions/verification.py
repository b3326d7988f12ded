"""Identity verification (`verify_form`): the phone number, then the 6-digit service password.

The password is checked by the account service and never kept: it is read straight from
the customer's message by `extract_service_password` (a custom slot mapping, so no slot event
ever carries it) and the slot is emptied as soon as it has been checked. Once verified, the
conversation stays verified for the session: `required_slots` is then empty, so asking
again completes the form at once.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.account_action import ACCOUNT_REQUEST, VERIFIED_NUMBER, VERIFY_FORM, AccountAction
from actions.account_trouble import (
    NOT_OURS_TOLD,
    AccountFailure,
    Trouble,
    tell_trouble,
    trouble_of,
)
from bot.accounts.client import AccountClient, AccountRequestError, AccountServiceUnavailable
from bot.channels.sms.identity import number_of
from bot.phone import digit_runs, mask_number, parse_mobile_number

logger = logging.getLogger(__name__)

PHONE_NUMBER = "phone_number"
SERVICE_PASSWORD = "service_password"
VERIFIED = "verified"
# Set when verification cannot go on (number locked, service down): ends the form at once.
VERIFICATION_STOPPED = "verification_stopped"
_PASSWORD = re.compile(r"\d{6}")
_SPACES = re.compile(r"\s+")


def typed_password(text: str) -> str | None:
    plain = _SPACES.sub("", unicodedata.normalize("NFKC", text))
    return plain if _PASSWORD.fullmatch(plain) else None


def account_requests(domain: DomainDict) -> dict[str, str]:
    """Intent → account action, from the `account_request` slot's mappings in domain.yml."""
    mappings = domain.get("slots", {}).get(ACCOUNT_REQUEST, {}).get("mappings", [])
    return {mapping["intent"]: mapping["value"] for mapping in mappings if "intent" in mapping}


def new_request(text: str, tracker: Tracker, domain: DomainDict) -> str | None:
    """Another account question asked instead of answering the form ("那我套餐是什么"):
    the account action to answer once verified. Messages with digits are answers."""
    if digit_runs(text):
        return None
    return account_requests(domain).get(tracker.get_intent_of_latest_message() or "")


def _not_an_answer(
    slot: str,
    invalid: str,
    text: str,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: DomainDict,
) -> dict[str, Any]:
    """The slot left unanswered when `text` does not answer it: another account question
    asked instead (`new_request`) is kept for after the verification; anything else is told
    what is wrong with it (`invalid`, which asks again)."""
    if request := new_request(text, tracker, domain):
        dispatcher.utter_message(response="utter_after_verification")
        return {slot: None, ACCOUNT_REQUEST: request}
    dispatcher.utter_message(response=invalid)
    return {slot: None}


def _stop(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    error: AccountFailure,
    label: str,
    number: str,
) -> dict[str, Any]:
    """Ends the verification with what the failure means (actions/account_trouble.py)."""
    tell_trouble(dispatcher, tracker, error, label, number)
    return {PHONE_NUMBER: None, SERVICE_PASSWORD: None, VERIFICATION_STOPPED: True}


class ValidateVerifyForm(FormValidationAction):
    def name(self) -> str:
        return "validate_verify_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """An SMS customer is verified as the number the operator's network authenticated
        (bot/channels/sms/identity.py says why an "sms:" conversation can be trusted): the
        form ends at once, for their own line only, without a password."""
        number = number_of(tracker.sender_id)
        if number is not None and not tracker.get_slot(VERIFIED):
            return [
                SlotSet(VERIFIED, True),
                SlotSet(VERIFIED_NUMBER, number),
                SlotSet("requested_slot", None),
            ]
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot(VERIFIED) or tracker.get_slot(VERIFICATION_STOPPED):
            return []
        return domain_slots

    async def extract_service_password(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Takes the customer's message as the password only when it answers that question."""
        if tracker.active_loop_name != VERIFY_FORM:
            return {}
        if tracker.get_slot("requested_slot") != SERVICE_PASSWORD:
            return {}
        ignored = domain.get("forms", {}).get(VERIFY_FORM, {}).get("ignored_intents", [])
        if tracker.get_intent_of_latest_message() in ignored:
            return {}
        return {SERVICE_PASSWORD: tracker.latest_message.get("text") or ""}

    async def validate_phone_number(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        text = str(value or "")
        number = parse_mobile_number(text)
        if number is None:
            invalid = "utter_invalid_phone_number"
            return _not_an_answer(PHONE_NUMBER, invalid, text, dispatcher, tracker, domain)
        try:
            await AccountClient.shared().summary(number)
        except (AccountServiceUnavailable, AccountRequestError) as error:
            if trouble_of(error) is Trouble.NOT_OURS:
                if tracker.get_slot(NOT_OURS_TOLD):
                    # A second number that is not ours: what they can do, not another "请重新输入".
                    dispatcher.utter_message(response="utter_not_our_customer")
                    return {PHONE_NUMBER: None, VERIFICATION_STOPPED: True}
                dispatcher.utter_message(response="utter_not_our_number", number=number)
                return {PHONE_NUMBER: None, NOT_OURS_TOLD: True}
            return _stop(dispatcher, tracker, error, "verification: number look-up", number)
        return {PHONE_NUMBER: number}

    async def validate_service_password(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        number = tracker.get_slot(PHONE_NUMBER)
        text = str(value or "")
        password = typed_password(text)
        if not number:
            return {SERVICE_PASSWORD: None}
        if password is None:
            invalid = "utter_invalid_password_format"
            return _not_an_answer(SERVICE_PASSWORD, invalid, text, dispatcher, tracker, domain)
        try:
            await AccountClient.shared().verify(number, password)
        except (AccountServiceUnavailable, AccountRequestError) as error:
            if isinstance(error, AccountRequestError) and error.code == "wrong_password":
                dispatcher.utter_message(
                    response="utter_wrong_password", attempts_left=error.body.get("attempts_left")
                )
                return {SERVICE_PASSWORD: None}
            return _stop(dispatcher, tracker, error, "verification: password check", number)
        logger.info("verification: %s verified", mask_number(number))
        return {SERVICE_PASSWORD: None, VERIFIED: True, VERIFIED_NUMBER: number}


# Validation messages that already ask for the slot again ("请重新输入…").
_ASKS_AGAIN = {
    "utter_invalid_phone_number",
    "utter_not_our_number",
    "utter_invalid_password_format",
    "utter_wrong_password",
}


def said_since_customer_spoke(tracker: Tracker) -> set[str]:
    """The responses the assistant has given since the customer's latest message."""
    said: set[str] = set()
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            said.add(str((event.get("metadata") or {}).get("utter_action")))
    return said


class AskForVerificationSlot(Action, ABC):
    """Asks for a slot of the form: with the full explanation the first time, briefly when
    coming back to it after a question in between, and not at all when a validation
    message has just asked again."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot this action asks for."""

    def name(self) -> str:
        return f"action_ask_{VERIFY_FORM}_{self.slot}"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        if said_since_customer_spoke(tracker) & _ASKS_AGAIN:
            return []
        asked_before = tracker.get_slot("requested_slot") == self.slot
        dispatcher.utter_message(
            response=f"utter_ask_{self.slot}_again" if asked_before else f"utter_ask_{self.slot}"
        )
        return []


class ActionAskPhoneNumber(AskForVerificationSlot):
    slot = PHONE_NUMBER


class ActionAskServicePassword(AskForVerificationSlot):
    slot = SERVICE_PASSWORD


class ActionResumeAccountRequest(Action):
    """After the form: answers what the customer asked before being verified."""

    def name(self) -> str:
        return "action_resume_account_request"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        if not tracker.get_slot(VERIFIED):
            # The form stopped and already said why (locked, service down).
            return [SlotSet(VERIFICATION_STOPPED, None)]
        if number_of(tracker.sender_id) is None:  # SMS customers were never asked to verify
            dispatcher.utter_message(response="utter_verified")
        request = AccountAction.registry.get(tracker.get_slot(ACCOUNT_REQUEST) or "")
        if request is None:
            dispatcher.utter_message(response="utter_anything_else")
            return []
        return await request().run(dispatcher, tracker, domain)
