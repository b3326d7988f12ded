"""The account actions with real trackers and dispatchers, against the real account service.

What the customer would read is checked through the responses the actions choose and the
values they fill in; the REST tests in tests/acceptance/ check the same flows end to end.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.balance import ActionCheckBalance
from actions.bill import ActionCheckBill
from actions.confirmation import ActionHandleAffirm, ActionHandleDeny
from actions.months import month_name
from actions.plan import ActionChangePlan, ActionCheckPlan
from actions.services import ActionCheckServices, ActionUnsubscribeService
from actions.transfer import ActionCheckTransfer
from actions.usage import ActionCheckUsage
from actions.verification import ActionResumeAccountRequest, ValidateVerifyForm
from bot.months import months_before
from tests.conftest import ROOT, RunningService, free_port, running_account_service

ZHANG_WEI, LI_NA, WANG_FANG = "13800138000", "13900139000", "13700137000"
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    with running_account_service(tmp_path_factory.mktemp("accounts")) as running:
        yield running


@pytest.fixture(autouse=True)
def account_service_env(service: RunningService, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCOUNTS_URL", service.url)
    monkeypatch.setenv("ACCOUNTS_TOKEN", service.token)


def user(text: str, intent: str, entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    parse_data = {"intent": {"name": intent}, "entities": entities or [], "text": text}
    return {"event": "user", "text": text, "parse_data": parse_data}


def tracker(
    events: list[dict[str, Any]], slots: dict[str, Any] | None = None, **more: Any
) -> Tracker:
    latest = next((e["parse_data"] for e in reversed(events) if e["event"] == "user"), {})
    active_loop = {"name": more["active_loop"]} if more.get("active_loop") else {}
    return Tracker("customer", slots or {}, latest, events, False, None, active_loop, None)


def verified(number: str, **slots: Any) -> dict[str, Any]:
    return {"verified": True, "verified_number": number, **slots}


async def run(action: Action, state: Tracker) -> tuple[list[dict[str, Any]], list[dict]]:
    """What the action said, and its events other than the conversation's topic (which
    test_an_answer_leaves_the_conversation_on_its_topic checks)."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, state, DOMAIN)
    return dispatcher.messages, [e for e in events if e.get("name") != "dialogue_context"]


async def test_an_answer_leaves_the_conversation_on_its_topic(service: RunningService) -> None:
    state = tracker([user("上个月账单", "check_bill")], verified(LI_NA))
    events = await ActionCheckBill().run(CollectingDispatcher(), state, DOMAIN)
    context = [e["value"] for e in events if e.get("name") == "dialogue_context"][-1]
    assert context["topic"] == "my_bill" and context["month"]


def said(messages: list[dict[str, Any]]) -> list[str]:
    return [message["response"] for message in messages]


def filled(messages: list[dict[str, Any]], response: str) -> str:
    """The text the customer reads for one of the messages."""
    message = next(m for m in messages if m["response"] == response)
    template = DOMAIN["responses"][response][0]["text"]
    values = {key: value for key, value in message.items() if isinstance(value, str | int)}
    return template.format_map(values)


# -- answers --------------------------------------------------------------------------------------


async def test_balance_in_yuan_with_the_number_masked() -> None:
    messages, _ = await run(
        ActionCheckBalance(), tracker([user("余额", "check_balance")], verified(ZHANG_WEI))
    )
    assert (
        filled(messages, "utter_balance")
        == "您的号码138****8000当前话费余额为56.80元，号码状态：正常。"
    )


async def test_a_line_in_arrears_says_how_much_is_owed() -> None:
    messages, _ = await run(
        ActionCheckBalance(), tracker([user("余额", "check_balance")], verified(LI_NA))
    )
    text = filled(messages, "utter_balance_in_arrears")
    assert "欠费12.50元" in text and "单向停机" in text


