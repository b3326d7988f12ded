"""The customer's plan: what it is, and changing it (from the 1st of next month)."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk.events import EventType

from actions.account_action import AccountAction, AccountTurn, yuan
from actions.confirmation import applies, ask_to_confirm
from bot.accounts.client import AccountRequestError
from bot.nlu.text import normalize

_FEE = re.compile(r"(?<!\d)(\d{1,3})(?!\d)")


class ActionCheckPlan(AccountAction):
    action_name = "action_check_plan"

    async def answer(self, turn: AccountTurn) -> list[EventType]:
        account = await turn.client.summary(turn.number)
        plan = account["plan"]
        turn.say("utter_current_plan", plan=plan["name"], fee=yuan(plan["monthly_fee_fen"]))
        if account.get("contract"):
            contract = account["contract"]
            turn.say("utter_contract", kind=contract["kind"], ends=contract["ends"])
        if account.get("pending_plan"):
            pending = account["pending_plan"]
            turn.say("utter_pending_plan", plan=pending["name"], effective=pending["effective"])
        return []


def plan_meant(turn: AccountTurn, plans: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The plan the customer named: by name (entity) or by its monthly fee (换成88的)."""
    names = set(turn.request_entities("change_plan", "plan"))
    by_name = [plan for plan in plans if plan["name"] in names]
    if len(by_name) == 1:
        return by_name[0]
    fees = {int(fee) * 100 for fee in _FEE.findall(normalize(turn.request_text("change_plan")))}
    by_fee = [plan for plan in plans if plan["monthly_fee_fen"] in fees]
    return by_fee[0] if len(by_fee) == 1 else None


class ActionChangePlan(AccountAction):
    """Checks what can be checked first (same plan, downgrade in a contract), then confirms."""

    action_name = "action_change_plan"

    async def answer(self, turn: AccountTurn) -> list[EventType]:
        account = await turn.client.summary(turn.number)
        plans = (await turn.client.catalogue())["plans"]
        target = plan_meant(turn, plans)
        current = account["plan"]
        if target is None:
            turn.dispatcher.utter_message(
                response="utter_ask_which_plan",
                current=current["name"],
                buttons=[
                    {
                        "title": f"{plan['name']}（{yuan(plan['monthly_fee_fen'])}元/月）",
                        "payload": f'/change_plan{{"plan": "{plan["name"]}"}}',
                    }
                    for plan in plans
                    if plan["code"] != current["code"]
                ],
            )
            return []
        if target["code"] == current["code"]:
            turn.say("utter_plan_same", plan=current["name"])
            return []
        contract = account.get("contract")
        if contract and target["monthly_fee_fen"] < current["monthly_fee_fen"]:
            turn.say(
                "utter_plan_downgrade_in_contract", kind=contract["kind"], ends=contract["ends"]
            )
            return []
        return ask_to_confirm(
            turn,
            "utter_confirm_change_plan",
            {"kind": "change_plan", "code": target["code"], "name": target["name"]},
            current=current["name"],
            plan=target["name"],
        )


@applies("change_plan")
async def change_plan(turn: AccountTurn, change: dict[str, Any]) -> None:
    """Applies a confirmed plan change."""
    try:
        result = await turn.client.change_plan(turn.number, change["code"])
    except AccountRequestError as error:
        if error.code == "downgrade_in_contract":
            turn.say(
                "utter_plan_downgrade_in_contract",
                kind=error.body.get("contract_kind", "合约"),
                ends=error.body.get("contract_ends", ""),
            )
            return
        if error.code == "same_plan":
            turn.say("utter_plan_same", plan=change["name"])
            return
        raise
    turn.say("utter_plan_changed", plan=result["plan"]["name"], effective=result["effective"])
