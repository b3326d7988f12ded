"""Reasoning over the plan catalogue: what customers ask that needs the plans computed.

One attribute of one plan (58的套餐多少分钟), a comparison (58和128差在哪), extremes (流量最多,
全球通里最便宜), which plans include a service, the monthly cost of a usage pattern on a plan
(58的套餐打400分钟 → 77元), and a recommendation from stated needs that shows every plan's
monthly cost, so a cheaper option is never hidden. Figures come from bot.catalogue only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache

from bot.catalogue import MB_PER_GB, Catalogue, Plan, catalogue, yuan
from bot.understanding.replies import Reply, Texts
from bot.understanding.words import vocabulary

ATTRIBUTES = ("minutes", "data", "fee", "cailing", "caller_id")
YOUTH_PLAN = "dongganditai_qingchun"
# How an extreme is said, by (most?, attribute).
EXTREMES = {
    (True, "data"): "utter_plan_most_data",
    (False, "data"): "utter_plan_least_data",
    (True, "minutes"): "utter_plan_most_minutes",
    (False, "minutes"): "utter_plan_least_minutes",
    (True, "fee"): "utter_plan_most_fee",
    (False, "fee"): "utter_plan_least_fee",
}


_MORE_MB = re.compile(r"\s*多\s*(\d+)\s*(?:m|mb|兆)(?![a-z])")
# Amounts of talk as people say them, which the normaliser leaves alone (it converts only
# numbers with 十 or 百): "一个小时", "两个钟头", and "二三十分钟" (taken at its upper end).
_SMALL = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_HOURS_IN_WORDS = re.compile(r"([一两二三四五六七八九半])个?(?:小时|钟头)")
_TENS_RANGE = re.compile(r"[一二三四五六七八九]([二三四五六七八九])十(?=分钟)")
# Talk per day, for a month's: "一天打一个小时电话".
_PER_DAY = re.compile(r"(?:一|每|1)天|天天")
DAYS_PER_MONTH = 30


def _talk_in_digits(text: str) -> str:
    text = _TENS_RANGE.sub(lambda match: str(_SMALL[match.group(1)] * 10), text)
    return _HOURS_IN_WORDS.sub(
        lambda match: "30分钟" if match.group(1) == "半" else f"{_SMALL[match.group(1)]}小时",
        text,
    )


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


@dataclass(frozen=True)
class PlanWords:
    aliases: dict[str, re.Pattern[str]]
    brands: dict[str, re.Pattern[str]]
    attributes: dict[str, re.Pattern[str]]
    cues: dict[str, re.Pattern[str]]
    budget: tuple[re.Pattern[str], ...]
    minutes_used: tuple[re.Pattern[str], ...]
    data_used: tuple[re.Pattern[str], ...]
    minutes_over: tuple[re.Pattern[str], ...]
    data_over: tuple[re.Pattern[str], ...]


@cache
def plan_words() -> PlanWords:
    section = vocabulary().plans
    names = {plan.code: [re.escape(plan.name)] for plan in catalogue().plans}
    numbers = ("budget", "minutes_used", "data_used", "minutes_over", "data_over")
    return PlanWords(
        aliases={
            code: _alternation(names[code] + patterns)
            for code, patterns in section["aliases"].items()
        },
        brands={name: _alternation(patterns) for name, patterns in section["brands"].items()},
        attributes={name: _alternation(section["attributes"][name]) for name in ATTRIBUTES},
        cues={
            name: _alternation(patterns)
            for name, patterns in section.items()
            if name not in ("aliases", "brands", "attributes", *numbers)
        },
        budget=tuple(map(re.compile, section["budget"])),
        minutes_used=tuple(map(re.compile, section["minutes_used"])),
        data_used=tuple(map(re.compile, section["data_used"])),
        minutes_over=tuple(map(re.compile, section["minutes_over"])),
        data_over=tuple(map(re.compile, section["data_over"])),
    )


@dataclass(frozen=True)
class Needs:
    """What a customer said about their month: None where they said nothing."""

    minutes: int | None = None
    data_mb: int | None = None
    budget_fen: int | None = None
    cailing: bool = False
    young: bool = False
    minutes_over: int | None = None  # beyond the plan's allowance ("超了50分钟")
    data_over_mb: int | None = None

    def on(self, plan: Plan) -> Needs:
        """The usage on this plan, with what was said to be over its allowance added."""
        minutes, data_mb = self.minutes, self.data_mb
        if self.minutes_over is not None:
            minutes = (plan.voice_minutes or 0) + self.minutes_over
        if self.data_over_mb is not None:
            data_mb = (plan.data_mb or 0) + self.data_over_mb
        return Needs(minutes, data_mb, self.budget_fen, self.cailing, self.young)

    @property
    def has_usage(self) -> bool:
        return any(
            value is not None
            for value in (self.minutes, self.data_mb, self.minutes_over, self.data_over_mb)
        )


@dataclass(frozen=True)
class PlanQuestion:
    """What a message asks about the plans."""

    plans: tuple[str, ...]  # codes, in order of mention
    brand: str | None
    attributes: tuple[str, ...]
    cues: frozenset[str]
    needs: Needs


@dataclass
class PlanAnswer:
    replies: list[Reply]
    plans: tuple[str, ...] = ()
    attribute: str | None = None
    own_usage: bool = False  # needs the customer's own usage: the account action answers
    extra: dict[str, str] = field(default_factory=dict)


def _first_number(patterns: tuple[re.Pattern[str], ...], text: str) -> tuple[str, str] | None:
    for pattern in patterns:
        if match := pattern.search(text):
            return match.group(1), match.group(0)
    return None


def _data_mb(text: str, patterns: tuple[re.Pattern[str], ...]) -> int | None:
    found = _first_number(patterns, text)
    if found is None:
        return None
    value, whole = found
    megabytes = Decimal(value) if re.search(r"m|兆", whole) else Decimal(value) * MB_PER_GB
    if more := _MORE_MB.match(text, text.find(whole) + len(whole)):  # "5G多100M"
        megabytes += Decimal(more.group(1))
    return int(megabytes)


def read_plan_question(text: str) -> PlanQuestion:
    words = plan_words()
    mentioned = sorted(
        (match.start(), code)
        for code, pattern in words.aliases.items()
        if (match := pattern.search(text))
    )
    minutes = _first_number(words.minutes_used, _talk_in_digits(text))
    minutes_value = None
    if minutes is not None:
        minutes_value = int(minutes[0]) * (60 if "小时" in minutes[1] else 1)
        if _PER_DAY.search(text):
            minutes_value *= DAYS_PER_MONTH
    cues = frozenset(name for name, pattern in words.cues.items() if pattern.search(text))
    budget = _first_number(words.budget, text)
    data_over = _data_mb(text, words.data_over)
    minutes_over = _first_number(words.minutes_over, text)
    data_mb = None if data_over is not None else _data_mb(text, words.data_used)
    if minutes_over is not None:
        minutes_value = None
    if data_mb is None and "little_data" in cues:
        data_mb = 0
    if minutes_value is None and "little_calls" in cues:
        minutes_value = 0
    needs = Needs(
        minutes=minutes_value,
        data_mb=data_mb,
        budget_fen=int(budget[0]) * 100 if budget else None,
        cailing=bool(words.attributes["cailing"].search(text)),
        young="young" in cues,
        minutes_over=int(minutes_over[0]) if minutes_over else None,
        data_over_mb=data_over,
    )
    return PlanQuestion(
        plans=tuple(dict.fromkeys(code for _, code in mentioned)),
        brand=next((name for name, p in words.brands.items() if p.search(text)), None),
        attributes=tuple(name for name in ATTRIBUTES if words.attributes[name].search(text)),
        cues=cues,
        needs=needs,
    )


# -- how a plan's figures are said ---------------------------------------------------------


def rate_text(fen: int) -> str:
    """A rate said to customers, always with two decimals: 19 → "0.19"."""
    return f"{Decimal(fen) / 100:.2f}"


def attribute_text(texts: Texts, cat: Catalogue, plan: Plan, attribute: str) -> str:
    if attribute == "minutes":
        if plan.voice_minutes is None:
            return texts("utter_plan_no_minutes", rate=rate_text(cat.voice_fen_per_minute))
        return texts(
            "utter_plan_minutes",
            minutes=plan.voice_minutes,
            rate=rate_text(cat.voice_fen_per_minute),
        )
    if attribute == "data":
        if plan.data_mb is None:
            return texts("utter_plan_no_data", rate=rate_text(cat.data_fen_per_mb))
        return texts("utter_plan_data", gb=plan.data_gb)
    if attribute == "cailing":
        if plan.includes_cailing:
            return texts("utter_plan_cailing_included")
        return texts("utter_plan_cailing_extra", fee=yuan(cat.cailing_fee_fen))
    if attribute == "caller_id":
        return texts("utter_plan_caller_id")
    return texts("utter_plan_fee", fee=yuan(plan.fee_fen))


def plan_line(texts: Texts, cat: Catalogue, plan: Plan) -> str:
    return texts(
        "utter_plan_line",
        name=plan.name,
        details="，".join(
            attribute_text(texts, cat, plan, attribute)
            for attribute in ("fee", "minutes", "data", "cailing")
        ),
    )


def usage_text(texts: Texts, needs: Needs) -> str:
    parts = []
    if needs.minutes is not None:
        parts.append(texts("utter_need_minutes", minutes=needs.minutes))
    if needs.data_mb is not None:
        if needs.data_mb == 0:
            parts.append(texts("utter_need_no_data"))
        elif needs.data_mb % MB_PER_GB == 0:
            parts.append(texts("utter_need_data_gb", gb=needs.data_mb // MB_PER_GB))
        else:
            parts.append(texts("utter_need_data_mb", mb=needs.data_mb))
    if needs.cailing:
        parts.append(texts("utter_need_cailing"))
    return "、".join(parts)


def cost_breakdown(texts: Texts, cat: Catalogue, plan: Plan, needs: Needs) -> str:
    items = [texts("utter_cost_fee", fee=yuan(plan.fee_fen))]
    # Minutes and data beyond the plan's allowance, each at the catalogue's rate.
    beyond = (
        (
            "utter_cost_minutes",
            "minutes",
            needs.minutes,
            plan.voice_minutes,
            cat.voice_fen_per_minute,
        ),
        ("utter_cost_data", "mb", needs.data_mb, plan.data_mb, cat.data_fen_per_mb),
    )
    for response, unit, used, included, fen_per_unit in beyond:
        extra = (used or 0) - (included or 0)
        if extra > 0:
            amount = yuan(extra * fen_per_unit)
            items.append(
                texts(response, **{unit: extra}, rate=rate_text(fen_per_unit), amount=amount)
            )
    if needs.cailing and not plan.includes_cailing:
        items.append(texts("utter_cost_cailing", fee=yuan(cat.cailing_fee_fen)))
    return " + ".join(items)


def ranked(cat: Catalogue, needs: Needs) -> list[tuple[int, Plan]]:
    """Every plan with its monthly cost for these needs, cheapest first."""
    costs = [
        (cat.monthly_cost_fen(plan, needs.minutes or 0, needs.data_mb or 0, needs.cailing), plan)
        for plan in cat.plans
    ]
    return sorted(costs, key=lambda item: (item[0], item[1].position))


def cost_lines(texts: Texts, cat: Catalogue, needs: Needs) -> str:
    return "\n".join(
        texts(
            "utter_plan_cost_line",
            name=plan.name,
            total=yuan(cost),
            breakdown=cost_breakdown(texts, cat, plan, needs),
        )
        for cost, plan in ranked(cat, needs)
    )


def pack_alternative(texts: Texts, cat: Catalogue, needs: Needs, best_fen: int) -> list[Reply]:
    """A smaller plan with month data packs, when that is cheaper than the best plan alone."""
    if not needs.data_mb:
        return []
    options = []
    for plan in cat.plans:
        if plan.data_mb is None or needs.data_mb <= plan.data_mb:
            continue
        packs = cat.cheapest_month_packs_fen(needs.data_mb - plan.data_mb)
        base = cat.monthly_cost_fen(plan, needs.minutes or 0, plan.data_mb, needs.cailing)
        options.append((base + packs, packs, plan))
    if not options:
        return []
    total, packs, plan = min(options, key=lambda option: option[0])
    if total >= best_fen:
        return []
    return [
        Reply(
            "utter_plan_pack_option",
            {"plan": plan.name, "packs": yuan(packs), "total": yuan(total)},
        )
    ]


# -- the questions ---------------------------------------------------------------------------


def _scope(cat: Catalogue, question: PlanQuestion) -> list[Plan]:
    if question.brand:
        return [plan for plan in cat.plans if plan.brand == question.brand]
    return list(cat.plans)


def _value(plan: Plan, attribute: str) -> int:
    if attribute == "minutes":
        return plan.voice_minutes or 0
    if attribute == "data":
        return plan.data_mb or 0
    return plan.fee_fen


def _filtered(cat: Catalogue, question: PlanQuestion) -> list[Plan]:
    """The plans in scope: of the brand named, with what the customer requires."""
    plans = _scope(cat, question)
    if "with_data" in question.cues:
        plans = [plan for plan in plans if plan.data_mb is not None]
    if "with_minutes" in question.cues:
        plans = [plan for plan in plans if plan.voice_minutes is not None]
    if "cailing" in question.attributes and "includes" in question.cues:
        plans = [plan for plan in plans if plan.includes_cailing]
    return plans


def _extreme(texts: Texts, cat: Catalogue, question: PlanQuestion) -> PlanAnswer | None:
    cues = question.cues
    if not cues & {"most", "least"}:
        return None
    filtered = {"with_data", "with_minutes"} & cues or (
        "cailing" in question.attributes and "includes" in cues
    )
    if "plan_scope" not in cues and not filtered:
        return None
    if "plan_scope" in cues and not filtered and not question.attributes and "by_fee" not in cues:
        return None  # "哪个最好" names nothing to compare
    candidates = _filtered(cat, question)
    if not candidates:
        return None
    counted = [a for a in question.attributes if a in ("minutes", "data")]
    if "by_fee" in cues or not counted or {"with_data", "with_minutes"} & cues:
        attribute = "fee"
        most = "most" in cues and "least" not in cues
    else:
        attribute = counted[0]
        most = "most" in cues
    chosen = (max if most else min)(
        candidates, key=lambda plan: (_value(plan, attribute), -plan.position)
    )
    scope = question.brand or texts("utter_plan_scope_all")
    what = texts(EXTREMES[(most, attribute)])
    reply = Reply(
        "utter_plan_extreme",
        {"scope": scope, "what": what, "plan": chosen.name, "line": plan_line(texts, cat, chosen)},
    )
    return PlanAnswer([reply], plans=(chosen.code,), attribute=attribute)


def _including(texts: Texts, cat: Catalogue, question: PlanQuestion) -> PlanAnswer | None:
    """Which plans include 彩铃: the KB's own answer lists them all."""
    if "cailing" not in question.attributes or "includes" not in question.cues:
        return None
    if "which" not in question.cues and len(question.plans) < 2:
        return None
    return PlanAnswer([Reply("utter_faq/cailing_included")], attribute="cailing")