async def test_usage_in_gigabytes_with_one_decimal() -> None:
    messages, _ = await run(
        ActionCheckUsage(), tracker([user("流量", "check_usage")], verified(WANG_FANG))
    )
    text = messages[0]["data"] + messages[0]["voice"]
    assert "已用2.5GB，套餐内5.0GB，剩余2.5GB" in text
    assert "已用20分钟" in text and "0.19元/分钟" in text


async def test_last_months_bill_explains_the_fees() -> None:
    state = tracker([user("上月账单", "check_bill")], verified(LI_NA))
    messages, _ = await run(ActionCheckBill(), state)
    bill = filled(messages, "utter_bill")
    assert month_name(months_before(date.today(), 1)) in bill
    assert "GPRS流量费：34.80元（120MB×0.29元/MB）" in bill and "合计：58.00元" in bill
    assert {"utter_bill_explain_data", "utter_bill_explain_voice"} <= set(said(messages))


async def test_the_month_comes_from_the_request_not_from_the_password() -> None:
    """After verification the latest message is the password; the month is in the request."""
    last_month = months_before(date.today(), 1)
    events = [user(f"{last_month.month}月份的账单", "check_bill"), user("258013", "nlu_fallback")]
    messages, _ = await run(ActionCheckBill(), tracker(events, verified(ZHANG_WEI)))
    assert "合计：64.00元" in filled(messages, "utter_bill")
    assert "utter_bill_explain_cailing" in said(messages)


async def test_a_month_without_a_bill_and_a_month_to_come() -> None:
    older = await run(
        ActionCheckBill(), tracker([user("上上个月账单", "check_bill")], verified(ZHANG_WEI))
    )
    assert said(older[0]) == ["utter_no_bill"]
    next_month = months_before(date.today(), -1)
    text = f"{next_month.year}年{next_month.month}月账单"
    future = await run(ActionCheckBill(), tracker([user(text, "check_bill")], verified(ZHANG_WEI)))
    assert said(future[0]) == ["utter_bill_not_yet"]


async def test_plan_and_contract() -> None:
    messages, _ = await run(
        ActionCheckPlan(), tracker([user("我的套餐", "check_plan")], verified(WANG_FANG))
    )
    assert "动感地带青春卡" in filled(messages, "utter_current_plan")
    assert "2027-06-30" in filled(messages, "utter_contract")


async def test_cailing_included_in_the_plan_or_paid() -> None:
    asked = [user("我的彩铃要钱吗", "check_services", [{"entity": "service", "value": "彩铃"}])]
    included, _ = await run(ActionCheckServices(), tracker(asked, verified(WANG_FANG)))
    assert said(included) == ["utter_service_included"]
    paid, _ = await run(ActionCheckServices(), tracker(asked, verified(ZHANG_WEI)))
    text = filled(paid, "utter_service_subscribed")
    assert "6.00元/月" in text and "短信" in text


async def test_transfer_check_names_each_failed_condition() -> None:
    messages, _ = await run(
        ActionCheckTransfer(), tracker([user("能过户吗", "transfer_check")], verified(WANG_FANG))
    )
    assert "2027-06-30合约到期后" in filled(messages, "utter_transfer_not_eligible")
    ok, _ = await run(
        ActionCheckTransfer(), tracker([user("能过户吗", "transfer_check")], verified(ZHANG_WEI))
    )
    assert said(ok) == ["utter_transfer_eligible"]


# -- changes need an explicit yes to the question just asked ---------------------------------------


async def test_unsubscribe_asks_then_applies_on_yes(service: RunningService) -> None:
    ask = [user("帮我把彩铃退了", "unsubscribe_service", [{"entity": "service", "value": "彩铃"}])]
    messages, events = await run(ActionUnsubscribeService(), tracker(ask, verified(ZHANG_WEI)))
    assert said(messages) == ["utter_confirm_unsubscribe"]
    assert (await service.client().services(ZHANG_WEI))["services"][0]["code"] == "cailing"
    pending = events[0]["value"]
    answer = [*ask, {"event": "bot"}, user("确认", "affirm")]
    messages, _ = await run(
        ActionHandleAffirm(), tracker(answer, verified(ZHANG_WEI, pending_change=pending))
    )
    assert said(messages) == ["utter_unsubscribed"]
    codes = [s["code"] for s in (await service.client().services(ZHANG_WEI))["services"]]
    assert "cailing" not in codes


