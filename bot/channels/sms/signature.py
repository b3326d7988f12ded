"""How the SMS gateway signs what it posts to us, shared by the bridge and the mock gateway.

X-Signature is hex HMAC-SHA256(secret, X-Timestamp + "." + raw body); X-Timestamp is unix
seconds, and a timestamp further than `REPLAY_WINDOW_S` from our clock is refused so that a
captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time

REPLAY_WINDOW_S = 300


def sign(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    return {
        "Content-Type": "application/json",
        "X-Timestamp": timestamp,
        "X-Signature": sign(secret, timestamp, body),
    }


def is_authentic(
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float | None = None,
) -> bool:
    """True only for a correct signature over a timestamp inside the replay window."""
    if not secret or not timestamp or not signature:
        return False
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > REPLAY_WINDOW_S:
        return False
    given = signature.strip().lower()
    return given.isascii() and hmac.compare_digest(sign(secret, timestamp, body), given)
