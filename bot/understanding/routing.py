"""Which questions reach the understanding, whatever intent the classifier gave them.

The NLU component bot.nlu.need_router.NeedRouter asks this for every message: a question about
the catalogue ("88的比58的多给几分钟通话") that the classifier took for a change of plan, a topic
named with nothing asked ("过户这事我不懂 你说说") taken for a personal request, or a subject we
do not cover taken for anything, is sent to `action_answer` (intent faq or out_of_scope)
instead of starting a verification.
"""

from __future__ import annotations

import re

from bot.understanding.frame import plain, read_message
from bot.understanding.plans import answer_about_plans
from bot.understanding.resolve import GENERAL_ASPECTS, only_names_a_topic
from bot.understanding.words import personal_requests_in, vocabulary

# Intents a question may have been mistaken for; confirmations and small talk are left alone.
ROUTABLE = frozenset(
    {
        "faq",
        "out_of_scope",
        "nlu_fallback",
        "check_balance",
        "check_usage",
        "check_bill",
        "check_plan",
        "check_services",
        "change_plan",
        "transfer_check",
        "complain",
    }
)
# About the customer's own line, not the catalogue: "我的58套餐还剩多少分钟".
_PERSONAL = re.compile(r"还剩|剩余|剩多少|剩下多少|用了多少|已用|用掉|我的余额|欠多少|我欠")
_COMPLAINT = re.compile(r"投诉|乱扣|乱收|坑人|骗|举报|差劲|垃圾|太差")
# Asking to look at one's own line: left to the account flow.
_FIRST_PERSON_QUERY = re.compile(
    r"查|帮我|给我看|我的|我这个月|我现在|还有多少|剩多少|多少钱了|还剩"
)


def _ignore(response: str, /, **values: object) -> str:
    return ""


def _asks_the_catalogue(text: str) -> bool:
    if _PERSONAL.search(text):
        return False
    whole = answer_about_plans(text, _ignore)
    if whole is not None:
        return True  # own usage too: action_answer verifies, then recommends
    return any(
        answer_about_plans(part.text, _ignore, whole=False) is not None
        for part in read_message(text)
    )


def _asks_general_aspect(text: str) -> bool:
    """Asks what no account answers (材料, 结转, 在哪办, 提醒…), and not about "my" line."""
    if _FIRST_PERSON_QUERY.search(text):
        return False
    return any(set(part.aspects) & GENERAL_ASPECTS for part in read_message(text))


def routed_intent(text: str, intent: str | None) -> str | None:
    """The intent this message should have, or None to keep the classifier's."""
    if intent not in ROUTABLE:
        return None
    message = plain(text)
    if vocabulary().near_domain.search(message):
        return None if _COMPLAINT.search(message) else "out_of_scope"
    asked = {aspect for part in read_message(message) for aspect in part.aspects}
    situation = any(
        situation.when.search(message) and not asked & situation.unless
        for situation in vocabulary().situations
    )
    if intent == "complain":
        if _COMPLAINT.search(message):
            return None
        return "faq" if situation or only_names_a_topic(message) else None
    if intent in ("faq", "out_of_scope", "nlu_fallback"):
        return None
    if situation or _asks_the_catalogue(message) or _asks_general_aspect(message):
        return "faq"
    if only_names_a_topic(message) and not personal_requests_in(message):
        return "faq"
    return None
