"""Customers texting the service number: the mock SMS gateway plays the customer and the
operator's network, the real Rasa server answers through the SMS bridge."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator

import pytest
import requests

from bot.channels.sms.segments import SINGLE_LIMIT, units
from bot.channels.sms.signature import signed_headers
from tests.conftest import RunningAssistant, free_port, running_assistant, texts

pytestmark = pytest.mark.server

ZHANG_WEI = "13800138000"  # demo customer: 56.80元, 畅享58, 6.2 of 10 GB used, 彩铃
LI_NA = "13900139000"
REPLY_TIMEOUT_S = 30

Replies = list[dict]


def new_number() -> str:
    """A number no other test texts from, so each conversation starts afresh."""
    return f"15{random.randrange(10**8, 10**9)}"


def last_id(assistant: RunningAssistant, number: str) -> int:
    response = requests.get(
        f"{assistant.sms_gateway_url}/api/messages", params={"to": number}, timeout=10
    )
    response.raise_for_status()
    return max((message["id"] for message in response.json()["messages"]), default=0)


def replies_until(
    assistant: RunningAssistant, number: str, after: int, done: Callable[[Replies], bool]
) -> Replies:
    """What the gateway sent to the number after `after`, once `done` says it is complete."""
    got: Replies = []
    deadline = time.monotonic() + REPLY_TIMEOUT_S
    while not done(got) and time.monotonic() < deadline:
        newest = got[-1]["id"] if got else after
        response = requests.get(
            f"{assistant.sms_gateway_url}/api/messages",
            params={"to": number, "after": newest, "wait": 5},
            timeout=15,
        )
        response.raise_for_status()
        got += response.json()["messages"]
    assert done(got), f"no complete reply to {number[:3]}…: {[m['text'] for m in got]}"
    return got


def text(assistant: RunningAssistant, number: str, message: str, **fields: str) -> dict:
    """The customer texts the service number; the gateway's answer (bridge status)."""
    response = requests.post(
        f"{assistant.sms_gateway_url}/control/inbound",
        json={"from": number, "text": message, **fields},
        timeout=15,
    )
    response.raise_for_status()
    return response.json()


def ask(assistant: RunningAssistant, number: str, message: str, expect: str) -> str:
    """Texts and waits for a reply containing `expect`; the whole reply text."""
    after = last_id(assistant, number)
    assert text(assistant, number, message)["status"] == 200
    got = replies_until(
        assistant, number, after, lambda sent: expect in "".join(m["text"] for m in sent)
    )
    assert all(units(m["text"]) <= SINGLE_LIMIT for m in got)
    assert all(m["from"] == "10086" for m in got)
    return "".join(m["text"] for m in got)


def test_a_question_by_sms_is_answered(assistant: RunningAssistant) -> None:
    answer = ask(assistant, new_number(), "彩铃怎么收费", "6元/月")
    assert "密码" not in answer


def test_an_sms_customer_is_verified_by_their_number(assistant: RunningAssistant) -> None:
    assistant.unlock_demo_accounts()
    answer = ask(assistant, ZHANG_WEI, "我话费还剩多少", "56.80元")
    assert "服务密码" not in answer and "验证" not in answer and ZHANG_WEI not in answer
    assert "138****8000" in answer


@pytest.mark.parametrize(
    ("code", "expect"),
    [("YE", "56.80元"), ("cxll", "剩余3.8GB"), ("CXTC", "畅享58元套餐"), ("0000", "彩铃")],
)
def test_short_codes_answer_from_the_account(
    assistant: RunningAssistant, code: str, expect: str
) -> None:
    assert "密码" not in ask(assistant, ZHANG_WEI, code, expect)


def test_a_number_that_is_not_ours_is_told_so_and_still_gets_the_faq(
    assistant: RunningAssistant,
) -> None:
    stranger = new_number()  # texts the service number, but is no customer of ours
    first = ask(assistant, stranger, "帮我看看账户余额", "所属运营商")  # its last words
    assert "不是本网用户" in first and "暂时无法查询" not in first
    again = ask(assistant, stranger, "YE", "不是本网用户")
    assert "所属运营商" not in again  # said in full once
    assert "YE 查" not in again and "暂时无法查询" not in again
    assert "6元/月" in ask(assistant, stranger, "彩铃怎么收费", "6元/月")


@pytest.fixture(scope="module")
def assistant_without_accounts(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningAssistant]:
    """The assistant while the account service is stopped."""
    log = tmp_path_factory.mktemp("no-accounts") / "run.log"
    with running_assistant(log, accounts_url=f"http://127.0.0.1:{free_port()}") as running:
        yield running