def _recommend(texts: Texts, cat: Catalogue, question: PlanQuestion) -> PlanAnswer | None:
    needs = question.needs
    if not question.cues & {"which", "least", "needs"} and needs.budget_fen is None:
        return None
    if not (needs.has_usage or needs.budget_fen or needs.young):
        return None
    if not needs.has_usage:
        plans = _scope(cat, question)
        if needs.budget_fen is not None:
            plans = [plan for plan in plans if plan.fee_fen <= needs.budget_fen]
        if needs.young and any(plan.code == YOUTH_PLAN for plan in plans):
            chosen = cat.plan(YOUTH_PLAN)
        elif plans:
            chosen = max(plans, key=lambda plan: (plan.fee_fen, plan.position))
        else:
            return PlanAnswer(
                [Reply("utter_plan_none_in_budget", {"budget": yuan(needs.budget_fen or 0)})]
            )
        lines = "\n".join(plan_line(texts, cat, plan) for plan in plans)
        return PlanAnswer(
            [Reply("utter_plan_for_budget", {"plan": chosen.name, "lines": lines})],
            plans=(chosen.code,),
        )
    costs = ranked(cat, needs)
    if needs.budget_fen is not None:
        within = [(cost, plan) for cost, plan in costs if cost <= needs.budget_fen]
        costs_considered = within or costs
    else:
        costs_considered = costs
    best_cost, best = costs_considered[0]
    replies = [
        Reply(
            "utter_plan_recommend",
            {
                "usage": usage_text(texts, needs),
                "plan": best.name,
                "total": yuan(best_cost),
                "lines": cost_lines(texts, cat, needs),
            },
        )
    ]
    if best.code == YOUTH_PLAN and not needs.young:
        replies.append(Reply("utter_plan_youth_note"))
    replies += pack_alternative(texts, cat, needs, best_cost)
    return PlanAnswer(replies, plans=(best.code,))


