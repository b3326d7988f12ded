"""The operator page (bot/ops/static/ops.html) in a real browser against an assistant of its
own: the figures of what was played, and a misunderstood message assigned from the review
queue into the training data."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import ANSWER_MS
from tests.conftest import ROOT, RunningAssistant, start_assistant, texts

with contextlib.suppress(ImportError):  # the `browser` fixture (conftest.py) says why
    from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.server

SCREENSHOT = ROOT / "results" / "browser" / "ops.png"
OPS_TOKEN = "ops-" + uuid.uuid4().hex
MISSED = "zxcv bnm"


@pytest.fixture
def console(browser: Browser, tmp_path: Path) -> Iterator[tuple[Page, RunningAssistant, Path]]:
    reviewed = tmp_path / "reviewed.yml"
    assistant = start_assistant(
        tmp_path / "run.log",
        extra_env={"OPS_TOKEN": OPS_TOKEN, "REVIEWED_NLU_FILE": str(reviewed)},
    )
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    context.set_default_timeout(ANSWER_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page, assistant, reviewed
    finally:
        context.close()
        assistant.stop()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_an_operator_sees_the_figures_and_assigns_a_missed_message(
    console: tuple[Page, RunningAssistant, Path],
) -> None:
    page, assistant, reviewed = console
    assert "6元" in texts(assistant.say("c1", "彩铃怎么收费"))
    for sender in ("c2", "c3"):
        assistant.say(sender, MISSED)

    page.goto(f"{assistant.desk_url}/ops")
    page.fill("#login-token", OPS_TOKEN)
    page.fill("#login-name", "小张")
    page.click("#login-button")
    expect(page.locator('.figure[data-name="会话数"] b')).to_have_text("3")
    expect(page.locator('.figure[data-name="未理解率"] b')).to_have_text("66.7%")
    row = page.locator("#queue tr.review").filter(has_text=MISSED)
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text("2")  # two customers, one group
    row.locator("select.target").select_option("out_of_scope")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    row.locator("button.assign").click()
    expect(page.locator("#notice")).to_contain_text(f"已写入训练数据：{MISSED}")
    expect(page.locator("#queue tr.review").filter(has_text=MISSED)).to_have_count(0)
    assert f"- intent: out_of_scope\n  examples: |\n    - {MISSED}" in reviewed.read_text()
