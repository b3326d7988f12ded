"""The customer's plan: what it is, and changing it (from the 1st of next month)."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk.events import EventType

from actions.account_action import AccountAction, AccountTurn, yuan
from actions.confirmation import applies, ask_to_confirm
from bot.accounts.client import AccountRequestError
from bot.catalogue import catalogue
from bot.catalogue import yuan as yuan_said
from bot.nlu.text import normalize
from bot.understanding.plans import Needs, cost_lines, ranked, usage_text
from bot.understanding.replies import texts_from

_FEE = re.compile(r"(?<!\d)(\d{1,3})(?!\d)")
_CHEAPER = re.compile(r"便宜|降档|降级|低一点|低点|少一点|省钱|划算|要不要换|该不该换|用法|合适")


class ActionCheckPlan(AccountAction):
    action_name = "action_check_plan"
    topic = "my_plan"

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
        if target is None and _CHEAPER.search(normalize(turn.request_text("change_plan"))):
            # "我想换个更便宜的套餐": which one is cheaper for them, from their usage
            return await ActionRecommendPlan().answer(turn)
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


class ActionRecommendPlan(AccountAction):
    """The cheapest plan for the customer's own usage this month, from the account.

    Keeps the current plan when it is the cheapest (no upselling) and never proposes a
    downgrade inside a contract; a cheaper plan is offered through the usual confirmation.
    """

    action_name = "action_recommend_plan"

    async def answer(self, turn: AccountTurn) -> list[EventType]:
        account = await turn.client.summary(turn.number)
        usage = await turn.client.usage(turn.number)
        subscribed = await turn.client.services(turn.number)
        wants_cailing = any(
            service["code"] == "cailing" and not service.get("included_in_plan")
            for service in subscribed["services"]
        )
        needs = Needs(
            minutes=usage["voice_minutes_used"],
            data_mb=usage["data_mb_used"],
            cailing=wants_cailing,
        )
        cat = catalogue()
        texts = texts_from(turn.domain["responses"])
        costs = ranked(cat, needs)
        best_cost, best = costs[0]
        current = cat.plan(account["plan"]["code"])
        current_cost = next(cost for cost, plan in costs if plan.code == current.code)
        described = usage_text(texts, needs)
        contract = account.get("contract")
        if current_cost <= best_cost:
            turn.say(
                "utter_plan_keep",
                usage=described,
                plan=current.name,
                total=yuan_said(current_cost),
                lines=cost_lines(texts, cat, needs),
            )
            if contract:
                turn.say("utter_contract", kind=contract["kind"], ends=contract["ends"])
            return []
        values = {
            "usage": described,
            "plan": best.name,
            "total": yuan_said(best_cost),
            "current": current.name,
            "current_total": yuan_said(current_cost),
        }
        if contract and best.fee_fen < current.fee_fen:
            turn.say(
                "utter_plan_cheaper_in_contract",
                kind=contract["kind"],
                ends=contract["ends"],
                **values,
            )
            return []
        return ask_to_confirm(
            turn,
            "utter_confirm_recommended_plan",
            {"kind": "change_plan", "code": best.code, "name": best.name},
            saving=yuan_said(current_cost - best_cost),
            **values,
        )
