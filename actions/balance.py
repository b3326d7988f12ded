"""Balance: how much credit is left on the customer's line, or how much is owed."""

from __future__ import annotations

from rasa_sdk.events import EventType

from actions.account_action import AccountAction, AccountTurn, yuan


class ActionCheckBalance(AccountAction):
    action_name = "action_check_balance"
    topic = "my_balance"

    async def answer(self, turn: AccountTurn) -> list[EventType]:
        account = await turn.client.summary(turn.number)
        balance = account["balance_fen"]
        if balance < 0:
            turn.say(
                "utter_balance_in_arrears",
                arrears=yuan(-balance),
                balance=yuan(balance),
                status=account["status_text"],
            )
        else:
            turn.say("utter_balance", balance=yuan(balance), status=account["status_text"])
        return []
