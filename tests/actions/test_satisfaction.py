"""The rating question from the actions' side: when it is asked (once, at a natural end),
what a rating is answered with and kept as, and the human after a poor one."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.complaint import hand_off_after_complaint
from actions.confirmation import ActionHandleDeny
from actions.offers import user_turns
from actions.satisfaction import ActionAskRating, ActionGoodbye, ActionRateService
from tests.actions.test_account_actions import tracker, user

DOMAIN: dict[str, Any] = {"responses": {}}
RATE = {"entity": "rating", "value": "unsatisfied"}


async def said_and_set(action: Action, state: Tracker) -> tuple[list[str], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, state, DOMAIN)
    slots = {event["name"]: event["value"] for event in events if event.get("event") == "slot"}
    return [message["response"] for message in dispatcher.messages], slots


async def test_a_goodbye_after_a_question_asks_for_the_rating() -> None:
    state = tracker([user("彩铃怎么收费", "faq"), user("再见", "goodbye")])
    said, slots = await said_and_set(ActionGoodbye(), state)
    assert said == ["utter_goodbye", "utter_ask_rating"] and slots == {"csat_asked": True}


async def test_a_goodbye_after_small_talk_only_is_just_a_goodbye() -> None:
    state = tracker([user("你好", "greet"), user("谢谢", "thank"), user("再见", "goodbye")])
    assert await said_and_set(ActionGoodbye(), state) == (["utter_goodbye"], {})


async def test_a_conversation_is_asked_only_once() -> None:
    events = [user("彩铃怎么收费", "faq"), user("再见", "goodbye")]
    assert await said_and_set(ActionGoodbye(), tracker(events, {"csat_asked": True})) == (
        ["utter_goodbye"],
        {},
    )
    handed_back = tracker([user("转人工", "request_human")], {"csat_asked": True})
    assert await said_and_set(ActionAskRating(), handed_back) == ([], {})


async def test_a_rating_is_answered_and_kept_the_first_time_only() -> None:
    events = [user("再见", "goodbye"), user("/rate_service", "rate_service", [RATE])]
    said, slots = await said_and_set(ActionRateService(), tracker(events))
    assert said == ["utter_rated_unsatisfied"]
    assert slots == {"csat_asked": True, "csat_rating": "unsatisfied"}
    again = tracker(events, {"csat_rating": "satisfied"})
    assert await said_and_set(ActionRateService(), again) == (["utter_already_rated"], {})
    bogus = [user("/rate_service", "rate_service", [{"entity": "rating", "value": "5星"}])]
    assert await said_and_set(ActionRateService(), tracker(bogus)) == (["utter_anything_else"], {})


async def test_declining_the_human_after_a_complaint_is_a_natural_end() -> None:
    assert hand_off_after_complaint  # registered: the offer is one that a no can decline
    events = [user("我要投诉", "complain"), user("不用了", "deny")]
    offer = {"kind": "handoff", "asked_at": user_turns(tracker(events)) - 1}
    said, slots = await said_and_set(ActionHandleDeny(), tracker(events, {"pending_change": offer}))
    assert said == ["utter_handoff_declined", "utter_ask_rating"]
    assert slots["csat_asked"] is True and slots["pending_change"] is None


async def test_no_to_the_offer_after_a_poor_rating_is_taken_as_such() -> None:
    offered = {
        "event": "bot",
        "text": "很抱歉",
        "metadata": {"utter_action": "utter_rated_unsatisfied"},
    }
    events = [user("过户要带啥", "faq"), user("不满意", "rate_service", [RATE]), offered]
    said, _ = await said_and_set(ActionHandleDeny(), tracker([*events, user("不用了", "deny")]))
    assert said == ["utter_unsatisfied_offer_declined"]  # not the last answer again
