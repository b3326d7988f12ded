"""Complaints: heard, written down as a ticket in the account system, with a human offered.

The category (计费争议, 网络信号, 服务态度, 业务办理, 其他) is inferred from what the customer
said when it can be (data/lexicon/complaint_categories.yml), asked otherwise; what they said
when complaining counts as the description unless it was only "我要投诉".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.account_action import AccountAction, AccountTurn
from actions.confirmation import applies, ask_to_confirm
from actions.handoff import TICKET_ID, hand_off
from bot.nlu.text import normalize

COMPLAINT_FORM = "complaint_form"
CATEGORY = "complaint_category"
DESCRIPTION = "complaint_description"
COMPLAIN_INTENT = "complain"
OTHER = "其他"
# What a call-back ticket after a poor rating says, for the staff who read it.
CALLBACK_DESCRIPTION = "客户对在线服务评价不满意，申请回电。"
CATEGORIES_FILE = (
    Path(__file__).resolve().parent.parent / "data" / "lexicon" / "complaint_categories.yml"
)
TICKET_STATUS_RESPONSES = {
    "open": "utter_ticket_status_open",
    "in_progress": "utter_ticket_status_in_progress",
    "closed": "utter_ticket_status_closed",
}
# What only says "I complain", without saying about what.
_ONLY_COMPLAINING = re.compile(
    r"我|要|想|你们|公司|投诉|举报|一下|了|啊|吧|呢|！|!|。|，|,|\s|找|把|叫|来|出|领导|经理|工信部"
    r"|转|部门|太差|差劲|坑"
)


@lru_cache(maxsize=1)
def category_keywords() -> dict[str, list[str]]:
    content = yaml.safe_load(CATEGORIES_FILE.read_text(encoding="utf-8"))
    return {
        category: list(words or []) for category, words in content["complaint_categories"].items()
    }


def categories() -> list[str]:
    return [*category_keywords(), OTHER]


def category_of(text: str) -> str | None:
    """The category a complaint's words show, or None when they show none."""
    plain = normalize(text)
    if plain in categories():
        return plain
    for category, words in category_keywords().items():
        if any(word in plain for word in words):
            return category
    return None


def says_what_happened(text: str) -> bool:
    """More than "我要投诉": something the ticket can describe."""
    return len(_ONLY_COMPLAINING.sub("", normalize(text))) >= 2


class ValidateComplaintForm(FormValidationAction):
    def name(self) -> str:
        return f"validate_{COMPLAINT_FORM}"

    @staticmethod
    def _extracted(
        tracker: Tracker,
        slot: str,
        domain: DomainDict,
        from_complaint: Callable[[str], str | None],
    ) -> dict[str, Any]:
        """The customer's message as the answer to `slot` when it was asked; when the form is
        just starting, what the complaint itself says of it (`from_complaint`), if anything.
        Either is then read by the slot's validation."""
        text = str(tracker.latest_message.get("text") or "")
        intent = tracker.get_intent_of_latest_message()
        requested = tracker.get_slot("requested_slot")
        if requested == slot:
            ignored = domain.get("forms", {}).get(COMPLAINT_FORM, {}).get("ignored_intents", [])
            return {} if intent in ignored else {slot: text}
        if requested is None and intent == COMPLAIN_INTENT:  # the form is just starting
            said = from_complaint(text)
            return {slot: said} if said else {}
        return {}

    async def extract_complaint_category(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._extracted(tracker, CATEGORY, domain, category_of)

    async def extract_complaint_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._extracted(
            tracker, DESCRIPTION, domain, lambda text: text if says_what_happened(text) else None
        )

    async def validate_complaint_category(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        category = category_of(str(value or ""))
        if category is None:
            dispatcher.utter_message(response="utter_complaint_category_unclear")
            return {CATEGORY: None}
        return {CATEGORY: category}

    async def validate_complaint_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        description = str(value or "").strip()[:2000]
        if not description:
            return {DESCRIPTION: None}
        return {DESCRIPTION: description}


class ActionFileComplaint(AccountAction):
    """Creates the ticket, says its number and the call-back promise, and offers a human."""

    action_name = "action_file_complaint"

    async def answer(self, turn: AccountTurn) -> list[EventType]:
        category = turn.tracker.get_slot(CATEGORY) or OTHER
        description = turn.tracker.get_slot(DESCRIPTION) or ""
        created = await turn.client.create_ticket(
            turn.number,
            category=category,
            description=description,
            channel=turn.tracker.get_latest_input_channel() or "rest",
        )
        ticket = created["ticket"]
        turn.say("utter_complaint_filed", ticket=ticket["id"], category=category)
        events: list[EventType] = [
            SlotSet(TICKET_ID, ticket["id"]),
            SlotSet(CATEGORY, None),
            SlotSet(DESCRIPTION, None),
        ]
        return events + ask_to_confirm(turn, "utter_offer_handoff", {"kind": "handoff"})


@applies("handoff")
async def hand_off_after_complaint(turn: AccountTurn, change: dict[str, Any]) -> None:
    reason = {"kind": "complaint", "ticket": turn.tracker.get_slot(TICKET_ID)}
    await hand_off(turn.dispatcher, turn.tracker, turn.domain, reason)


class ActionCheckComplaints(AccountAction):
    """The verified customer's tickets, newest first, with their status."""

    action_name = "action_check_complaints"

    async def answer(self, turn: AccountTurn) -> list[EventType]:
        tickets = await turn.client.tickets(turn.number)
        if not tickets:
            turn.say("utter_no_tickets")
            return []
        lines = [
            turn.text(
                "utter_ticket_line",
                ticket=ticket["id"],
                category=ticket["category"],
                created=str(ticket["created_at"])[:10],
                status=turn.text(TICKET_STATUS_RESPONSES[ticket["status"]]),
            )
            for ticket in tickets
        ]
        turn.say("utter_tickets", tickets="\n".join(lines))
        return []


class ActionRequestCallback(AccountAction):
    """A ticket for a call back after a poor rating (actions/satisfaction.py); the number is
    verified first, as for every account action."""

    action_name = "action_request_callback"

    async def answer(self, turn: AccountTurn) -> list[EventType]:
        created = await turn.client.create_ticket(
            turn.number,
            category=OTHER,
            description=CALLBACK_DESCRIPTION,
            channel=turn.tracker.get_latest_input_channel() or "rest",
        )
        ticket = created["ticket"]["id"]
        turn.say("utter_callback_filed", ticket=ticket)
        return [SlotSet(TICKET_ID, ticket)]
