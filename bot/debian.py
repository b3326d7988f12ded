"""Installs Debian packages with apt-get, for the tools that set up what the machine lacks.

Standard library only: it runs before anything else is known to work. Only root can install:
for anyone else `install_packages` returns False at once, and callers say what to install.
"""

from __future__ import annotations

import os
import subprocess
import sys

from bot import settings

APT_TIMEOUT_S = 900


def apt_get(*args: str) -> bool:
    """One non-interactive `apt-get ARGS`; True when it succeeded. Its output goes to ours."""
    env = {**settings.environment(), "DEBIAN_FRONTEND": "noninteractive"}
    try:
        done = subprocess.run(
            ["apt-get", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
            timeout=APT_TIMEOUT_S,
        )
    except (OSError, subprocess.SubprocessError) as error:
        print(f"[debian] apt-get {args[0]} failed: {error}", file=sys.stderr)
        return False
    return done.returncode == 0


def install_packages(packages: list[str]) -> bool:
    """`apt-get install -y --no-install-recommends PACKAGES`; on failure (a fresh machine has
    no package lists yet, or stale ones) `apt-get update` and one more try. True when
    installed."""
    if os.geteuid() != 0:
        return False
    command = ("install", "-y", "--no-install-recommends", *packages)
    if apt_get(*command):
        return True
    return apt_get("update") and apt_get(*command)
