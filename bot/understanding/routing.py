"""Which questions reach the understanding, whatever intent the classifier gave them.

The NLU component bot.nlu.need_router.NeedRouter asks this for every message that the
classifier took for a request about the customer's own line. A question about the catalogue
("88的比58的多给几分钟通话" is no change of plan), a general question ("过户打10086能办不"), a
topic named with nothing asked ("过户这事我不懂 你说说") or a subject we do not cover is sent to
`action_answer` (intent faq or out_of_scope) instead of starting a verification. A message
that speaks of "my" line keeps its intent, unless it gives the figures to compute with.
"""

from __future__ import annotations

import re

from bot.understanding.frame import plain, read_message
from bot.understanding.plans import PlanAnswer, answer_about_plans, read_plan_question
from bot.understanding.resolve import (
    FIRST_PERSON,
    GENERAL_ASPECTS,
    LOOKUP_FOLLOW_UP,
    only_names_a_topic,
)
from bot.understanding.words import personal_requests_in, vocabulary

# Intents a question may have been mistaken for (complaints: see below); confirmations and
# small talk are left alone.
ROUTABLE = frozenset(
    {
        "check_balance",
        "check_usage",
        "check_bill",
        "check_plan",
        "check_services",
        "change_plan",
        "transfer_check",
    }
)
# About the customer's own line (resolve.FIRST_PERSON): "我是什么套餐", "帮我查下", "这号能过户吗"
# keep their intent; "我想问问过户相关" is about asking, not about the line.
_ASKING = re.compile(r"我想问问?|我问一?下|我想了解|我想咨询|我不懂|我不太懂|我也说不清")
# What is asked has the same answer for anyone's line, also said with "我" ("我让朋友去办行吗"):
# not whether my line meets the conditions, what my plan is or when my change takes effect.
RULES_FOR_ANYONE = GENERAL_ASPECTS - {"conditions", "what", "effective"}
# A complaint names what went wrong; a question about a subject we do not cover does not.
_GRIEVANCE = re.compile(
    r"投诉|乱扣|乱收|扣了|退钱|退给|拖|卡在|不让|凭什么|凭啥|坑|骗|烦|差|说法|解释"
)


def _ignore(response: str, /, **values: object) -> str:
    return ""


def _asks_the_catalogue(text: str, whole: PlanAnswer | None) -> bool:
    """`whole`: the plan answer to the whole message, computed once by the caller."""
    if whole is not None:
        return not whole.own_usage
    return any(
        answer_about_plans(part.text, _ignore, whole=False) is not None
        for part in read_message(text)
    )


def _asks_general_aspect(text: str, aspects: frozenset[str] = GENERAL_ASPECTS) -> bool:
    """Asks what no account answers (材料, 结转, 在哪办, 提醒…)."""
    return any(set(part.aspects) & aspects for part in read_message(text))


def routed_intent(text: str, intent: str | None) -> str | None:
    """The intent this message should have, or None to keep the classifier's."""
    message = plain(text)
    if intent == "complain":  # "携号转网要花多少钱", "彩铃我也说不清 你给说说"
        if _GRIEVANCE.search(message):
            return None
        if vocabulary().near_domain.search(message):
            return "out_of_scope"
        return "faq" if only_names_a_topic(message) else None
    if intent not in ROUTABLE:
        return None
    whole = answer_about_plans(message, _ignore)
    if whole is not None and not whole.own_usage and read_plan_question(message).needs.has_usage:
        return "faq"  # figures to compute with ("我58的套餐这个月打了350分钟 要交多少")
    if vocabulary().near_domain.search(message):
        return "out_of_scope"  # "给我老婆办张副卡": not ours to look up either
    if LOOKUP_FOLLOW_UP.fullmatch(message):
        return "faq"  # "查流量呢": after the SMS codes it asks for the code (resolve.py)
    if _asks_general_aspect(message, RULES_FOR_ANYONE) and not personal_requests_in(message):
        return "faq"  # "那我让朋友拿着我身份证去呢": a rule, whoever's line it is
    if FIRST_PERSON.search(_ASKING.sub("", message)) or personal_requests_in(message):
        return None
    if _asks_the_catalogue(message, whole) or _asks_general_aspect(message):
        return "faq"
    return "faq" if only_names_a_topic(message) else None