def _cost(texts: Texts, cat: Catalogue, question: PlanQuestion) -> PlanAnswer | None:
    adds_a_service = question.needs.cailing and {"add_on", "cost"} <= question.cues
    if len(question.plans) != 1 or not (question.needs.has_usage or adds_a_service):
        return None
    plan = cat.plan(question.plans[0])
    needs = question.needs.on(plan)
    total = cat.monthly_cost_fen(plan, needs.minutes or 0, needs.data_mb or 0, needs.cailing)
    reply = Reply(
        "utter_plan_cost",
        {
            "plan": plan.name,
            "usage": usage_text(texts, needs),
            "breakdown": cost_breakdown(texts, cat, plan, needs),
            "total": yuan(total),
        },
    )
    return PlanAnswer([reply], plans=(plan.code,))


def _compare(texts: Texts, cat: Catalogue, question: PlanQuestion) -> PlanAnswer | None:
    if len(question.plans) < 2 or ("compare" not in question.cues and question.attributes):
        return None  # "128和青春卡是不是都包彩铃" asks about 彩铃
    plans = [cat.plan(code) for code in question.plans]
    lines = "\n".join(plan_line(texts, cat, plan) for plan in plans)
    cheaper, dearer = sorted(plans[:2], key=lambda plan: plan.fee_fen)
    difference = texts(
        "utter_plan_difference",
        dearer=dearer.name,
        cheaper=cheaper.name,
        fee=yuan(dearer.fee_fen - cheaper.fee_fen),
        minutes=(dearer.voice_minutes or 0) - (cheaper.voice_minutes or 0),
        gb=((dearer.data_mb or 0) - (cheaper.data_mb or 0)) // MB_PER_GB,
    )
    reply = Reply("utter_plan_compare", {"lines": lines, "difference": difference})
    return PlanAnswer([reply], plans=tuple(question.plans))


