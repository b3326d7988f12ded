"""Value-added services (彩铃, 来电显示): what the customer has, and (un)subscribing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk.events import EventType

from actions.account_action import AccountAction, AccountTurn, yuan
from actions.confirmation import Change, applies, ask_to_confirm
from bot.accounts.client import AccountRequestError

SERVICE_SLOT = "service"
# The account client's (un)subscription of (number, service code).
ServiceRequest = Callable[[str, str], Awaitable[dict[str, Any]]]


def service_named(turn: AccountTurn, intent: str, catalogue: list[dict[str, Any]]) -> dict | None:
    """The service the customer means: named when asking, else the one just talked about."""
    names = turn.request_entities(intent, "service") or [turn.tracker.get_slot(SERVICE_SLOT)]
    return next((service for service in catalogue if service["name"] in names), None)


def fee_text(turn: AccountTurn, service: dict[str, Any]) -> str:
    if service.get("included_in_plan"):
        return turn.text("utter_fee_included")
    if service["monthly_fee_fen"] == 0:
        return turn.text("utter_fee_free")
    return turn.text("utter_fee_monthly", fee=yuan(service["monthly_fee_fen"]))


def since_text(turn: AccountTurn, service: dict[str, Any]) -> str:
    """When and how it was subscribed, where the account system knows (the first question
    when a fee is unexpected)."""
    if not service.get("subscribed_on"):
        return ""
    return turn.text(
        "utter_subscribed_since",
        date=service["subscribed_on"],
        channel=service.get("channel") or "—",
    )


def _confirm(
    turn: AccountTurn, response: str, kind: str, service: dict[str, Any], **values: Any
) -> list[EventType]:
    """Asks to confirm (un)subscribing `service`, which the question names."""
    change = {"kind": kind, "code": service["code"], "name": service["name"]}
    return ask_to_confirm(turn, response, change, service=service["name"], **values)


class ActionCheckServices(AccountAction):
    """Lists the subscribed services; asked about one (我的彩铃收费吗), answers about that one."""

    action_name = "action_check_services"
    topic = "my_services"

    async def answer(self, turn: AccountTurn) -> list[EventType]:
        subscribed = await turn.client.services(turn.number)
        asked = set(turn.request_entities("check_services", "service"))
        if asked:
            for name in sorted(asked):
                service = next((s for s in subscribed["services"] if s["name"] == name), None)
                if service is None:
                    turn.say("utter_service_not_subscribed", service=name)
                elif service.get("included_in_plan"):
                    turn.say("utter_service_included", service=name)
                else:
                    turn.say(
                        "utter_service_subscribed",
                        service=name,
                        since=since_text(turn, service),
                        fee=fee_text(turn, service),
                    )
            return []
        if not subscribed["services"]:
            turn.say("utter_no_services")
            return []
        # with when and how each was subscribed: the first question when a fee is a surprise
        lines = [
            turn.text("utter_service_line", service=service["name"], fee=fee_text(turn, service))
            + since_text(turn, service)
            for service in subscribed["services"]
        ]
        turn.say("utter_services", services="\n".join(lines))
        return []


class ActionUnsubscribeService(AccountAction):
    action_name = "action_unsubscribe_service"

    async def answer(self, turn: AccountTurn) -> list[EventType]:
        subscribed = await turn.client.services(turn.number)
        active = subscribed["services"]
        service = service_named(turn, "unsubscribe_service", active + subscribed["cancelled"])
        if service is None:
            paid = [s for s in active if s["monthly_fee_fen"] > 0]
            if len(paid) != 1:
                names = "、".join(s["name"] for s in active)
                turn.say("utter_ask_which_service", services=names or "无")
                return []
            service = paid[0]
        if service not in active:
            cancelled_on = service.get("cancelled_on")
            if cancelled_on:
                turn.say("utter_already_unsubscribed", service=service["name"], date=cancelled_on)
            else:
                turn.say("utter_service_not_subscribed", service=service["name"])
            return []
        return _confirm(turn, "utter_confirm_unsubscribe", "unsubscribe", service)


class ActionSubscribeService(AccountAction):
    action_name = "action_subscribe_service"

    async def answer(self, turn: AccountTurn) -> list[EventType]:
        catalogue = (await turn.client.catalogue())["services"]
        service = service_named(turn, "subscribe_service", catalogue)
        if service is None:
            names = "、".join(s["name"] for s in catalogue)
            turn.say("utter_ask_which_service_to_add", services=names)
            return []
        subscribed = await turn.client.services(turn.number)
        current = next((s for s in subscribed["services"] if s["code"] == service["code"]), None)
        if current is not None:
            turn.say("utter_already_subscribed", service=service["name"])
            return []
        return _confirm(
            turn, "utter_confirm_subscribe", "subscribe", service, fee=fee_text(turn, service)
        )


# A confirmed (un)subscription the account service refuses because it already is so (done
# meanwhile, on another channel): what the customer is told instead, by the refusal's code.
_ALREADY_SO = {
    "not_subscribed": "utter_service_not_subscribed",
    "already_subscribed": "utter_already_subscribed",
}


async def _applied(
    turn: AccountTurn, change: Change, request: ServiceRequest, already_so: str
) -> dict[str, Any] | None:
    """The account service's result of the change; None when it refused it as `already_so`,
    which is said instead. Other refusals are raised (actions/account_trouble.py)."""
    try:
        return await request(turn.number, change["code"])
    except AccountRequestError as error:
        if error.code != already_so:
            raise
        turn.say(_ALREADY_SO[already_so], service=change["name"])
        return None


@applies("unsubscribe")
async def unsubscribe(turn: AccountTurn, change: Change) -> None:
    result = await _applied(turn, change, turn.client.unsubscribe, "not_subscribed")
    if result is not None:
        turn.say("utter_unsubscribed", service=result["name"], fee_stops=result["fee_stops"])


@applies("subscribe")
async def subscribe(turn: AccountTurn, change: Change) -> None:
    result = await _applied(turn, change, turn.client.subscribe, "already_subscribed")
    if result is not None:
        service = result["service"]
        turn.say("utter_subscribed", service=service["name"], fee=fee_text(turn, service))
