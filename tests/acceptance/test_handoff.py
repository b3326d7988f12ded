"""Complaints and the handoff to a human agent, through the real servers: the customer on the
REST channel, the agent on the agent desk's API."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DEMO_PASSWORDS, RunningAssistant, start_assistant, texts

pytestmark = pytest.mark.server

ZHANG_WEI = "13800138000"


@pytest.fixture(autouse=True)
def no_locks(assistant: RunningAssistant) -> None:
    assistant.unlock_demo_accounts()
    assistant.on_duty()


def waiting(assistant: RunningAssistant, sender: str) -> dict:
    handoffs = assistant.agent("GET", "/api/handoffs").json()["handoffs"]
    return next(handoff for handoff in handoffs if handoff["sender"] == sender)


def test_complaint_ticket_handoff_agent_reply_and_back_to_the_bot(
    assistant: RunningAssistant, sender: str
) -> None:
    said = texts(assistant.say(sender, "你们乱扣我话费，彩铃我根本没订过"))
    assert "抱歉" in said and "手机号码" in said  # heard, then verified: nothing asked twice
    assistant.say(sender, ZHANG_WEI)
    filed = texts(assistant.say(sender, DEMO_PASSWORDS[ZHANG_WEI]))
    assert "工单号TS" in filed and "48小时" in filed and "计费争议" in filed
    ticket = filed.split("工单号")[1][:14]
    assert "转接人工" in filed or "人工客服" in filed

    queued = texts(assistant.say(sender, "好的"))
    assert "排在第" in queued

    # The bot no longer answers; the message is kept for the agent.
    kept = texts(assistant.say(sender, "彩铃怎么收费"))
    assert "6元/月" not in kept

    handoff = waiting(assistant, sender)
    assert handoff["ticket"] == ticket and handoff["number"] == "138****8000"
    assert handoff["channel"] == "rest" and handoff["status"] == "queued"
    detail = assistant.agent("GET", f"/api/handoffs/{handoff['id']}").json()["handoff"]
    transcript = [message["text"] for message in detail["messages"]]
    assert "彩铃怎么收费" in transcript  # what was said while waiting
    assert DEMO_PASSWORDS[ZHANG_WEI] not in " ".join(transcript)
    assert ZHANG_WEI not in " ".join(transcript)
    # Why, who, and what the assistant would answer to the customer's latest question.
    assert detail["reason"] == {"kind": "complaint", "ticket": ticket}
    card = detail["customer"]
    assert (card["owner"], card["number"], card["plan"]["name"]) == (
        "张*",
        "138****8000",
        "全球通畅享58元套餐",
    )
    assert ticket in [open_ticket["id"] for open_ticket in card["open_tickets"]]
    assert detail["suggestions_for"]["text"] == "彩铃怎么收费"
    assert "6元/月" in detail["suggestions"][0]["text"]

    assert assistant.agent("POST", f"/api/handoffs/{handoff['id']}/claim", agent="小王").ok
    taken = assistant.agent("POST", f"/api/handoffs/{handoff['id']}/claim", agent="小李")
    assert taken.status_code == 409  # two agents cannot claim the same conversation
    reply = assistant.agent(
        "POST",
        f"/api/handoffs/{handoff['id']}/reply",
        agent="小王",
        text="您好，已为您核实彩铃订购记录",
    )
    assert reply.status_code == 201

    delivered = texts(assistant.say(sender, "在吗"))
    assert "已为您核实彩铃订购记录" in delivered

    assert assistant.agent("POST", f"/api/handoffs/{handoff['id']}/hand-back", agent="小王").ok
    back = texts(assistant.say(sender, "那流量超出怎么收费"))
    assert "智能助手" in back and "0.29元/MB" in back


def test_asking_for_a_human_at_any_time(assistant: RunningAssistant, sender: str) -> None:
    assistant.say(sender, "过户要带什么")
    assert "排在第" in texts(assistant.say(sender, "转人工"))
    assert "排在第" in texts(assistant.say(sender, "有人吗"))  # kept, not answered
    handoff = waiting(assistant, sender)
    assert handoff["reason"] == {"kind": "asked"}
    detail = assistant.agent("GET", f"/api/handoffs/{handoff['id']}").json()["handoff"]
    assert detail["customer"] is None  # not verified
    # "转人工" and "有人吗" ask nothing: the suggestions answer the question before them.
    assert detail["suggestions_for"]["text"] == "过户要带什么"
    assert "身份证" in detail["suggestions"][0]["text"]
    assert [m["text"] for m in handoff_messages(assistant, handoff["id"])][-1] == "有人吗"
    assert assistant.agent("POST", f"/api/handoffs/{handoff['id']}/claim", agent="小王").ok
    assert assistant.agent("POST", f"/api/handoffs/{handoff['id']}/close", agent="小王").ok
    after = texts(assistant.say(sender, "彩铃多少钱"))
    assert "6元" in after


def test_two_misunderstandings_in_a_row_offer_a_human_and_a_yes_hands_over(
    assistant: RunningAssistant, sender: str
) -> None:
    assistant.say(sender, "asdfgh")
    assert "转接人工客服吗" in texts(assistant.say(sender, "🙃🙃"))
    with pytest.raises(StopIteration):  # offered, not queued without asking
        waiting(assistant, sender)
    assert "排在第" in texts(assistant.say(sender, "好的"))
    handoff = waiting(assistant, sender)
    assert handoff["status"] == "queued"
    assert handoff["reason"] == {"kind": "misunderstood", "messages": ["asdfgh", "🙃🙃"]}


def test_with_no_agent_online_the_customer_is_answered_at_once(
    assistant: RunningAssistant, sender: str
) -> None:
    assistant.nobody_on_duty()
    said = texts(assistant.say(sender, "转人工"))
    assert "没有人工客服在线" in said and "10086" in said and "排在第" not in said
    with pytest.raises(StopIteration):  # no queue for nobody
        waiting(assistant, sender)
    assert "6元" in texts(assistant.say(sender, "彩铃多少钱"))  # the bot still answers


def test_with_no_agent_online_a_complaint_keeps_its_ticket_and_callback(
    assistant: RunningAssistant, sender: str
) -> None:
    assistant.nobody_on_duty()
    assistant.say(sender, "我要投诉，网速慢得要死")
    assistant.say(sender, ZHANG_WEI)
    filed = texts(assistant.say(sender, DEMO_PASSWORDS[ZHANG_WEI]))
    ticket = filed.split("工单号")[1][:14]
    answered = texts(assistant.say(sender, "好的"))
    assert f"工单{ticket}已受理" in answered and "48小时" in answered
    with pytest.raises(StopIteration):
        waiting(assistant, sender)


def test_complaint_status_lists_the_tickets(assistant: RunningAssistant, sender: str) -> None:
    assistant.say(sender, "我要投诉，网速慢得要死")
    assistant.say(sender, ZHANG_WEI)
    assert "工单号" in texts(assistant.say(sender, DEMO_PASSWORDS[ZHANG_WEI]))
    assistant.say(sender, "不用了")
    status = texts(assistant.say(sender, "我的投诉处理得怎么样了"))
    assert "网络信号" in status and "待处理" in status


def test_the_agent_api_needs_the_agent_token(assistant: RunningAssistant) -> None:
    assistant_token, assistant.agent_token = assistant.agent_token, "not-the-token"
    try:
        assert assistant.agent("GET", "/api/handoffs").status_code == 401
    finally:
        assistant.agent_token = assistant_token


def handoff_messages(assistant: RunningAssistant, handoff_id: int) -> list[dict]:
    return assistant.agent("GET", f"/api/handoffs/{handoff_id}").json()["handoff"]["messages"]


def test_a_queued_conversation_survives_a_restart(tmp_path: Path, sender: str) -> None:
    """Everything is stored: after `make run` is stopped and started again, the conversation is
    still with the humans and nothing the customer sent is lost."""
    first = start_assistant(tmp_path / "first.log")
    try:
        first.on_duty()
        assert "排在第" in texts(first.say(sender, "转人工"))
        first.say(sender, "我的宽带也坏了")
    finally:
        assert first.stop() == 0
    second = start_assistant(tmp_path / "second.log")
    try:
        kept = texts(second.say(sender, "还要等多久"))
        assert "排在第" in kept
        handoff = waiting(second, sender)
        texts_kept = [message["text"] for message in handoff_messages(second, handoff["id"])]
        assert texts_kept[-2:] == ["我的宽带也坏了", "还要等多久"]
    finally:
        second.stop()
