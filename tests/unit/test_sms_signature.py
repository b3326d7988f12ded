"""Only the gateway, holding the shared secret, can post messages, and only recently."""

import json

from bot.channels.sms.signature import REPLAY_WINDOW_S, is_authentic, sign, signed_headers

SECRET = "shared-secret"
BODY = json.dumps({"msg_id": "m1", "from": "13800138000", "text": "查余额"}).encode()
NOW = 1_800_000_000.0


def test_a_signed_body_is_authentic() -> None:
    headers = signed_headers(SECRET, BODY, now=NOW)
    assert is_authentic(SECRET, headers["X-Timestamp"], headers["X-Signature"], BODY, now=NOW)


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), b"1800000000." + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, "1800000000", BODY) == expected


def test_another_secret_a_changed_body_or_no_signature_is_refused() -> None:
    headers = signed_headers("another", BODY, now=NOW)
    timestamp, signature = headers["X-Timestamp"], headers["X-Signature"]
    assert not is_authentic(SECRET, timestamp, signature, BODY, now=NOW)
    good = signed_headers(SECRET, BODY, now=NOW)["X-Signature"]
    assert not is_authentic(SECRET, timestamp, good, BODY.replace(b"m1", b"m2"), now=NOW)
    assert not is_authentic(SECRET, timestamp, None, BODY, now=NOW)
    assert not is_authentic(SECRET, None, good, BODY, now=NOW)
    assert not is_authentic(SECRET, "not-a-number", good, BODY, now=NOW)
    assert not is_authentic("", timestamp, sign("", timestamp, BODY), BODY, now=NOW)


def test_a_timestamp_outside_five_minutes_is_refused_either_way() -> None:
    for offset, accepted in ((REPLAY_WINDOW_S, True), (REPLAY_WINDOW_S + 1, False)):
        for sent_at in (NOW - offset, NOW + offset):
            headers = signed_headers(SECRET, BODY, now=sent_at)
            result = is_authentic(
                SECRET, headers["X-Timestamp"], headers["X-Signature"], BODY, now=NOW
            )
            assert result is accepted
