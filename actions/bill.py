"""The bill of a month, item by item, with what the surprising items mean."""

from __future__ import annotations

from datetime import date

from rasa_sdk.events import EventType

from actions.account_action import AccountAction, AccountTurn, yuan
from actions.months import month_meant, month_name
from bot.accounts.client import AccountRequestError
from bot.months import month_key, months_before

# Items customers ask about most ("why was my bill so high"), and what explains them.
EXPLANATIONS = {
    "data_overage": "utter_bill_explain_data",
    "voice_overage": "utter_bill_explain_voice",
    "cailing_fee": "utter_bill_explain_cailing",
}


class ActionCheckBill(AccountAction):
    action_name = "action_check_bill"

    async def answer(self, turn: AccountTurn) -> list[EventType]:
        today = date.today()
        month = month_meant(turn.request_text("check_bill"), today) or months_before(today, 1)
        if month > today:
            turn.say("utter_bill_not_yet", month=month_name(month))
            return []
        try:
            bill = await turn.client.bill(turn.number, month_key(month))
        except AccountRequestError as error:
            if error.code != "no_bill":
                raise
            turn.say("utter_no_bill", month=month_name(month))
            return []
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
        return []
