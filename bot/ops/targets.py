"""What an operator can assign a misunderstood message to: an FAQ answer (a retrieval intent
`faq/<answer>`, data/understanding/questions.yml) or one of the domain's other intents."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from bot.understanding.words import vocabulary

DOMAIN_FILE = Path(__file__).resolve().parents[2] / "domain.yml"
# The domain's intents as an operator reads them; an intent missing here shows its name.
INTENT_TITLES = {
    "greet": "打招呼",
    "goodbye": "道别",
    "thank": "感谢",
    "bot_challenge": "问是不是机器人",
    "request_human": "要人工",
    "affirm": "肯定（好的）",
    "deny": "否定（不用了）",
    "out_of_scope": "超出范围（不回答）",
    "check_balance": "查余额",
    "check_usage": "查用量",
    "check_bill": "查账单",
    "check_plan": "查套餐",
    "check_services": "查已订业务",
    "unsubscribe_service": "退订业务",
    "subscribe_service": "订购业务",
    "change_plan": "改套餐",
    "transfer_check": "能否过户",
    "check_complaint_status": "查投诉进度",
    "complain": "投诉",
}


@cache
def targets(domain_file: Path = DOMAIN_FILE) -> dict[str, str]:
    """Every target by its name (what training data names), with its title."""
    intents = yaml.safe_load(domain_file.read_text(encoding="utf-8"))["intents"]
    named = {
        f"faq/{question.name}": f"知识库：{question.title}"
        for question in vocabulary().questions.values()
    }
    for intent in intents:
        name = intent if isinstance(intent, str) else next(iter(intent))
        if name != "faq":
            named[name] = f"意图：{INTENT_TITLES.get(name, name)}"
    return named
