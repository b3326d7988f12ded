"""What the browser test needs from the machine: Debian's Chromium and a Chinese font.

    python -m bot.cli.browser_deps

`make test` runs this before pytest. Both present: silent, exit 0. Missing and running as
root: installs them with apt-get and says so. Missing otherwise: one line saying the browser
test will be skipped (CI fails it instead), exit 0. Standard library only: it runs before
anything else is known to work.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from bot.debian import install_packages

CHROMIUM = Path("/usr/bin/chromium")
PACKAGES = ["chromium", "fonts-wqy-microhei"]


def has_cjk_font() -> bool:
    """A font that covers Chinese, as fontconfig sees it (`fc-list :lang=zh`)."""
    if shutil.which("fc-list") is None:
        return False
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(listed.stdout.strip())


def missing() -> list[str]:
    """What is missing, in words."""
    gaps = []
    if not CHROMIUM.exists():
        gaps.append(f"{CHROMIUM}")
    if not has_cjk_font():
        gaps.append("a Chinese font (fc-list :lang=zh is empty)")
    return gaps


def install() -> bool:
    return install_packages(PACKAGES)


def main() -> int:
    gaps = missing()
    if not gaps:
        return 0
    if os.geteuid() != 0:
        print(
            f"[browser-deps] the browser test will be skipped: missing {' and '.join(gaps)}; "
            f"as root: apt-get install {' '.join(PACKAGES)}"
        )
        return 0
    print(f"[browser-deps] missing {' and '.join(gaps)}: apt-get install {' '.join(PACKAGES)}")
    if install() and not missing():
        print("[browser-deps] installed: the browser test will run")
    else:
        # pytest then skips the browser test, or fails it in CI with the reason.
        print(f"[browser-deps] still missing {' and '.join(missing())}: see apt-get's output above")
    return 0


if __name__ == "__main__":
    sys.exit(main())