def _plan_description(code: str) -> Reply | None:
    """The FAQ answer that describes this plan (questions.yml: `subject`)."""
    described = [q for q in vocabulary().questions.values() if q.subject == code]
    return Reply(described[0].response) if described else None


def _attribute(
    texts: Texts,
    cat: Catalogue,
    question: PlanQuestion,
    context_attribute: str | None,
    elliptical: bool,
) -> PlanAnswer | None:
    asked = list(question.attributes)
    if "overview" in question.cues and question.plans:
        asked = ["fee", "minutes", "data", "cailing"]
    if not asked and elliptical and context_attribute in ATTRIBUTES:
        asked = [context_attribute]
    if not asked:
        return None
    if asked == ["caller_id"]:
        return PlanAnswer([Reply("utter_faq/caller_id")], plans=question.plans, attribute=asked[0])
    if len(question.plans) == 1 and (described := _plan_description(question.plans[0])):
        # one plan: its own answer says every figure of it ("88块的套餐有没有包含彩铃功能")
        return PlanAnswer([described], plans=question.plans, attribute=asked[0])
    if question.plans:
        plans = [cat.plan(code) for code in question.plans]
    elif "each" in question.cues and "plan_scope" in question.cues:
        plans = _scope(cat, question)  # "全球通三个套餐流量分别多少"
    else:
        return None
    lines = [
        texts(
            "utter_plan_attribute",
            plan=plan.name,
            details="，".join(attribute_text(texts, cat, plan, attribute) for attribute in asked),
        )
        for plan in plans
    ]
    reply = Reply("utter_plan_attributes", {"lines": "\n".join(lines)})
    return PlanAnswer([reply], plans=tuple(plan.code for plan in plans), attribute=asked[0])


