"""The understanding (bot/understanding) without Rasa: what it decides for a message in a
conversation, with the NLU's ranking given as the test says."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.catalogue import catalogue
from bot.understanding.context import Context
from bot.understanding.frame import plain, read_message
from bot.understanding.plans import Needs, ranked
from bot.understanding.replies import Reply
from bot.understanding.resolve import Decision, Understood, decide

ROOT = Path(__file__).resolve().parents[2]


def _responses() -> dict[str, str]:
    responses: dict[str, str] = {}
    for path in [ROOT / "domain.yml", *sorted((ROOT / "data" / "nlu").glob("faq_*.yml"))]:
        for name, variants in (
            yaml.safe_load(path.read_text(encoding="utf-8"))["responses"]
        ).items():
            responses[name] = variants[0]["text"]
    return responses


RESPONSES = _responses()


def texts(response: str, /, **values: object) -> str:
    return RESPONSES[response].format(**values)


def said(reply: Reply) -> str:
    return texts(reply.response, **reply.values) if reply.values else RESPONSES[reply.response]


class Conversation:
    """A customer talking; the NLU says `intent` with no FAQ ranking unless given."""

    def __init__(self, verified: bool = False) -> None:
        self.context = Context()
        self.verified = verified

    def say(self, text: str, intent: str = "faq", ranking: tuple = ()) -> Decision:
        decision = decide(
            text, Understood(text, intent, ranking), self.context, self.verified, texts
        )
        self.context = decision.context
        return decision

    def answer(self, text: str, **kwargs: object) -> str:
        return "\n".join(said(reply) for reply in self.say(text, **kwargs).replies)


def test_a_follow_up_is_read_against_the_topic_before() -> None:
    chat = Conversation()
    assert "6元/月" in chat.answer("彩铃怎么收费")
    assert "QXCL" in chat.answer("那不想要了咋弄", intent="deny")
    assert "12530" in chat.answer("歌能自己选吗")


def test_a_follow_up_names_the_plan_and_keeps_the_question() -> None:
    chat = Conversation()
    assert "300分钟" in chat.answer("58的套餐包多少分钟通话")
    reply = chat.answer("那88的呢")
    assert "500分钟" in reply and "300分钟" not in reply


def test_a_new_topic_lets_go_of_the_old_one() -> None:
    chat = Conversation()
    chat.answer("过户要什么材料")
    assert "0.29元/MB" in chat.answer("流量超了怎么收费")
    assert "单位过户" not in chat.answer("只去我自己可以吗")


def test_the_cheapest_plan_for_stated_minutes_is_computed_from_the_catalogue() -> None:
    cat = catalogue()
    costs = ranked(cat, Needs(minutes=600, data_mb=0))
    assert [(plan.code, cost) for cost, plan in costs][:2] == [
        ("changxiang88", 8800 + 100 * cat.voice_fen_per_minute),
        ("shenzhouxing_changting", 800 + 550 * cat.voice_fen_per_minute),
    ]
    reply = Conversation().answer("每月要打600分钟电话，哪个套餐最省")
    assert "最省钱的是全球通畅享88元套餐，每月107元" in reply
    assert "神州行畅听卡：112.50元" in reply  # the next cheapest is shown, not hidden


def test_the_cost_of_a_usage_pattern_on_one_plan() -> None:
    reply = Conversation().answer("58的套餐打400分钟一个月多少钱")
    assert "合计77元/月" in reply


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("哪个套餐流量给得最多", "流量最多的是全球通畅享128元套餐"),
        ("全球通里月费最少的", "全球通中月费最低的是全球通畅享58元套餐"),
        ("哪些套餐含彩铃", "全球通畅享88元、全球通畅享128元套餐和动感地带青春卡已包含彩铃功能"),
    ],
)
def test_extremes_and_inclusions(text: str, expected: str) -> None:
    assert expected in Conversation().answer(text)


def test_two_questions_in_one_message_get_two_answers() -> None:
    replies = Conversation().say("日包多少钱，能结转吗").replies
    assert [reply.response for reply in replies] == [
        "utter_faq/data_packs",
        "utter_faq/data_rollover",
    ]
    joined = Conversation().say("彩铃和来电显示各收多少钱").replies
    assert [reply.response for reply in joined] == ["utter_faq/cailing_fee", "utter_faq/caller_id"]


def test_questions_are_split_where_a_customer_would_pause() -> None:
    parts = read_message(plain("过户带啥材料 在哪办"))
    assert [part.aspects for part in parts] == [("docs",), ("where",)]


def test_a_near_domain_question_is_declined_and_is_no_miss() -> None:
    chat = Conversation()
    chat.say("asdfgh", intent="nlu_fallback")
    decision = chat.say("你们家宽带多少钱一年", intent="out_of_scope")
    assert [reply.response for reply in decision.replies] == ["utter_near_domain"]
    assert decision.offer is None and chat.context.misses == 0


def test_the_second_miss_in_a_row_offers_a_human_without_queueing() -> None:
    chat = Conversation()
    first = chat.say(
        "那个那个嗯", intent="nlu_fallback", ranking=(("cailing_fee", 0.3), ("gprs_rate", 0.2))
    )
    assert first.offer is None
    assert [title for title, _ in first.replies[0].buttons] == ["彩铃怎么收费", "流量超出怎么收费"]
    second = chat.say("qwerty", intent="nlu_fallback")
    assert second.offer == {"kind": "handoff"} and second.account_action is None


def test_a_vague_message_gets_the_topics_questions() -> None:
    decision = Conversation().say("问下彩铃的事")
    [reply] = decision.replies
    assert reply.response == "utter_clarify_topic" and len(reply.buttons) == 3
    assert all("彩铃" in title for title, _ in reply.buttons)


def test_a_situation_is_looked_up_for_a_verified_customer_and_explained_to_others() -> None:
    verified = Conversation(verified=True).say("我手机突然打不出电话了怎么回事")
    assert verified.account_action == "action_check_balance" and not verified.replies
    other = Conversation().say("我手机突然打不出电话了怎么回事")
    assert other.account_action == "action_check_balance"  # after verification
    assert "30分钟" in "\n".join(said(reply) for reply in other.replies)


def test_a_recommendation_from_own_usage_needs_the_account() -> None:
    decision = Conversation().say("按我现在的用量，有没有更划算的套餐")
    assert decision.account_action == "action_recommend_plan"


def test_a_personal_follow_up_repeats_the_account_request() -> None:
    chat = Conversation(verified=True)
    chat.context = Context(topic="my_bill", month="2026-11")
    assert chat.say("前一个月的呢", intent="nlu_fallback").account_action == "action_check_bill"


def test_what_is_asked_without_what_about_offers_the_subjects_that_have_it() -> None:
    [reply] = Conversation().say("怎么取消").replies
    assert reply.response == "utter_clarify"
    assert {title for title, _ in reply.buttons} == {"怎么退订彩铃", "怎么关闭上网功能"}
    after_cailing = Conversation()
    after_cailing.say("彩铃怎么收费")
    [answer] = after_cailing.say("怎么取消").replies
    assert answer.response == "utter_faq/cailing_unsubscribe"


def test_a_bare_topic_in_a_later_question_keeps_what_was_asked() -> None:
    replies = Conversation().say("来电显示收费吗？彩铃呢？").replies
    assert [reply.response for reply in replies] == ["utter_faq/caller_id", "utter_faq/cailing_fee"]


def test_talk_per_day_is_counted_for_the_month() -> None:
    reply = Conversation().answer("我一天差不多打一个小时电话，用哪个套餐最省")
    assert "全球通畅享128元套餐" in reply and "1800分钟" in reply


def test_two_plans_compared_are_no_situation() -> None:
    decision = Conversation().say("58和88的套餐差多少钱")
    assert decision.account_action is None
    assert "30" in "\n".join(said(reply) for reply in decision.replies)


def test_a_service_added_to_a_plan_and_data_beyond_it_are_costed() -> None:
    cat = catalogue()
    with_cailing = Conversation().answer("58的套餐再加个彩铃，每月一共多少")
    assert f"合计{(5800 + cat.cailing_fee_fen) // 100}元/月" in with_cailing
    beyond = Conversation().answer("青春卡5个G用完了，又用了200MB，没订流量包，这个月一共多少")
    assert f"合计{(1800 + 200 * cat.data_fen_per_mb) // 100}元/月" in beyond


def test_the_nlu_clearly_preferring_one_subject_is_answered() -> None:
    decision = Conversation().say(
        "过互在哪办", intent="out_of_scope", ranking=(("transfer_where", 0.3),)
    )
    assert [reply.response for reply in decision.replies] == ["utter_faq/transfer_where"]


def test_a_look_up_as_a_follow_up_is_read_against_the_conversation() -> None:
    after_codes = Conversation()
    after_codes.say("短信查话费发啥", ranking=(("sms_codes", 0.95),))
    [reply] = after_codes.say("查流量呢").replies
    assert reply.response == "utter_faq/sms_codes"
    assert Conversation().say("查流量呢").account_action == "action_check_usage"
