"""report.html: the figures of report.json as one self-contained page (charts as inline SVG
drawn by matplotlib, text kept as text so the browser's CJK fonts render it; no script, no
network)."""

from __future__ import annotations

import html
import io
import warnings
from collections.abc import Mapping
from typing import Any

STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", sans-serif; margin: 24px;
       color: #1d2939; background: #f5f7fa; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #fff; border: 1px solid #d9dde3; border-radius: 8px; padding: 12px 16px;
        min-width: 150px; }
.card b { display: block; font-size: 22px; margin-top: 4px; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #d9dde3; padding: 6px 10px; text-align: left; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.charts figure { background: #fff; border: 1px solid #d9dde3; border-radius: 8px; margin: 0;
                 padding: 8px; min-width: 320px; }
.muted { color: #667085; font-size: 12px; }
"""
REASONS = {
    "asked": "客户要求",
    "misunderstood": "连续未理解",
    "complaint": "投诉",
    "unsatisfied": "评价不满意",
    "unrecorded": "未记录",
}


def bar_chart(title: str, counts: Mapping[str, int | float]) -> str:
    """An SVG bar chart, or a line saying there is nothing to draw."""
    if not counts:
        caption = f"<figcaption>{html.escape(title)}</figcaption>"
        return f"<figure>{caption}<p class=muted>无数据</p></figure>"
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    plt.rcParams["svg.fonttype"] = "none"  # text stays text: the browser draws the glyphs
    figure, axis = plt.subplots(figsize=(5, 2.8))
    labels = [str(label) for label in counts]
    axis.bar(labels, list(counts.values()), color="#1565c0")
    axis.set_title(title)
    axis.grid(axis="y", alpha=0.3)
    axis.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: whole numbers
    axis.tick_params(axis="x", labelrotation=30 if len(labels) > 4 else 0)
    buffer = io.StringIO()
    with warnings.catch_warnings():  # matplotlib's own fonts lack CJK; the browser has them
        warnings.simplefilter("ignore", UserWarning)
        figure.tight_layout()
        figure.savefig(buffer, format="svg")
    plt.close(figure)
    svg = buffer.getvalue()
    return f"<figure>{svg[svg.index('<svg') :]}</figure>"


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return "<p class=muted>无</p>"
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def render(report: dict[str, Any]) -> str:
    period = report["period"]
    cards = [
        ("会话数", report["conversations"]),
        ("客户消息数", report["customer_messages"]),
        ("自助解决率", _percent(report["containment_rate"])),
        ("转人工率", _percent(report["handoff_rate"])),
        ("未理解率", _percent(report["fallback_rate"])),
        ("未理解后离开", _percent(report["abandonment_rate"])),
        ("无人值守的转人工请求", report["unstaffed_requests"]),
    ]
    reasons = {REASONS.get(k, k): v for k, v in report["handoffs_by_reason"].items()}
    charts = [
        bar_chart("每日会话", report["by_day"]),
        bar_chart("渠道", report["by_channel"]),
        bar_chart("转人工原因", reasons),
        bar_chart("投诉类别", report["complaints_by_category"]),
    ]
    top = [[q["title"], q["count"]] for q in report["top_questions"]]
    missed = [
        [
            m["text"],
            m["count"],
            "；".join(f"{g['title']} ({g['confidence']})" for g in m["guesses"]),
        ]
        for m in report["misunderstood"]
    ]
    csat = report["csat"]
    since, until = html.escape(period["since"]), html.escape(period["until"])
    card_html = "".join(
        f"<div class=card>{html.escape(name)}<b>{html.escape(str(value))}</b></div>"
        for name, value in cards
    )
    rated = (
        f"邀请评价 {csat['asked']} 次，回复 {csat['answered']} 次：满意 {csat['satisfied']}，"
        f"一般 {csat['neutral']}，不满意 {csat['unsatisfied']}"
        f"（满意率 {csat['satisfaction_rate']:.0%}）。"
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>客服助手运行报告</title>
<style>{STYLE}</style></head><body>
<h1>客服助手运行报告</h1>
<p class=muted>{since} — {until}；号码等个人信息已隐去</p>
<div class=cards>{card_html}</div>
<h2>图表</h2><div class=charts>{"".join(charts)}</div>
<h2>热门问题</h2>{_table(["问题", "次数"], top)}
<h2>未理解的消息（待复核）</h2>{_table(["客户原话", "次数", "助手的猜测"], missed)}
<h2>满意度</h2><p>{rated}</p>
</body></html>
"""
