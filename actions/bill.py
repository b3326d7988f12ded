"""The bill of a month, item by item, with what the surprising items mean."""

from __future__ import annotations

import re
from datetime import date

from rasa_sdk.events import EventType, SlotSet

from actions.account_action import AccountAction, AccountTurn, yuan
from actions.months import from_month_key, month_meant, month_name
from bot.accounts.client import AccountRequestError
from bot.months import month_key, months_before
from bot.understanding.context import SLOT as CONTEXT_SLOT
from bot.understanding.context import Context

# The month before the bill just shown: "前一个月的呢", "再往前一个月".
_MONTH_BEFORE = re.compile(r"前一个?月|再往前|再前一|之前那个月|更早")

# Items customers ask about most ("why was my bill so high"), and what explains them.
EXPLANATIONS = {
    "data_overage": "utter_bill_explain_data",
    "voice_overage": "utter_bill_explain_voice",
    "cailing_fee": "utter_bill_explain_cailing",
}


class ActionCheckBill(AccountAction):
    action_name = "action_check_bill"
    topic = "my_bill"

    async def answer(self, turn: AccountTurn) -> list[EventType]:
        today = date.today()
        shown = Context.from_slot(turn.tracker.get_slot(CONTEXT_SLOT)).month
        latest = str((turn.tracker.latest_message or {}).get("text") or "")
        if shown and _MONTH_BEFORE.search(latest):  # "前一个月的呢" after a bill
            month = months_before(from_month_key(shown), 1)
        else:
            month = (
                month_meant(latest, today)
                or month_meant(turn.request_text("check_bill"), today)
                or months_before(today, 1)
            )
        events = [
            SlotSet(CONTEXT_SLOT, Context(topic=self.topic, month=month_key(month)).as_slot())
        ]
        if month > today:
            turn.say("utter_bill_not_yet", month=month_name(month))
            return events
        try:
            bill = await turn.client.bill(turn.number, month_key(month))
        except AccountRequestError as error:
            if error.code != "no_bill":
                raise
            turn.say("utter_no_bill", month=month_name(month))
            return events
        lines = [
            turn.text("utter_bill_item", name=item["name"], amount=yuan(item["amount_fen"]))
            + (f"（{item['detail']}）" if item.get("detail") else "")
            for item in bill["items"]
        ]
        turn.say(
            "utter_bill" if bill["final"] else "utter_bill_running",
            month=month_name(month),
            items="\n".join(lines),
            total=yuan(bill["total_fen"]),
        )
        for code in dict.fromkeys(item.get("code") for item in bill["items"]):
            if code in EXPLANATIONS:
                turn.say(EXPLANATIONS[code])
        return events