async def test_a_later_yes_does_not_apply_a_forgotten_change(service: RunningService) -> None:
    ask = [
        user("我想换成88元套餐", "change_plan", [{"entity": "plan", "value": "全球通畅享88元套餐"}])
    ]
    _, events = await run(ActionChangePlan(), tracker(ask, verified(LI_NA)))
    pending = events[0]["value"]
    later = [*ask, user("流量怎么收费", "faq"), user("好的", "affirm")]
    messages, _ = await run(
        ActionHandleAffirm(), tracker(later, verified(LI_NA, pending_change=pending))
    )
    assert said(messages) == ["utter_anything_else"]
    assert (await service.client().summary(LI_NA))["pending_plan"] is None


async def test_no_to_the_question_changes_nothing(service: RunningService) -> None:
    ask = [user("换成88的套餐", "change_plan")]
    _, events = await run(ActionChangePlan(), tracker(ask, verified(LI_NA)))
    answer = [*ask, user("算了", "deny")]
    messages, _ = await run(
        ActionHandleDeny(), tracker(answer, verified(LI_NA, pending_change=events[0]["value"]))
    )
    assert said(messages) == ["utter_change_dropped"]
    assert (await service.client().summary(LI_NA))["pending_plan"] is None


async def test_a_downgrade_in_a_contract_is_refused_before_asking() -> None:
    ask = [user("换成畅听卡", "change_plan", [{"entity": "plan", "value": "神州行畅听卡"}])]
    messages, events = await run(ActionChangePlan(), tracker(ask, verified(WANG_FANG)))
    assert said(messages) == ["utter_plan_downgrade_in_contract"] and events == []


# -- verification ---------------------------------------------------------------------------------


async def validate(
    slot: str, value: str, slots: dict[str, Any]
) -> tuple[list[str], dict[str, Any]]:
    events = [user(value, "nlu_fallback"), {"event": "slot", "name": slot, "value": value}]
    state = tracker(events, {"requested_slot": slot, **slots}, active_loop="verify_form")
    dispatcher = CollectingDispatcher()
    result = await ValidateVerifyForm().run(dispatcher, state, DOMAIN)
    return said(dispatcher.messages), {
        e["name"]: e["value"] for e in result if e["event"] == "slot"
    }


@pytest.mark.parametrize(
    "typed", ["138-0013-8000", "１３８００１３８０００", "138 0013 8000", "+86 13800138000"]
)
async def test_numbers_as_people_type_them(typed: str) -> None:
    messages, slots = await validate("phone_number", typed, {})
    assert messages == [] and slots["phone_number"] == ZHANG_WEI


@pytest.mark.parametrize(
    ("typed", "response"),
    [("1380013", "utter_invalid_phone_number"), ("12800138000", "utter_invalid_phone_number"),
     ("13600136000", "utter_not_our_number")],
)  # fmt: skip
async def test_numbers_that_are_refused(typed: str, response: str) -> None:
    messages, slots = await validate("phone_number", typed, {})
    assert messages == [response] and slots["phone_number"] is None


async def test_a_second_number_that_is_not_ours_ends_the_verification() -> None:
    messages, slots = await validate("phone_number", "13600136000", {"told_not_ours": True})
    assert messages == ["utter_not_our_customer"] and slots["verification_stopped"] is True


@pytest.mark.parametrize(
    ("slot", "slots"), [("phone_number", {}), ("service_password", {"phone_number": LI_NA})]
)
async def test_another_account_question_instead_of_an_answer_comes_after(
    slot: str, slots: dict[str, Any]
) -> None:
    asked = user("那我套餐是什么", "check_plan")
    asked["parse_data"]["intent_ranking"] = [{"name": "check_plan", "confidence": 0.9}]
    events = [asked, {"event": "slot", "name": slot, "value": asked["text"]}]
    state = tracker(events, {"requested_slot": slot, **slots}, active_loop="verify_form")
    dispatcher = CollectingDispatcher()
    result = await ValidateVerifyForm().run(dispatcher, state, DOMAIN)
    assert said(dispatcher.messages) == ["utter_after_verification"]
    filled = {e["name"]: e["value"] for e in result if e["event"] == "slot"}
    assert filled[slot] is None and filled["account_request"] == "action_check_plan"


