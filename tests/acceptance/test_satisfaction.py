"""The rating question at the natural end of a conversation, through the real servers: on
REST (buttons, typed words), by SMS (回复1/2/3) and on the web chat after an agent closes."""

from __future__ import annotations

import time

import pytest

from bot.report.conversations import load_conversations
from bot.report.outcomes import csat
from tests.acceptance.test_sms import ask, new_number
from tests.acceptance.test_webchat_channel import Page, origin, socket_url
from tests.conftest import DEMO_PASSWORDS, RunningAssistant, texts

pytestmark = pytest.mark.server

ZHANG_WEI = "13800138000"
ASKED = "请您对本次服务评价"


def buttons(messages: list[dict]) -> list[str]:
    return [button["title"] for message in messages for button in message.get("buttons") or []]


def rating_of(assistant: RunningAssistant, sender: str) -> dict:
    """The report's CSAT figures for this one conversation, from the tracker store."""
    talked = load_conversations(assistant.tracker_url, time.time() - 3600, time.time() + 60)
    return csat([conversation for conversation in talked if conversation.sender == sender])


def test_goodbye_after_a_question_asks_once_and_a_typed_word_rates(
    assistant: RunningAssistant, sender: str
) -> None:
    assert "6元/月" in texts(assistant.say(sender, "彩铃怎么收费"))
    goodbye = assistant.say(sender, "那就这样，再见")
    assert ASKED in texts(goodbye) and buttons(goodbye) == ["满意", "一般", "不满意"]
    assert "感谢您的好评" in texts(assistant.say(sender, "很满意！"))
    assert ASKED not in texts(assistant.say(sender, "再见"))  # never twice
    figures = rating_of(assistant, sender)
    assert (figures["asked"], figures["answered"], figures["satisfied"]) == (1, 1, 1)


def test_a_greeting_and_goodbye_alone_are_not_asked(
    assistant: RunningAssistant, sender: str
) -> None:
    assistant.say(sender, "你好")
    assert ASKED not in texts(assistant.say(sender, "再见"))


def test_the_question_is_easy_to_ignore(assistant: RunningAssistant, sender: str) -> None:
    assistant.say(sender, "流量超出怎么收费")
    assert ASKED in texts(assistant.say(sender, "再见"))
    assert "6元/月" in texts(assistant.say(sender, "彩铃怎么收费"))  # answered as usual
    # Once something else was said, "不满意" is a complaint again, not a rating.
    said = texts(assistant.say(sender, "不满意，你们乱扣费"))
    assert "抱歉" in said and "感谢您的评价" not in said
    assert rating_of(assistant, sender)["answered"] == 0


def test_unsatisfied_offers_a_human_handed_over_as_unsatisfied(
    assistant: RunningAssistant, sender: str
) -> None:
    assistant.on_duty()
    assistant.say(sender, "过户要带什么材料")
    assistant.say(sender, "再见")
    sorry = assistant.say(sender, "不满意")
    assert "很抱歉没能让您满意" in texts(sorry)
    assert buttons(sorry) == ["转人工客服", "登记回访", "不用了"]
    assert "排在第" in texts(assistant.say(sender, "转人工"))
    handoffs = assistant.agent("GET", "/api/handoffs").json()["handoffs"]
    handoff = next(h for h in handoffs if h["sender"] == sender)
    detail = assistant.agent("GET", f"/api/handoffs/{handoff['id']}").json()["handoff"]
    assert detail["reason"] == {"kind": "unsatisfied", "rating": None}
    assert rating_of(assistant, sender)["unsatisfied"] == 1


def test_unsatisfied_then_a_callback_ticket_after_verification(
    assistant: RunningAssistant, sender: str
) -> None:
    assistant.unlock_demo_accounts()
    assistant.say(sender, "彩铃怎么退订")
    assistant.say(sender, "再见")
    assistant.say(sender, '/rate_service{"rating": "unsatisfied"}')  # the button
    assert "手机号码" in texts(assistant.say(sender, "登记回访"))
    assistant.say(sender, ZHANG_WEI)
    filed = texts(assistant.say(sender, DEMO_PASSWORDS[ZHANG_WEI]))
    assert "回访工单TS" in filed and "48小时" in filed


def test_by_sms_the_rating_is_a_numbered_reply(assistant: RunningAssistant) -> None:
    number = new_number()
    ask(assistant, number, "彩铃怎么收费", "6元/月")
    asked = ask(assistant, number, "再见", "回复3")
    assert ASKED in asked and "回复1 满意" in asked and "回复3 不满意" in asked
    sorry = ask(assistant, number, "3", "很抱歉")
    assert "回复1 转人工客服" in sorry and "回复2 登记回访" in sorry
    assert "再次抱歉" in ask(assistant, number, "3", "再次抱歉")  # neither: not asked again
    assert rating_of(assistant, f"sms:{number}")["unsatisfied"] == 1


async def test_after_an_agent_closes_the_web_chat_asks_for_a_rating(
    assistant: RunningAssistant,
) -> None:
    page = await Page.open(socket_url(assistant), origin(assistant))
    try:
        session_id = await page.start()
        assistant.on_duty()
        await page.say("转人工")
        await page.hear("排在第")
        queue = assistant.agent("GET", "/api/handoffs").json()["handoffs"]
        handoff = next(h for h in queue if h["sender"] == session_id)
        assert assistant.agent("POST", f"/api/handoffs/{handoff['id']}/claim", agent="小王").ok
        assert assistant.agent("POST", f"/api/handoffs/{handoff['id']}/close", agent="小王").ok
        await page.hear(ASKED)  # pushed, without the customer writing again
        await page.say("一般般吧")
        assert "感谢您的评价" in await page.hear("感谢您的评价")
    finally:
        await page.close()
    figures = rating_of(assistant, session_id)
    assert (figures["asked"], figures["neutral"]) == (1, 1)