def answer_about_plans(
    text: str,
    texts: Texts,
    context_attribute: str | None = None,
    elliptical: bool = False,
    context_plans: tuple[str, ...] = (),
    whole: bool = True,
) -> PlanAnswer | None:
    """The computed answer when the text asks something of the plans, else None.

    `whole`: the text is the whole message (a cost, a comparison or a recommendation takes
    what the customer said in all of it); else one question of it (an attribute, an extreme).
    """
    question = read_plan_question(text)
    if whole and "own_usage" in question.cues and not question.needs.has_usage:
        return PlanAnswer([], own_usage=True)
    if "change" in question.cues:
        return None  # 换成88的: the account flow changes the plan
    if "compare" in question.cues and len(question.plans) == 1 and context_plans:
        # "比88贵多少" after 128: the plan talked about against the one named
        others = tuple(code for code in context_plans if code not in question.plans)[:1]
        question = replace(question, plans=others + question.plans)
    elif not question.plans and elliptical and context_plans and question.attributes:
        question = replace(question, plans=context_plans)  # "带流量不" after 畅听卡
    cat = catalogue()
    if whole:
        reasons = (_cost, _compare, _recommend)
        for reason in reasons:
            if answer := reason(texts, cat, question):
                return answer
        return None
    for reason in (_extreme, _including):
        if answer := reason(texts, cat, question):
            return answer
    return _attribute(texts, cat, question, context_attribute, elliptical)
