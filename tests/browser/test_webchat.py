"""The customers' chat page (`/webchat`) in a real browser against the real assistant.

Chromium from Debian (/usr/bin/chromium) driven by Playwright's sync API; the page talks to
the Rasa server over its socket.io channel. `make test` installs Chromium and a CJK font when
it runs as root (bot/cli/browser_deps.py); without them the tests are skipped, except in CI,
where they must run.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import ANSWER_MS
from tests.conftest import ROOT, RunningAssistant

with contextlib.suppress(ImportError):  # the `browser` fixture (conftest.py) says why
    from playwright.sync_api import Browser, Locator, Page, expect

pytestmark = pytest.mark.server

SCREENSHOT = ROOT / "results" / "browser" / "webchat.png"
RECONNECT_MS = 20_000
GREETING_BUTTONS = ["在售套餐", "流量超出怎么收费", "彩铃资费", "过户要什么材料"]


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A new customer on a phone: a fresh browser context (empty localStorage)."""
    # Asked for here, not as an argument: pytest would start the (session-scoped) assistant
    # before the (module-scoped) browser, and so before knowing that the test is skipped.
    assistant: RunningAssistant = request.getfixturevalue("assistant")
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="zh-CN"
    )
    context.set_default_timeout(ANSWER_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"http://localhost:{assistant.rasa_port}/webchat")
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def bot_messages(page: Page) -> Locator:
    return page.locator("#messages .msg.bot")


def user_messages(page: Page) -> Locator:
    return page.locator("#messages .msg.user")


def ask(page: Page, text: str, *, enter: bool = False, shown: str | None = None) -> Locator:
    """Types `text` and sends it; returns the bot's first message after it. `shown` is what
    the customer's bubble shows, when not the text itself."""
    before = bot_messages(page).count()
    page.fill("#input", text)
    if enter:
        page.press("#input", "Enter")
    else:
        page.click("#send")  # waits until the button is enabled: connected, session confirmed
    expect(user_messages(page).last).to_have_text(shown or text)
    expect(page.locator("#input")).to_have_value("")
    reply = bot_messages(page).nth(before)
    expect(reply).to_be_visible(timeout=ANSWER_MS)
    return reply


def session_id(page: Page) -> Any:
    return page.evaluate("() => localStorage.getItem('chat.session_id')")


def test_questions_and_quick_replies(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("header")).to_contain_text("在线客服")
    # Record whether the typing indicator shows at all: the answer may come within ~20 ms.
    page.evaluate(
        """() => {
          const typing = document.querySelector('[data-testid="typing"]');
          window.typingSeen = false;
          new MutationObserver(() => {
            if (getComputedStyle(typing).display !== 'none') window.typingSeen = true;
          }).observe(typing, {attributes: true});
        }"""
    )
    reply = ask(page, "彩铃怎么收费")
    expect(reply).to_contain_text("元")
    expect(page.get_by_test_id("typing")).to_be_hidden()
    assert page.evaluate("window.typingSeen") is True
    assert re.fullmatch(r"[0-9a-f]{32}", session_id(page) or "")

    greeting = ask(page, "你好", enter=True)
    buttons = greeting.locator(".quick-replies button")
    expect(buttons).to_have_text(GREETING_BUTTONS)
    before = bot_messages(page).count()
    greeting.get_by_role("button", name="流量超出怎么收费").click()
    expect(user_messages(page).last).to_have_text("流量超出怎么收费")
    for button in buttons.all():
        expect(button).to_be_disabled()
    expect(bot_messages(page).nth(before)).to_contain_text(re.compile("元|MB|GB"))

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 20_000


def test_a_reload_keeps_the_conversation(page: Page) -> None:
    expect(ask(page, "彩铃怎么收费")).to_contain_text("元")
    first_id = session_id(page)
    shown = page.locator("#messages .msg").all_inner_texts()
    assert len(shown) == 2

    page.reload()
    expect(page.locator("#messages .msg")).to_have_text(shown)
    expect(ask(page, "过户要带什么材料")).to_contain_text("身份证")
    assert session_id(page) == first_id
    expect(page.locator("#messages .msg")).to_have_count(4)


def test_a_dropped_connection_comes_back(page: Page) -> None:
    expect(ask(page, "彩铃怎么收费")).to_contain_text("元")
    first_id = session_id(page)
    banner = page.locator("#connection")

    page.context.set_offline(True)
    # Chromium's offline mode blocks new connections but may leave an open websocket alone;
    # closing the transport is what a dropped network does to it.
    page.evaluate("() => window.chatSocket.io.engine.close()")
    expect(banner).to_contain_text("连接已断开")
    page.fill("#input", "流量超出怎么收费")
    expect(page.locator("#send")).to_be_disabled()
    page.press("#input", "Enter")  # nothing is lost: the text stays in the box
    expect(page.locator("#input")).to_have_value("流量超出怎么收费")

    page.context.set_offline(False)
    expect(banner).to_contain_text("已重新连接", timeout=RECONNECT_MS)
    expect(page.locator("#send")).to_be_enabled()
    page.click("#send")
    expect(user_messages(page).last).to_have_text("流量超出怎么收费")
    expect(bot_messages(page).nth(1)).to_contain_text(re.compile("元|MB|GB"))
    assert session_id(page) == first_id


def test_verified_as_a_demo_customer_without_the_password_on_screen(page: Page) -> None:
    expect(ask(page, "查一下我的话费余额")).to_contain_text("手机号码")
    expect(ask(page, "138 0013 8000")).to_contain_text("服务密码")
    reply = ask(page, "258013", shown="••••••")
    expect(bot_messages(page).last).to_contain_text("56.80元")
    expect(reply).to_contain_text("验证成功")
    stored = page.evaluate("() => JSON.stringify(localStorage)")
    assert "258013" not in page.content() and "258013" not in stored


def test_the_rating_at_the_end_is_a_tap(page: Page) -> None:
    expect(ask(page, "过户要带什么材料")).to_contain_text("身份证")
    ask(page, "再见")
    question = bot_messages(page).filter(has_text="请您对本次服务评价")
    buttons = question.locator(".quick-replies button")
    expect(buttons).to_have_text(["满意", "一般", "不满意"])
    before = bot_messages(page).count()
    question.get_by_role("button", name="满意", exact=True).click()
    expect(user_messages(page).last).to_have_text("满意")  # the title, not the payload
    expect(bot_messages(page).nth(before)).to_contain_text("感谢您的好评")
    shot = SCREENSHOT.with_name("webchat-rating.png")
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
