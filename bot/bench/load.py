"""Simulated customers over the REST channel: closed loop, a realistic mix of conversations.

Each customer has its own HTTP session and plays one conversation after another without think
time: it sends a message, waits for the reply, checks it, sends the next. Every conversation
has a new sender id (the guard allows one conversation 20 messages a minute). The mix, by
conversation: 60% FAQ (3–5 questions), 30% verified account questions (a demo customer's
number and password, then 2–3 questions about their line), 10% complaints (verification,
a ticket, "不用了" to the offered human agent).

A turn is `ok`, or an error: `http` (status ≠ 200), `empty` (no text in the reply), `timeout`
(no reply within the timeout) — or `wrong`, counted apart: a reply without the fragment a right
answer contains. After an error the conversation is abandoned and a new one starts.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

TIMEOUT_S = 10.0
KINDS = ("faq", "verify", "account", "complaint")
OUTCOMES = ("ok", "http", "empty", "timeout", "wrong")
ERRORS = ("http", "empty", "timeout")


@dataclass(frozen=True)
class Step:
    text: str
    kind: str  # one of KINDS
    expect: str  # a fragment every right answer contains


# Varied phrasings (colloquial, traditional characters, typos), each with a fragment of its
# answer: the operator's public sample and our held-out cases (tests/acceptance/).
FAQS = (
    Step("彩铃怎么收费", "faq", "6元"),
    Step("彩鈴怎麼收費", "faq", "6元"),
    Step("开彩铃每月得交多少", "faq", "6元/月"),
    Step("彩铃不想用了怎么退", "faq", "QXCL"),
    Step("流量超出套餐后怎么收费", "faq", "0.29元"),
    Step("没买任何流量套餐，用数据上网咋计费", "faq", "0.29元/MB"),
    Step("有哪些流量包", "faq", "1GB"),
    Step("没用完的流量能结转吗", "faq", "结转"),
    Step("流量用到一定比例会有短信告诉我吗", "faq", "80%"),
    Step("过户需要带什么", "faq", "身份证"),
    Step("把手机号转给我妹，需要啥材料", "faq", "身份证件原件"),
    Step("过户在哪里办理", "faq", "营业厅"),
    Step("过户的时候能让别人替我去签字吗", "faq", "不能代办"),
    Step("有什么套餐推荐", "faq", "88"),
    Step("全球通88元那档给多少流量", "faq", "20GB"),
    Step("換套餐後多久才會生效", "faq", "次月1日生效"),
    Step("超出套餐分钟后国内电话的单价是多少", "faq", "0.19元/分钟"),
    Step("来电显示每个月收多少功能费", "faq", "免费"),
    Step("怎么发短信查话费", "faq", "YE"),
    Step("大晚上的10086还能打通吗", "faq", "7×24小时"),
    Step("欠的钱补上以后要等多久才能正常打电话", "faq", "30分钟"),
)


@dataclass(frozen=True)
class DemoCustomer:
    """A demo customer of bot/accounts/seed.yml and what their answers contain."""

    number: str
    password: str
    balance: str
    usage: str
    bill: str
    plan: str


DEMO_CUSTOMERS = (
    DemoCustomer("13800138000", "258013", "56.80", "3.8GB", "64.00", "畅享58"),
    DemoCustomer("13900139000", "369024", "12.50", "120MB", "58.00", "畅听卡"),
    DemoCustomer("13700137000", "147036", "120.00", "2.5GB", "21.80", "青春卡"),
)
COMPLAINT = "你们乱扣我话费，彩铃我根本没订过"
NO_HANDOFF = "不用了"
NO_HANDOFF_EXPECT = "不转人工"  # utter_handoff_declined (then the rating question)


def account_questions(customer: DemoCustomer) -> tuple[Step, ...]:
    return (
        Step("话费还剩多少", "account", customer.balance),
        Step("这个月流量还剩多少", "account", customer.usage),
        Step("上个月账单", "account", customer.bill),
        Step("我现在是啥套餐", "account", customer.plan),
    )


def faq_conversation(rng: random.Random) -> list[Step]:
    return rng.sample(FAQS, rng.randint(3, 5))


def account_conversation(rng: random.Random) -> list[Step]:
    customer = rng.choice(DEMO_CUSTOMERS)
    return [
        Step("查余额", "account", "手机号码"),
        Step(customer.number, "verify", "服务密码"),
        Step(customer.password, "verify", customer.balance),
        *rng.sample(account_questions(customer), rng.randint(2, 3)),
    ]


def complaint_conversation(rng: random.Random) -> list[Step]:
    customer = DEMO_CUSTOMERS[0]  # 张伟, who pays for 彩铃
    return [
        Step(COMPLAINT, "complaint", "手机号码"),
        Step(customer.number, "verify", "服务密码"),
        Step(customer.password, "verify", "工单号"),
        Step(NO_HANDOFF, "complaint", NO_HANDOFF_EXPECT),
    ]


MIX: tuple[tuple[str, float, Callable[[random.Random], list[Step]]], ...] = (
    ("faq", 0.6, faq_conversation),
    ("account", 0.3, account_conversation),
    ("complaint", 0.1, complaint_conversation),
)


def conversation(rng: random.Random) -> tuple[str, list[Step]]:
    """A conversation drawn from MIX: its kind and its steps."""
    draw, total = rng.random(), 0.0
    for name, share, make in MIX:
        total += share
        if draw < total:
            return name, make(rng)
    name, _, make = MIX[-1]
    return name, make(rng)


def reply_text(replies: Any) -> str:
    """Everything a customer sees of the replies: texts and button titles."""
    parts: list[str] = []
    for reply in replies if isinstance(replies, list) else []:
        if not isinstance(reply, dict):
            continue
        if reply.get("text"):
            parts.append(str(reply["text"]))
        parts.extend(str(button.get("title", "")) for button in reply.get("buttons") or [])
    return "\n".join(parts)


@dataclass
class Turn:
    kind: str
    started: float  # time.monotonic()
    latency_s: float
    outcome: str  # one of OUTCOMES
    text: str = ""
    reply: str = ""


async def say(session: aiohttp.ClientSession, url: str, sender: str, step: Step) -> Turn:
    started = time.monotonic()
    body = {"sender": sender, "message": step.text}
    try:
        async with session.post(url, json=body) as response:
            status = response.status
            replies = await response.json(content_type=None) if status == 200 else None
    except asyncio.TimeoutError:
        return Turn(step.kind, started, time.monotonic() - started, "timeout", step.text)
    except (aiohttp.ClientError, ValueError) as error:
        latency = time.monotonic() - started
        return Turn(step.kind, started, latency, "http", step.text, type(error).__name__)
    latency = time.monotonic() - started
    if status != 200:
        return Turn(step.kind, started, latency, "http", step.text, f"HTTP {status}")
    text = reply_text(replies)
    if not text.strip():
        return Turn(step.kind, started, latency, "empty", step.text)
    outcome = "ok" if step.expect in text else "wrong"
    return Turn(step.kind, started, latency, outcome, step.text, text)


@dataclass
class LevelRun:
    """What one level of load produced: the turns started inside the measured window."""

    customers: int
    seconds: float
    warmup_s: float
    turns: list[Turn] = field(default_factory=list)
    conversations: dict[str, int] = field(default_factory=dict)  # started in the window
    at_end: dict[str, Any] = field(default_factory=dict)  # e.g. memory, sampled at the end


async def customer(
    url: str,
    rng: random.Random,
    window: tuple[float, float],
    run: LevelRun,
    timeout_s: float,
) -> None:
    """Conversations back to back until the window closes; the turn in flight then ends."""
    measured_from, stop_at = window
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while time.monotonic() < stop_at:
            name, steps = conversation(rng)
            sender = f"bench-{uuid.uuid4().hex}"
            if time.monotonic() >= measured_from:
                run.conversations[name] = run.conversations.get(name, 0) + 1
            for step in steps:
                if time.monotonic() >= stop_at:
                    return
                turn = await say(session, url, sender, step)
                if turn.started >= measured_from:
                    run.turns.append(turn)
                if turn.outcome != "ok":
                    break  # the conversation is off its script: start a new one


async def run_level(
    url: str,
    customers: int,
    seconds: float,
    warmup_s: float = 5.0,
    seed: int = 0,
    timeout_s: float = TIMEOUT_S,
    at_end: Callable[[], dict[str, Any]] | None = None,
) -> LevelRun:
    """`customers` concurrent customers for `warmup_s` (not counted) and then `seconds`.
    `at_end` is called when the measured window closes (memory, say); its result is kept."""
    run = LevelRun(customers, seconds, warmup_s)
    start = time.monotonic()
    window = (start + warmup_s, start + warmup_s + seconds)

    async def sample_at_end() -> None:
        await asyncio.sleep(max(0.0, window[1] - time.monotonic()))
        if at_end is not None:
            run.at_end = at_end()

    sampler = asyncio.create_task(sample_at_end())
    await asyncio.gather(
        *(
            customer(url, random.Random(f"{seed}-{customers}-{index}"), window, run, timeout_s)
            for index in range(customers)
        )
    )
    await sampler
    return run
