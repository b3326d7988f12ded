"""Free loopback ports, for the benchmark and the tests that start our processes."""

from __future__ import annotations

import socket

SEARCH_ATTEMPTS = 50


def free_port() -> int:
    """A port nothing listens on now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def consecutive_free_ports(count: int) -> int:
    """The first of `count` free ports in a row (`make run-prod`'s RASA_PROCESS_PORT)."""
    for _ in range(SEARCH_ATTEMPTS):
        first = free_port()
        if first + count <= 65536 and all(is_free(first + n) for n in range(1, count)):
            return first
    raise RuntimeError(f"no {count} consecutive free ports after {SEARCH_ATTEMPTS} tries")
