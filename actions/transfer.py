"""Transfer of ownership (过户) pre-check: which conditions the line fails, and what to do."""

from __future__ import annotations

from rasa_sdk.events import EventType

from actions.account_action import AccountAction, AccountTurn, yuan

# One response per condition the account service can name; each says what to do about it.
FAILED_CONDITION_RESPONSES = {
    "status": "utter_transfer_fails_status",
    "arrears": "utter_transfer_fails_arrears",
    "real_name": "utter_transfer_fails_real_name",
    "contract": "utter_transfer_fails_contract",
}


class ActionCheckTransfer(AccountAction):
    action_name = "action_check_transfer"
    topic = "my_transfer"

    async def answer(self, turn: AccountTurn) -> list[EventType]:
        check = await turn.client.transfer_check(turn.number)
        if check["eligible"]:
            turn.say("utter_transfer_eligible")
            return []
        reasons = []
        for failed in check["failed"]:
            values = {key: value for key, value in failed.items() if key != "condition"}
            if "amount_fen" in values:
                values["amount"] = yuan(values.pop("amount_fen"))
            reasons.append(turn.text(FAILED_CONDITION_RESPONSES[failed["condition"]], **values))
        turn.say("utter_transfer_not_eligible", reasons="\n".join(reasons))
        return []
