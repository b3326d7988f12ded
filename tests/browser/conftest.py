"""The browser the page tests share: Debian's Chromium (/usr/bin/chromium) driven by
Playwright's sync API. `make test` installs Chromium and a CJK font when it runs as root
(bot/cli/browser_deps.py); without them the tests are skipped, except in CI, where they must
run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

try:
    from playwright.sync_api import expect, sync_playwright

    PLAYWRIGHT_ERROR = None
except ImportError as error:  # the `browser` fixture says why it cannot run
    PLAYWRIGHT_ERROR = f"playwright cannot be imported ({error})"

CHROMIUM = Path("/usr/bin/chromium")
# The first answer of a freshly started Rasa server can take a few seconds; later ones ~20 ms.
ANSWER_MS = 30_000


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if PLAYWRIGHT_ERROR:
        return PLAYWRIGHT_ERROR
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing"
    return None


# Module scope, not session: Playwright's sync API keeps its event loop running while it is
# started, and the async tests of the modules after this one need the thread's loop free.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = missing_browser()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test: {reason}", pytrace=False)
        pytest.skip(f"{reason}; `make test` installs it (as root, for Chromium and a CJK font)")
    expect.set_options(timeout=ANSWER_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()