async def test_the_password_is_checked_then_forgotten(service: RunningService) -> None:
    messages, slots = await validate("service_password", "369024", {"phone_number": LI_NA})
    assert slots == {
        "service_password": None,
        "verified": True,
        "verified_number": LI_NA,
        "requested_slot": None,
    }
    assert "369024" not in str(messages)


async def test_wrong_passwords_count_down_then_lock(service: RunningService) -> None:
    replies = [
        await validate("service_password", "000000", {"phone_number": WANG_FANG}) for _ in range(3)
    ]
    assert [messages for messages, _ in replies] == [["utter_wrong_password"]] * 2 + [
        ["utter_number_locked"]
    ]
    assert replies[-1][1]["verification_stopped"] is True
    assert all(slots["service_password"] is None for _, slots in replies)
    right_password = await validate("service_password", "147036", {"phone_number": WANG_FANG})
    assert right_password[0] == ["utter_number_locked"]


async def test_the_request_is_answered_after_verification() -> None:
    events = [user("我是什么套餐", "check_plan"), user("258013", "nlu_fallback")]
    slots = verified(ZHANG_WEI, account_request="action_check_plan")
    messages, _ = await run(ActionResumeAccountRequest(), tracker(events, slots))
    assert said(messages)[:2] == ["utter_verified", "utter_current_plan"]


# -- failures -------------------------------------------------------------------------------------


async def test_service_down_apologises_with_sms_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCOUNTS_URL", f"http://127.0.0.1:{free_port()}")
    messages, events = await run(
        ActionCheckBalance(), tracker([user("余额", "check_balance")], verified(ZHANG_WEI))
    )
    assert said(messages) == ["utter_account_service_down"] and events == []
    assert all(
        code in DOMAIN["responses"]["utter_account_service_down"][0]["text"]
        for code in ("YE", "CXLL", "CXTC")
    )


async def test_a_number_that_is_not_ours_is_told_so_in_full_once() -> None:
    # An SMS sender is verified as the number they text from, which may not be ours.
    stranger = verified("13600136000")
    first, events = await run(
        ActionCheckBalance(), tracker([user("余额和流量", "check_balance")], stranger)
    )
    assert said(first) == ["utter_not_our_customer"]  # once, not once per question
    assert events == [{"event": "slot", "timestamp": None, "name": "told_not_ours", "value": True}]
    again, events = await run(
        ActionCheckUsage(),
        tracker([user("CXLL", "check_usage")], {**stranger, "told_not_ours": True}),
    )
    assert said(again) == ["utter_not_our_customer_again"] and events == []


async def test_a_slow_service_is_not_called_down(
    silent_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACCOUNTS_URL", silent_server)
    messages, _ = await run(
        ActionCheckBalance(), tracker([user("余额", "check_balance")], verified(ZHANG_WEI))
    )
    assert said(messages) == ["utter_account_service_slow"]


def test_sms_customers_are_not_told_to_text_a_short_code() -> None:
    for response in ("utter_account_service_down", "utter_account_service_slow"):
        variants = {v.get("channel"): v["text"] for v in DOMAIN["responses"][response]}
        assert "YE" in variants[None] and "CXLL" in variants[None]
        assert "YE" not in variants["sms"] and "10086" in variants["sms"]


async def test_unverified_goes_to_verification_first() -> None:
    messages, events = await run(ActionCheckBalance(), tracker([user("余额", "check_balance")]))
    assert messages == []
    assert [(e["event"], e.get("name")) for e in events][-1] == ("followup", "verify_form")