def test_while_the_account_service_is_down_sms_customers_are_not_sent_in_a_circle(
    assistant_without_accounts: RunningAssistant, sender: str
) -> None:
    bot = assistant_without_accounts
    reply = ask(bot, ZHANG_WEI, "YE", "稍后再试")
    assert "10086" in reply and "YE" not in reply and "CXLL" not in reply
    # On the web and REST the SMS codes are still the way round it.
    bot.say(sender, "查余额")
    web = texts(bot.say(sender, ZHANG_WEI))
    assert "暂时无法查询" in web and "YE" in web and "CXLL" in web


def test_buttons_become_numbered_options_and_a_number_picks_one(
    assistant: RunningAssistant,
) -> None:
    number = new_number()
    greeting = ask(assistant, number, "你好", "回复4 过户要什么材料")
    assert "回复1 在售套餐" in greeting and "回复3 彩铃资费" in greeting
    assert "6元" in ask(assistant, number, "3", "元")


def test_an_unsigned_forged_or_stale_message_is_refused_and_never_answered(
    assistant: RunningAssistant,
) -> None:
    number = new_number()
    url = f"http://localhost:{assistant.rasa_port}/webhooks/sms/webhook"
    body = json.dumps(
        {"msg_id": f"m-{number}", "from": number, "to": "10086", "text": "你好", "timestamp": 0}
    ).encode()
    secret = assistant.sms_webhook_secret
    refused = [
        requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=10),
        requests.post(url, data=body, headers=signed_headers("guessed", body), timeout=10),
        requests.post(  # a captured request played again ten minutes later
            url, data=body, headers=signed_headers(secret, body, now=time.time() - 600), timeout=10
        ),
    ]
    assert [response.status_code for response in refused] == [401, 401, 401]
    assert all(response.json()["error"] == "invalid_signature" for response in refused)
    after = last_id(assistant, number)
    ask(assistant, number, "彩铃怎么收费", "6元/月")
    got = replies_until(assistant, number, after, lambda sent: bool(sent))
    assert not any("您好！" in message["text"] for message in got)  # "你好" was never answered
    # The same body, freshly signed with the gateway's secret, is taken.
    accepted = requests.post(url, data=body, headers=signed_headers(secret, body), timeout=10)
    assert accepted.status_code == 200 and accepted.json() == {"code": 0}


def test_a_message_sent_twice_is_answered_once(assistant: RunningAssistant) -> None:
    number = new_number()
    after = last_id(assistant, number)
    first = text(assistant, number, "彩铃怎么收费", msg_id=f"dup-{number}")
    again = text(assistant, number, "彩铃怎么收费", msg_id=f"dup-{number}")
    assert first["status"] == again["status"] == 200
    assert again["body"] == {"code": 0, "duplicate": True}
    ask(assistant, number, "过户要带什么材料", "身份证")
    got = replies_until(assistant, number, after, lambda sent: len(sent) >= 2)
    assert sum("6元/月" in m["text"] for m in got) == 1


def test_opting_out_stops_every_message_until_the_customer_rejoins(
    assistant: RunningAssistant,
) -> None:
    number = new_number()
    after = last_id(assistant, number)
    assert "不再向您发送" in ask(assistant, number, "TD", "回复KT")
    text(assistant, number, "彩铃怎么收费")
    rejoined = ask(assistant, number, "KT", "已恢复")
    assert "6元/月" not in rejoined
    got = replies_until(assistant, number, after, lambda sent: len(sent) >= 2)
    assert [m["text"] for m in got][:1] == [m["text"] for m in got if "不再向您发送" in m["text"]]
    assert not any("6元/月" in m["text"] for m in got)
    assert "6元/月" in ask(assistant, number, "彩铃怎么收费", "6元/月")


def test_a_human_agents_words_reach_the_phone_without_waiting(
    assistant: RunningAssistant,
) -> None:
    number = new_number()
    assistant.on_duty()
    assert "排在第" in ask(assistant, number, "转人工", "排在第")
    queue = assistant.agent("GET", "/api/handoffs").json()["handoffs"]
    handoff = next(h for h in queue if h["sender"] == f"sms:{number}")
    assert handoff["channel"] == "sms"
    assert assistant.agent("POST", f"/api/handoffs/{handoff['id']}/claim", agent="小王").ok
    after = last_id(assistant, number)
    assistant.agent("POST", f"/api/handoffs/{handoff['id']}/reply", agent="小王", text="您好，请讲")
    got = replies_until(assistant, number, after, lambda sent: bool(sent))
    assert "您好，请讲" in got[0]["text"]
