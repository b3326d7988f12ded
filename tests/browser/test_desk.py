"""The agent desk's page (bot/handoff/static/desk.html) in a real browser against the real
assistant: a customer on the REST channel asks for a human, an agent takes the conversation
over on the page, answers with the assistant's suggestion, notes it and hands it back.

Chromium from Debian (/usr/bin/chromium) driven by Playwright's sync API, as for the web chat
(tests/browser/test_webchat.py): without it the test is skipped, except in CI.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import pytest

from tests.browser.conftest import ANSWER_MS
from tests.conftest import DEMO_PASSWORDS, ROOT, RunningAssistant, texts

with contextlib.suppress(ImportError):  # the `browser` fixture (conftest.py) says why
    from playwright.sync_api import Browser, Page, Request, expect

pytestmark = pytest.mark.server

SCREENSHOT = ROOT / "results" / "browser" / "desk.png"
AGENT = "小王"
ZHANG_WEI = "13800138000"  # bot/accounts/seed.yml: 张伟, plan changxiang58 (全球通畅享58元套餐)
TITLE = "人工坐席工作台"


@pytest.fixture
def desk(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """The desk page on an agent's laptop screen, not yet logged in; confirm() dialogs are
    accepted. Logged out at the end, so that the agent does not stay online for other tests."""
    # Asked for here, not as an argument: pytest would start the (session-scoped) assistant
    # before the (module-scoped) browser, and so before knowing that the test is skipped.
    assistant: RunningAssistant = request.getfixturevalue("assistant")
    assistant.unlock_demo_accounts()
    assistant.restore_demo_cailing()
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, device_scale_factor=1, locale="zh-CN"
    )
    context.set_default_timeout(ANSWER_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{assistant.desk_url}/")
    yield page
    if page.locator("#logout").is_visible():
        with page.expect_request(is_presence):
            page.click("#logout")
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def is_presence(request: Request) -> bool:
    """The page's heartbeat (or its goodbye at logout)."""
    return request.method == "POST" and request.url.endswith("/api/presence")


def queued(assistant: RunningAssistant) -> list[dict]:
    """The conversations waiting for an agent, from the agent API."""
    handoffs = assistant.agent("GET", "/api/handoffs").json()["handoffs"]
    return [handoff for handoff in handoffs if handoff["status"] == "queued"]


def log_in(page: Page, assistant: RunningAssistant) -> None:
    """Logs in as AGENT; returns once the page's first heartbeat made the agent online."""
    page.fill("#login-token", assistant.agent_token)
    page.fill("#login-agent", AGENT)
    with page.expect_response(
        lambda response: is_presence(response.request) and response.ok
    ) as beat:
        page.click("#login-button")
    assert AGENT in beat.value.json()["online"]
    expect(page.locator("#online-count")).to_contain_text(re.compile(r"在线坐席：[1-9]"))


def verified_customer_asks_for_a_human(assistant: RunningAssistant, sender: str) -> None:
    assert "手机号码" in texts(assistant.say(sender, "查一下我的话费余额"))
    assert "服务密码" in texts(assistant.say(sender, ZHANG_WEI))
    assert "验证成功" in texts(assistant.say(sender, DEMO_PASSWORDS[ZHANG_WEI]))
    assert "元" in texts(assistant.say(sender, "彩铃怎么收费"))
    assert "排在第" in texts(assistant.say(sender, "转人工"))


def test_an_agent_answers_with_a_suggestion_notes_and_hands_back(
    desk: Page, assistant: RunningAssistant, sender: str
) -> None:
    page = desk
    log_in(page, assistant)
    before = len(queued(assistant))
    verified_customer_asks_for_a_human(assistant, sender)

    # The queue: the title counts the waiting conversations, the new one has a row.
    expect(page).to_have_title(re.compile(rf"^\({before + 1}\) {TITLE}$"))
    handoff = next(h for h in queued(assistant) if h["sender"] == sender)
    row = page.locator(f'#queue tr[data-id="{handoff["id"]}"]')
    expect(row).to_contain_text("138****8000")
    expect(row).to_contain_text("要求人工")
    row.click()
    page.click("#claim")
    expect(page.locator("#conv-status")).to_have_text("已接入")
    expect(page.locator("#reply-text")).to_be_enabled()
    expect(page).to_have_title(f"({before}) {TITLE}" if before else TITLE)

    # Why, who: the reason and the customer card.
    expect(page.locator("#reason")).to_contain_text("客户要求人工")
    card = page.locator("#customer-card")
    expect(card).to_contain_text("张")
    expect(card).to_contain_text("畅享58")
    expect(card).to_contain_text("58.00元")

    # The assistant's suggestion about 彩铃, inserted into the reply box and sent.
    suggestion = (
        page.locator("#suggestions .suggestion")
        .filter(has=page.locator(".text", has_text="彩铃"))
        .first
    )
    expect(suggestion).to_be_visible()
    answer = (suggestion.locator(".text").text_content() or "").strip()
    assert answer
    suggestion.locator(".insert").click()
    expect(page.locator("#reply-text")).to_have_value(answer)
    page.click("#send")
    expect(page.locator("#reply-text")).to_have_value("")
    expect(page.locator("#messages .author-agent").last).to_contain_text(answer)

    # An internal note, for agents only.
    note = "客户咨询彩铃资费，已按建议答复"
    page.fill("#note-text", note)
    page.click("#add-note")
    expect(page.locator("#notes .note").filter(has_text=note)).to_have_count(1)
    expect(page.locator("#notes .note").filter(has_text=note)).to_contain_text(AGENT)
    expect(page.locator("#note-text")).to_have_value("")

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 20_000

    page.click("#hand-back")  # confirm() accepted by the fixture
    expect(page.locator("#conv-status")).to_have_text("已交还机器人")
    expect(page.locator("#notice")).to_contain_text("已交还机器人")

    # The REST customer gets the agent's words, then the notice, with their next message.
    replies = [message.get("text") or "" for message in assistant.say(sender, "好的，谢谢")]
    signed = f"人工客服{AGENT}：{answer}"
    assert signed in replies, replies
    notice = next(i for i, text in enumerate(replies) if "人工客服已结束本次服务" in text)
    assert replies.index(signed) < notice, replies
