"""What the customer is told when the account service does not give the answer asked for.

Every action reads a failure of the account service by its meaning, here, the same way on
every channel. What fits the channel is in domain.yml: the `channel: sms` variant of a
response is what an SMS customer reads (they are texting already, so they are not told to
text a short code). An action handles only the refusals that are ordinary answers for it (a
bill that does not exist yet, a wrong password) and passes everything else here.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import Enum

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.accounts.client import AccountRequestError, AccountServiceUnavailable
from bot.phone import mask_number

logger = logging.getLogger(__name__)

AccountFailure = AccountServiceUnavailable | AccountRequestError
# Set once the customer was told their number is not ours, so that it is said in full once.
NOT_OURS_TOLD = "told_not_ours"


class Trouble(Enum):
    NOT_OURS = "the number is not a customer of ours"
    LOCKED = "the number is locked after wrong passwords"
    REFUSED = "the request was refused"
    DOWN = "the service is down"
    SLOW = "the service did not answer in time"


RESPONSES = {
    Trouble.NOT_OURS: "utter_not_our_customer",
    Trouble.LOCKED: "utter_number_locked",
    Trouble.REFUSED: "utter_account_request_refused",
    Trouble.DOWN: "utter_account_service_down",
    Trouble.SLOW: "utter_account_service_slow",
}


def trouble_of(error: AccountFailure) -> Trouble:
    if isinstance(error, AccountServiceUnavailable):
        return Trouble.SLOW if error.slow else Trouble.DOWN
    if error.code == "not_found":
        return Trouble.NOT_OURS
    if error.code == "locked":
        return Trouble.LOCKED
    return Trouble.REFUSED


def clock_time(iso_time: str) -> str:
    """When a lock ends, as the customer reads a clock: 19:45."""
    try:
        return datetime.fromisoformat(iso_time).strftime("%H:%M")
    except ValueError:
        return iso_time


def tell_trouble(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    error: AccountFailure,
    label: str,
    number: str | None = None,
) -> list[EventType]:
    """Tells the customer what the failure means for them; the log names what failed
    (`label`), never the customer."""
    trouble = trouble_of(error)
    logger.warning("%s: %s (%s)", label, trouble.value, error)
    if trouble is Trouble.NOT_OURS and tracker.get_slot(NOT_OURS_TOLD):
        dispatcher.utter_message(response="utter_not_our_customer_again")
        return []
    if trouble is Trouble.LOCKED:
        until = clock_time(str(getattr(error, "body", {}).get("locked_until", "")))
        dispatcher.utter_message(
            response=RESPONSES[trouble], number=mask_number(number or ""), until=until
        )
        return []
    dispatcher.utter_message(response=RESPONSES[trouble])
    return [SlotSet(NOT_OURS_TOLD, True)] if trouble is Trouble.NOT_OURS else []
