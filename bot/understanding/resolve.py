"""The decision for one customer message: answers, a clarification, or an offer.

Order of reading: a subject we do not cover (near-domain) → a situation on the customer's own
line → a question that needs the plans computed → FAQ answers, one per question in the
message. An FAQ answer is chosen by scoring every answer of data/understanding/questions.yml:
the NLU's own ranking (ResponseSelector) plus what the message names — its topic, the aspect
asked, a plan — and, for a follow-up that names no topic, the topic of the conversation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from bot.catalogue import catalogue, yuan
from bot.nlu.text import has_chinese, without_punctuation
from bot.understanding.context import Context
from bot.understanding.frame import Part, plain, read_message
from bot.understanding.plans import (
    PlanAnswer,
    answer_about_plans,
    plan_words,
    rate_text,
    read_plan_question,
)
from bot.understanding.replies import Reply, Texts
from bot.understanding.reviewed import reviewed_answer
from bot.understanding.words import Question, personal_requests_in, vocabulary

MAX_ANSWERS = 3
FAQ_INTENT = "faq"
OUT_OF_SCOPE = "out_of_scope"
# Said like this, a message leans on what came before: "那88的呢", "月包呢", "那不想要了咋弄".
_ELLIPTICAL = re.compile(r"^(那|那么|那要是|要是|如果|换成|还有|也)|呢[?？]?$")
_SHORT = re.compile(r"^.{1,6}$")
# Topics that are also what a plan has, so that a short question of them follows the plan.
_PLAN_PARTS = frozenset({"plan", "data", "voice"})


def is_elliptical(text: str, parts: list[Part]) -> bool:
    """Leans on the conversation: "那青春卡呢", "月包呢", or short without a subject or without
    a question ("能结转吗", "退订"), or asking what a plan has ("流量多少" after 58) — not a
    whole short question about a service ("彩铃怎么收费" after 88 is still 彩铃's fee)."""
    if _ELLIPTICAL.search(text):
        return True
    whole = any(part.aspects and set(part.topics) - _PLAN_PARTS for part in parts if part.topics)
    return bool(_SHORT.search(text)) and not whole


# A topic named with nothing asked: "问下彩铃的事", "流量那个事", "套餐咋回事".
VAGUE = re.compile(
    r"关于|的事|事情|这事|那事|事儿|那块|这块|相关|咋回事|怎么回事|问题|问下|问一下|问问|咨询|了解下|说说|讲讲"
    r"|说不清|不懂|啥事|那啥|那个事|那个$|^就是那个"
)
# What may follow a bare topic and still ask nothing: "彩铃吗？", "流量呢".
_PARTICLES = "吗呢啊呀吧的哈嘛么"


def only_names_a_topic(text: str) -> bool:
    """A topic named with nothing asked: "问下彩铃的事", "流量那个事", or just "彩铃？"."""
    parts = read_message(text)
    topics = {topic for part in parts for topic in part.topics}
    if len(topics) != 1 or any(part.aspects for part in parts):
        return False
    if VAGUE.search(text):
        return True
    bare = vocabulary().topics[next(iter(topics))].sub("", text)
    return not without_punctuation(bare, _PARTICLES)


# Aspects that only a general answer has, whatever the customer's own line.
GENERAL_ASPECTS = frozenset(
    {
        "what", "docs", "where", "online", "proxy", "conditions", "after", "company",
        "rollover", "alert", "reconnect", "recharge", "song", "song_fee", "packs",
        "disable", "effective", "validity", "refund",
    }
)  # fmt: skip
SITUATION_TOPICS = {
    "arrears": "my_balance",
    "stopped": "my_balance",
    "usage_check": "my_usage",
    "unwanted_service": "my_services",
    "contract_end": "my_plan",
    "bill_high": "my_bill",
}
# After an answer from the account, the FAQ topic a follow-up is about ("那去哪办" → 过户).
FAQ_TOPIC_OF = {
    "my_transfer": "transfer",
    "my_balance": "balance",
    "my_bill": "balance",
    "my_plan": "plan",
    "my_usage": "data",
    "my_services": "cailing",
}
# The topic a plan answer leaves the conversation in: "用超了以后呢" after 58's data is data's.
PLAN_ATTRIBUTE_TOPICS = {"data": "data", "minutes": "voice"}
TOPIC_NAMES = {
    "cailing": "彩铃",
    "caller_id": "来电显示",
    "data": "流量",
    "voice": "通话",
    "plan": "套餐",
    "brand": "品牌",
    "transfer": "号码过户",
    "balance": "话费和停复机",
    "promo": "存300送300活动",
    "sms_code": "短信查询",
    "channels": "服务渠道",
    "complaint": "投诉",
}


@dataclass(frozen=True)
class Understood:
    """What the NLU said about the message (from the tracker's parse data)."""

    text: str
    intent: str | None
    ranking: tuple[tuple[str, float], ...]  # FAQ names and the selector's confidence

    @classmethod
    def from_parse_data(cls, text: str, parse_data: dict[str, Any]) -> Understood:
        selector = ((parse_data.get("response_selector") or {}).get(FAQ_INTENT)) or {}
        ranking = []
        for entry in selector.get("ranking") or []:
            key = str(entry.get("intent_response_key") or "")
            if key.startswith(f"{FAQ_INTENT}/"):
                ranking.append((key.split("/", 1)[1], float(entry.get("confidence") or 0)))
        intent = ((parse_data.get("intent") or {}).get("name")) or None
        return cls(text=text, intent=intent, ranking=tuple(ranking))

    def confidence(self, name: str) -> float:
        return next((score for faq, score in self.ranking if faq == name), 0.0)


@dataclass
class Decision:
    replies: list[Reply] = field(default_factory=list)
    context: Context = field(default_factory=Context)
    # What a yes to the question just asked means: {"kind": "handoff"}
    offer: dict[str, str] | None = None
    # An account action to run now (verified) or after verification (not yet verified).
    account_action: str | None = None
    understood: bool = True  # False: a clarification or a miss


def _subject_named(question: Question, text: str) -> bool:
    words = plan_words()
    if question.subject in words.aliases:
        return bool(words.aliases[question.subject].search(text))
    if question.subject in words.brands:
        return bool(words.brands[question.subject].search(text))
    return False


@dataclass(frozen=True)
class _Scoring:
    """What the FAQ answers are scored against for one question of a message."""

    understood: Understood
    known_topic: str | None  # the conversation's, for a question that names none
    context: Context
    selector_weight: float  # how much the NLU's own ranking counts
    elliptical: bool

    def score(self, question: Question, part: Part) -> tuple[float, bool]:
        """(score, whether the message itself gave evidence for this answer)."""
        selected = self.understood.confidence(question.name)
        score = self.selector_weight * selected
        evidence = False
        if question.topic in part.topics:
            score += 1.0
            evidence = True
        elif set(question.related) & set(part.topics):
            # "套餐里的也这样吗" after 彩铃: the plan is named, the question is still 彩铃's
            score += 0.6 + (0.5 if self.known_topic == question.topic else 0)
            evidence = True
        elif not part.topics and self.known_topic == question.topic:
            score += 0.8
            evidence = True
        elif part.topics or self.known_topic is not None:
            score -= 1.0
        about = evidence  # the topic is named, related or the conversation's
        matched = [aspect for aspect in part.aspects if aspect in question.aspects]
        if matched:
            primary = 0.2 if question.aspects[0] in matched else 0
            score += 1.5 + 0.3 * (len(matched) - 1) + primary
            # an aspect alone ("桌子唱歌月亮蓝") is evidence only where the NLU agrees a little
            evidence = about or selected >= 0.2 or self.understood.intent == FAQ_INTENT
        elif not part.aspects and self.elliptical and self.context.aspect in question.aspects:
            score += 0.6
        if question.subject:
            score += 1.0 if _subject_named(question, part.text) else -0.5
        return score, evidence

    def best(self, part: Part) -> tuple[Question, float, bool]:
        scored = [
            (question, *self.score(question, part)) for question in vocabulary().questions.values()
        ]
        return max(scored, key=lambda item: item[1])


@dataclass(frozen=True)
class Answer:
    """The answer to one question of a message, and what the conversation is then about."""

    replies: tuple[Reply, ...]
    context: Context


def _faq_answer(question: Question, part: Part) -> Answer:
    matched = [aspect for aspect in part.aspects if aspect in question.aspects]
    plans = (question.subject,) if question.subject in plan_words().aliases else ()
    return Answer(
        (Reply(question.response),),
        Context(
            topic=question.topic,
            aspect=matched[0] if matched else question.aspects[0],
            faq=question.name,
            plans=plans,
        ),
    )


def _plan_context(plans: PlanAnswer) -> Context:
    topic = PLAN_ATTRIBUTE_TOPICS.get(plans.attribute or "", "plan")
    return Context(topic=topic, plans=plans.plans, attribute=plans.attribute)


# How sure the NLU must be for its answer to a whole, self-contained question to stand
# against the vocabulary ("编辑啥短信能看这个月流量用了多少" names 流量 but asks the SMS code).
SURE = 0.9
# How sure it must be for its answer to a message in which we read nothing ("就是那个").
GUESS = 0.5
# A question asked without its subject ("怎么取消") is answered when the NLU clearly prefers
# one subject's answer: this confident, and this many times the next subject's.
CLEAR = 0.25
CLEAR_MARGIN = 2.0


def _sure_answer(understood: Understood, part: Part) -> Question | None:
    """The NLU's answer when it is sure of it and the message does not contradict it: it
    names the answer's topic or asks one of its aspects, or asks nothing that we read."""
    if understood.intent != FAQ_INTENT or not understood.ranking:
        return None
    name, confidence = understood.ranking[0]
    question = vocabulary().questions.get(name)
    if question is None or confidence < SURE:
        return None
    about = question.topic in part.topics or bool(set(question.related) & set(part.topics))
    asks = bool(set(question.aspects) & set(part.aspects))
    return question if about or asks or not part.aspects else None


def _said(answer: Answer) -> tuple[str, ...]:
    return tuple(f"{reply.response}{sorted(reply.values.items())}" for reply in answer.replies)


def answers_to_parts(
    text: str, understood: Understood, context: Context, texts: Texts
) -> list[Answer]:
    """One answer per question of the message that the message gives evidence for."""
    words = vocabulary()
    parts = read_message(text)
    single = len(parts) == 1
    elliptical = is_elliptical(text, parts)
    answers: list[Answer] = []
    known_topic = FAQ_TOPIC_OF.get(context.topic or "", context.topic)
    known_plans = context.plans
    asked_before: tuple[str, ...] = ()
    for part in parts:
        if part.topics and not part.aspects and asked_before:
            part = replace(part, aspects=asked_before)  # "来电显示收费吗？彩铃呢？"
        asked_before = part.aspects or asked_before
        general = bool(set(part.aspects) & GENERAL_ASPECTS)
        plans = (
            None
            if general
            else answer_about_plans(
                part.text,
                texts,
                context.attribute,
                elliptical if single else is_elliptical(part.text, [part]),
                known_plans,
                whole=False,
            )
        )
        if plans is not None and plans.replies:
            answers.append(Answer(tuple(plans.replies), _plan_context(plans)))
            known_topic, known_plans = "plan", plans.plans or known_plans
            continue
        if part.joined_topics and part.aspects:
            for topic in part.topics:
                alone = replace(part, topics=(topic,), joined_topics=False)
                scoring = _Scoring(understood, topic, context, 0.4, False)
                question, score, evidence = scoring.best(alone)
                if evidence and score >= words.answer_threshold:
                    answers.append(_faq_answer(question, alone))
            known_topic = part.topics[-1]
            continue
        weight = 1.0 if single else 0.4
        scoring = _Scoring(understood, known_topic, context, weight, elliptical)
        question, score, evidence = scoring.best(part)
        if single and not elliptical and (sure := _sure_answer(understood, part)):
            question, score, evidence = sure, words.answer_threshold, True
        if evidence and score >= words.answer_threshold:
            answers.append(_faq_answer(question, part))
        if part.topics:
            known_topic = part.topics[0]
    unique = list({_said(answer): answer for answer in answers}.values())
    if unique:
        return unique[:MAX_ANSWERS]
    if understood.intent == FAQ_INTENT and understood.ranking:
        name, confidence = understood.ranking[0]
        read_something = any(part.topics or part.aspects for part in parts)
        top = words.questions.get(name) if read_something or confidence >= GUESS else None
        if top is not None:
            return [_faq_answer(top, parts[0] if parts else Part(text, (), (), False))]
    return []


def _options(understood: Understood, topic: str | None, limit: int = 3) -> list[Question]:
    """The answers most likely meant: by the selector's ranking, within the topic if named."""
    questions = vocabulary().questions
    ranked = [questions[name] for name, _ in understood.ranking if name in questions]
    if topic is not None:
        in_topic = [question for question in ranked if question.topic == topic]
        rest = [q for q in vocabulary().questions_about(topic) if q not in in_topic]
        return (in_topic + rest)[:limit]
    return [question for question in ranked][:limit]


def _buttons(questions: list[Question]) -> tuple[tuple[str, str], ...]:
    return tuple((question.title, question.ask) for question in questions)


def _situation(
    text: str, parts: list[Part], context: Context, verified: bool, texts: Texts
) -> Decision | None:
    """`parts`: the message read (`read_message`)."""
    if _HYPOTHETICAL.search(text):
        return None  # "手机要是欠费了，是打不出去还是…" asks the rule
    compared = read_plan_question(text)
    if len(compared.plans) >= 2 and "compare" in compared.cues:
        return None  # "58和88的套餐差多少钱" compares plans
    asked = {aspect for part in parts for aspect in part.aspects}
    for situation in vocabulary().situations:
        if not situation.when.search(text) or asked & situation.unless:
            continue
        kept = replace(context, misses=0, topic=SITUATION_TOPICS.get(situation.name))
        # What else the message asks about paying and getting the line back ("在哪交钱")
        rest = "，".join(part.text for part in parts if not situation.when.search(part.text))
        others = answers_to_parts(rest, Understood(rest, None, ()), kept, texts) if rest else []
        also = [reply for answer in others for reply in answer.replies]
        if verified:
            return Decision(also, context=kept, account_action=situation.account_action)
        cat = catalogue()
        general = {
            "stopped": [Reply("utter_faq/low_balance"), Reply("utter_faq/reconnect")],
            "arrears": [Reply("utter_faq/reconnect")],
            "usage_check": [Reply("utter_faq/data_alert")],
            "unwanted_service": [Reply("utter_faq/cailing_unwanted_charge")],
            "contract_end": [Reply("utter_faq/plan_change_contract")],
            "bill_high": [
                Reply(
                    "utter_situation_bill",
                    {
                        "voice_rate": rate_text(cat.voice_fen_per_minute),
                        "data_rate": rate_text(cat.data_fen_per_mb),
                        "cailing_fee": yuan(cat.cailing_fee_fen),
                    },
                )
            ],
        }[situation.name]
        general += [reply for reply in also if reply not in general]
        return Decision(
            replies=[*general, Reply("utter_account_check_lead")],
            context=kept,
            account_action=situation.account_action,
        )
    return None


# The topics the account actions leave the conversation in (AccountAction.topic).
PERSONAL_TOPICS = frozenset(
    {"my_balance", "my_usage", "my_bill", "my_plan", "my_services", "my_transfer"}
)
# Asking about one's own line: "我是啥套餐 上月花了多少".
FIRST_PERSON = re.compile(r"我|自己|本机|这个号|这号|这张卡|咱")
_HYPOTHETICAL = re.compile(r"要是|如果|万一|假如")
# A look-up said as a follow-up ("查流量呢"): read against the conversation, which knows
# whether the SMS codes or the customer's own line were just talked about.
LOOKUP_FOLLOW_UP = re.compile(r"(帮我)?查(一?下)?.{1,6}呢[?？]?")
SMS_CODES = "sms_codes"


def _personal(text: str, parts: list[Part], context: Context) -> Decision | None:
    """A question about the customer's own line that the NLU did not take for one; `parts`:
    the message read (`read_message`)."""
    words = vocabulary()
    follow_up = words.personal_follow_ups.get(context.topic or "")
    if follow_up is not None and follow_up.when.search(text) and len(text) <= 20:
        return Decision(context=replace(context, misses=0), account_action=follow_up.account_action)
    short = len(text) <= 8
    named = personal_requests_in(text, follow_up=True) if short else []
    if named and is_elliptical(text, parts):
        if context.topic == "sms_code":  # "查流量呢" after the SMS codes: the code for it
            codes = vocabulary().questions[SMS_CODES].response
            return Decision([Reply(codes)], replace(context, misses=0))
        if context.topic in PERSONAL_TOPICS or LOOKUP_FOLLOW_UP.fullmatch(text):
            # "流量呢" after the balance
            return Decision(context=replace(context, misses=0), account_action=named[0])
    asked = {aspect for part in parts for aspect in part.aspects}
    if asked & (GENERAL_ASPECTS - {"what"} | {"change", "contract", "downgrade"}):
        return None  # "我参加了合约还能换套餐吗" has a general answer
    if FIRST_PERSON.search(text) and (named := personal_requests_in(text)):
        return Decision(context=replace(context, misses=0), account_action=named[0])
    return None


def _ambiguous_aspect(
    parts: list[Part], understood: Understood, context: Context
) -> Decision | None:
    """What is asked without what it is about, where several subjects have that answer:
    "怎么取消" (彩铃 or 上网?) with nothing before it gets the choices, not a guess."""
    if len(parts) != 1 or parts[0].topics or not parts[0].aspects:
        return None
    if FAQ_TOPIC_OF.get(context.topic or "", context.topic) is not None:
        return None
    if understood.ranking and understood.ranking[0][1] >= SURE:
        return None
    asked = set(parts[0].aspects)
    candidates = [q for q in vocabulary().questions.values() if asked & set(q.aspects)]
    if len({question.topic for question in candidates}) < 2:
        return None
    confidence = understood.confidence
    ranked = sorted(candidates, key=lambda question: -confidence(question.name))
    one_per_topic = list({question.topic: question for question in reversed(ranked)}.values())
    # Sorted again, not taken in the dict's order (that of the reversed ranking): among
    # subjects as likely as each other (0.0 outside the selector's top ten is common) the
    # order decides which three are offered.
    options = sorted(one_per_topic, key=lambda question: -confidence(question.name))[:3]
    first, second = (confidence(question.name) for question in options[:2])
    if first >= CLEAR and first >= CLEAR_MARGIN * second:
        return None  # the NLU clearly prefers one ("过互在哪办": 过户, typo and all)
    reply = Reply("utter_clarify", buttons=_buttons(options))
    return Decision([reply], replace(context, misses=0), understood=False)


def _clarify_topic(understood: Understood, topic: str, part: Part) -> Decision:
    options = _options(understood, topic)
    if len(vocabulary().questions_about(topic)) <= 2:  # "存300送300是咋回事"
        return Decision([Reply(options[0].response)], _faq_answer(options[0], part).context)
    reply = Reply(
        "utter_clarify_topic", {"topic": TOPIC_NAMES.get(topic, topic)}, _buttons(options)
    )
    return Decision([reply], Context(topic=topic))


def _miss(text: str, understood: Understood, context: Context, topic: str | None) -> Decision:
    """Not understood: the likeliest questions, or what we can do; the second in a row
    offers a human (a yes hands over, actions/offers.py)."""
    missed = replace(context, misses=context.misses + 1)
    if missed.misses >= 2:
        return Decision(
            [Reply("utter_offer_human_after_misses")],
            missed,
            offer={"kind": "handoff"},
            understood=False,
        )
    if understood.intent == OUT_OF_SCOPE and topic is None:
        return Decision([Reply("utter_out_of_scope")], missed, understood=False)
    options = _options(understood, topic)
    likely = bool(understood.ranking) and understood.ranking[0][1] >= 0.2 and has_chinese(text)
    if options and (topic or likely):
        return Decision(
            [Reply("utter_clarify", buttons=_buttons(options))], missed, understood=False
        )
    return Decision([Reply("utter_clarify_none")], missed, understood=False)


def decide(
    message_text: str,
    understood: Understood,
    context: Context,
    verified: bool,
    texts: Texts,
    in_form: bool = False,
) -> Decision:
    """`in_form`: the customer is in the middle of verifying; answers only, no account
    request and no offer (the form goes on afterwards)."""
    words = vocabulary()
    text = plain(message_text)
    assigned = reviewed_answer(message_text)
    if assigned in words.questions:  # an operator said what it asks (bot/ops)
        part = next(iter(read_message(text)), Part(text, (), (), False))
        answer = _faq_answer(words.questions[assigned], part)
        return Decision(list(answer.replies), answer.context)
    if words.near_domain.search(text):
        return Decision([Reply("utter_near_domain")], replace(context, misses=0))
    parts = read_message(text)
    if not in_form and (situation := _situation(text, parts, context, verified, texts)):
        return situation
    plans = answer_about_plans(text, texts, context.attribute, False, context.plans)
    if plans is not None and not (plans.own_usage and in_form):
        if plans.own_usage:
            return Decision(
                context=replace(context, topic="plan", misses=0),
                account_action="action_recommend_plan",
            )
        return Decision(plans.replies, _plan_context(plans))
    if not in_form and (personal := _personal(text, parts, context)):
        return personal
    named_topics = [topic for part in parts for topic in part.topics]
    follows_a_plan = context.attribute is not None and bool(read_plan_question(text).plans)
    if only_names_a_topic(text) and not follows_a_plan:
        return _clarify_topic(understood, named_topics[0], parts[0])
    if not in_form and (ambiguous := _ambiguous_aspect(parts, understood, context)):
        return ambiguous
    answers = answers_to_parts(text, understood, context, texts)
    if answers:
        return Decision(
            [reply for answer in answers for reply in answer.replies], answers[-1].context
        )
    if in_form:
        return Decision([Reply("utter_clarify_none")], context, understood=False)
    return _miss(text, understood, context, named_topics[0] if named_topics else None)
