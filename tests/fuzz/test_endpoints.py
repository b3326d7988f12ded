"""Fuzzing the Rasa server's public endpoints, on the whole assistant (`assistant` fixture):
the REST channel, the SMS bridge's webhook, the web chat page and its static files.

Whatever arrives, the answer is a real HTTP status that is not 500, in the endpoint's format
(JSON for the webhooks), without a traceback or a secret; the SMS webhook answers 401 to
every forged, missing or stale signature, 400 to validly signed garbage and 200 to a validly
signed message; the static files never include one from outside their folder. Afterwards the
assistant still answers.

The crashes this found (Rasa's REST channel on a non-object body, Sanic's error pages on a
malformed Accept or Expect header, Sanic's static files on odd names, the SMS signature and
body checks) were fixed; each has its own regression test below.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import requests
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from bot.channels.sms.signature import REPLAY_WINDOW_S, sign, signed_headers
from tests.conftest import ROOT, RunningAssistant
from tests.fuzz import (
    TIMEOUT_S,
    assert_no_leak,
    bodies,
    encode,
    fuzz_settings,
    header_values,
    hostile_text,
    json_values,
    objects_with,
    odd_headers,
    path_segments,
    raw_url,
)

pytestmark = pytest.mark.server

STATIC_DIR = ROOT / "bot" / "channels" / "webchat" / "static"


def header_text(value: bytes | str | None) -> str | None:
    """A header as the server reads it: UTF-8, undecodable bytes as surrogates, trimmed."""
    if value is None:
        return None
    raw = value.encode() if isinstance(value, str) else value
    return raw.decode("utf-8", "surrogateescape").strip(" \t")


def header(headers: dict[str, Any], name: str) -> str | None:
    value = next((v for k, v in headers.items() if k.lower() == name), None)
    return header_text(value)


def utf8_encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:  # bytes that were not UTF-8, read as lone surrogates
        return False
    return True


HEADERS = odd_headers()
# Refused by Sanic before any route: headers over 8 KiB; an Expect other than 100-continue.
SANIC_REFUSALS = {413, 417}


def secrets_of(assistant: RunningAssistant) -> list[str]:
    return [assistant.sms_webhook_secret, assistant.agent_token]


def post(url: str, body: bytes, headers: dict[str, Any], query: str = "") -> requests.Response:
    with requests.Session() as session:
        return raw_url(session, "POST", url + query, data=body, headers=headers)


def rasa_json(response: requests.Response, secrets: list[str]) -> Any:
    """A webhook's JSON answer, or None for one of Sanic's own error pages. Rasa's server
    leaves Sanic's error format on "auto": a 4xx that Sanic raises (Rasa's REST channel
    refusing a body, SANIC_REFUSALS) is JSON only when the request said JSON, else an HTML
    or text page; either way without a traceback."""
    text = assert_no_leak(response, secrets)
    status = response.status_code
    assert status != 500, f"500: {text[:300]}"
    content_type = response.headers.get("Content-Type", "")
    if status >= 400 and content_type.startswith(("text/html", "text/plain")):
        return None
    assert content_type.startswith("application/json"), (status, text[:300])
    return json.loads(text)


# -- the REST channel ---------------------------------------------------------------------------


REST_BODIES = bodies(
    objects_with(
        {
            "sender": st.one_of(
                st.uuids().map(lambda u: f"fuzz-{u.hex[:12]}"), hostile_text(max_size=30)
            ),
            "message": st.one_of(
                st.sampled_from(["你好", "彩铃怎么收费", "查余额", "转人工", "/greet", "/restart"]),
                hostile_text(),
            ),
            "metadata": json_values(),
            "input_channel": st.sampled_from(["rest", "sms", "socketio", "cmdline"]),
        }
    )
)
REST_QUERIES = st.sampled_from(["", "?stream=false", "?x=%ff%fe", "?sender=other"])


@settings(fuzz_settings, max_examples=120)
@given(body=REST_BODIES, headers=HEADERS, query=REST_QUERIES)
def test_rest_webhook_answers_any_body(
    assistant: RunningAssistant, body: bytes, headers: dict[str, bytes], query: str
) -> None:
    response = post(assistant.rest_url, body, headers, query)
    answer = rasa_json(response, secrets_of(assistant))
    replied = isinstance(answer, list) and bool(answer)
    event(f"REST {response.status_code}{' with replies' if replied else ''}")
    assert response.status_code in {200, 400, *SANIC_REFUSALS}, (response.status_code, answer)
    if response.status_code == 200:
        assert isinstance(answer, list), answer
        assert all(isinstance(m, dict) and "recipient_id" in m for m in answer), answer
    elif response.status_code == 400 and answer is not None:
        assert isinstance(answer, dict) and answer.get("message"), answer


@pytest.mark.parametrize("body", [b"", b"[]", b'"message"', b"1", b"null"])
def test_rest_non_object_body_is_refused_with_400(assistant: RunningAssistant, body: bytes) -> None:
    response = post(assistant.rest_url, body, {"Content-Type": "application/json"})
    assert_no_leak(response, secrets_of(assistant))
    assert response.status_code == 400, response.text


# -- the SMS webhook ----------------------------------------------------------------------------


def sms_url(assistant: RunningAssistant) -> str:
    return f"http://localhost:{assistant.rasa_port}/webhooks/sms/webhook"


def inbound(number: str, text: str, msg_id: str | None = None) -> dict[str, Any]:
    return {
        "msg_id": msg_id or uuid.uuid4().hex,
        "from": number,
        "to": "10086",
        "text": text,
        "timestamp": int(time.time()),
    }


@st.composite
def forged_signatures(draw: st.DrawFn, body: bytes) -> dict[str, bytes | str]:
    """X-Timestamp and X-Signature as a forger, a replayer or a broken client sends them."""
    now = int(time.time())
    stale = draw(st.integers(min_value=REPLAY_WINDOW_S + 10, max_value=10**9))
    timestamp = draw(
        st.one_of(
            st.none(),
            st.just(str(now)),
            st.just(str(now + stale)),
            st.just(str(now - stale)),
            header_values(),
        )
    )
    wrong_secret = draw(st.sampled_from(["", "secret", uuid.uuid4().hex]))
    signature = draw(
        st.one_of(
            st.none(),
            st.just(sign(wrong_secret, str(now), body) if wrong_secret else ""),
            st.just(sign("x", str(now), body + b" ")),
            header_values(),
        )
    )
    headers: dict[str, bytes | str] = {"Content-Type": "application/json"}
    if timestamp is not None:
        headers["X-Timestamp"] = timestamp
    if signature is not None:
        headers["X-Signature"] = signature
    return headers


SMS_GARBAGE = bodies(
    objects_with(
        {
            "msg_id": st.one_of(st.uuids().map(str), st.just("m" * 129), hostile_text()),
            # Never a mobile number: a validly signed message would be answered.
            "from": hostile_text(max_size=20).filter(
                lambda value: sum(char.isdigit() for char in value) < 11
            ),
            "to": st.sampled_from(["10086", ""]),
            "text": hostile_text(),
            "timestamp": st.integers(),
        }
    )
)


@settings(fuzz_settings, max_examples=100)
@given(data=st.data(), body=SMS_GARBAGE)
def test_sms_webhook_refuses_forged_signatures(
    assistant: RunningAssistant, data: st.DataObject, body: bytes
) -> None:
    headers = data.draw(forged_signatures(body))
    timestamp, signature = headers.get("X-Timestamp"), headers.get("X-Signature")
    stamp, forged = header_text(timestamp) or "", header_text(signature) or ""
    if stamp.isdigit():  # the only timestamps the bridge signs with: never the right signature
        assume(forged.lower() != sign(assistant.sms_webhook_secret, stamp, body))
    response = post(sms_url(assistant), body, headers)
    answer = rasa_json(response, secrets_of(assistant))
    if response.status_code not in SANIC_REFUSALS:
        assert response.status_code == 401, (response.status_code, answer)
        assert answer["error"] == "invalid_signature", answer


@settings(fuzz_settings, max_examples=100)
@given(body=SMS_GARBAGE)
def test_sms_webhook_refuses_signed_garbage_with_400(
    assistant: RunningAssistant, body: bytes
) -> None:
    headers = signed_headers(assistant.sms_webhook_secret, body)
    response = post(sms_url(assistant), body, headers)
    answer = rasa_json(response, secrets_of(assistant))
    assert response.status_code == 400, (response.status_code, answer)
    assert isinstance(answer.get("error"), str) and answer.get("message"), answer


@settings(fuzz_settings, max_examples=4)
@given(
    text=st.text(min_size=1, max_size=60),
    number=st.integers(min_value=10**8, max_value=10**9 - 1).map(lambda n: f"15{n}"),
)
def test_sms_webhook_takes_a_signed_message(
    assistant: RunningAssistant, text: str, number: str
) -> None:
    """Kept few: each of these is answered by SMS."""
    body = encode(inbound(number, text))
    headers = signed_headers(assistant.sms_webhook_secret, body)
    response = post(sms_url(assistant), body, headers)
    assert rasa_json(response, secrets_of(assistant)) == {"code": 0}
    again = post(sms_url(assistant), body, signed_headers(assistant.sms_webhook_secret, body))
    assert rasa_json(again, secrets_of(assistant)) == {"code": 0, "duplicate": True}


def test_sms_superscript_timestamp_is_refused(assistant: RunningAssistant) -> None:
    body = b"{}"
    headers = {**signed_headers(assistant.sms_webhook_secret, body), "X-Timestamp": "²".encode()}
    assert post(sms_url(assistant), body, headers).status_code == 401


def test_sms_huge_timestamp_is_refused(assistant: RunningAssistant) -> None:
    body = b"{}"
    headers = {**signed_headers(assistant.sms_webhook_secret, body), "X-Timestamp": "9" * 400}
    assert post(sms_url(assistant), body, headers).status_code == 401


@pytest.mark.parametrize("signature", ["é".encode(), b"\xff\xfe", "签名".encode()])
def test_sms_non_ascii_signature_is_refused(assistant: RunningAssistant, signature: bytes) -> None:
    body = b"{}"
    headers = {**signed_headers(assistant.sms_webhook_secret, body), "X-Signature": signature}
    assert post(sms_url(assistant), body, headers).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 2000 + b"]" * 2000,
        b'{"a":' * 2000 + b"1" + b"}" * 2000,
        b"1" * 5000,
        b'{"msg_id": "m", "from": "13800138000", "text": "x", "timestamp": 1' + b"0" * 5000 + b"}",
    ],
)
def test_sms_signed_body_json_cannot_read_is_a_400(
    assistant: RunningAssistant, body: bytes
) -> None:
    headers = signed_headers(assistant.sms_webhook_secret, body)
    assert post(sms_url(assistant), body, headers).status_code == 400


# -- the web chat page and its static files -----------------------------------------------------

STATIC_FILES = {path.read_bytes() for path in STATIC_DIR.rglob("*") if path.is_file()}


def static_outcome(suffix: str, decoded: bool = True) -> bytes | None:
    """What a safe static handler may serve for /webchat/static/<suffix> (the path decoded
    once, or not at all): the bytes of a file inside the folder, or None (404) for anything
    else: outside the folder, a folder, a file used as a folder, a NUL byte, a name too long."""
    relative = (unquote(suffix) if decoded else suffix).lstrip("/")
    if "\x00" in relative:
        return None
    try:
        resolved = Path(STATIC_DIR, relative).resolve()
        if resolved.is_relative_to(STATIC_DIR.resolve()) and resolved.is_file():
            return resolved.read_bytes()
    except OSError:
        pass
    return None


STATIC_NAMES = st.sampled_from(
    ["chat.js", "chat.css", "index.html", "vendor", "socket.io.min.js", "LICENSE", "..", "."]
)
REAL_FILES = sorted(
    str(path.relative_to(STATIC_DIR)) for path in STATIC_DIR.rglob("*") if path.is_file()
)
STATIC_SUFFIXES = st.one_of(
    # A real file, reached straight, through dot segments, or from outside and back.
    st.builds(
        lambda prefix, name: prefix + name,
        st.sampled_from(
            ["", "./", "%2e/", "vendor/../", "x/..%2F", "../static/", "..%2Fstatic%2F"]
        ),
        st.sampled_from(REAL_FILES),
    ),
    # Anything: names, dot segments, hostile segments, joined by slashes raw or encoded.
    st.lists(st.one_of(STATIC_NAMES, path_segments()), min_size=1, max_size=5).flatmap(
        lambda parts: st.sampled_from(["/", "%2F", "%2f", "//"]).map(lambda sep: sep.join(parts))
    ),
)


@settings(fuzz_settings, max_examples=200)
@given(suffix=STATIC_SUFFIXES, headers=HEADERS)
def test_webchat_static_serves_only_its_own_files(
    assistant: RunningAssistant, suffix: str, headers: dict[str, bytes]
) -> None:
    expected = static_outcome(suffix)
    url = f"http://localhost:{assistant.rasa_port}/webchat/static/{suffix}"
    with requests.Session() as session:
        response = raw_url(session, "GET", url, headers=headers)
    text = assert_no_leak(response, secrets_of(assistant))
    status = response.status_code
    event(f"static {status}")
    assert status != 500, (suffix, text[:300])
    if status == 200:
        assert response.content in STATIC_FILES, suffix  # nothing from outside the folder
    if status == 200:
        assert response.content in {expected, static_outcome(suffix, decoded=False)}, suffix
    elif status not in SANIC_REFUSALS:
        assert status in {400, 404}, (suffix, status)
        assert suffix not in REAL_FILES, suffix  # a file named plainly is always served


@pytest.mark.parametrize("suffix", ["", "vendor", "vendor/", ".", "chat.js/x", "%00", "a" * 300])
def test_webchat_static_odd_names_are_a_404(assistant: RunningAssistant, suffix: str) -> None:
    url = f"http://localhost:{assistant.rasa_port}/webchat/static/{suffix}"
    with requests.Session() as session:
        response = raw_url(session, "GET", url)
    assert_no_leak(response, secrets_of(assistant))
    assert response.status_code == 404


@settings(fuzz_settings, max_examples=30)
@given(query=st.one_of(st.just(""), path_segments().map(lambda q: "?q=" + q)), headers=HEADERS)
def test_webchat_page_whatever_the_query(
    assistant: RunningAssistant, query: str, headers: dict[str, bytes]
) -> None:
    url = f"http://localhost:{assistant.rasa_port}/webchat{query}"
    with requests.Session() as session:
        response = raw_url(session, "GET", url, headers=headers)
    assert_no_leak(response, secrets_of(assistant))
    if response.status_code not in SANIC_REFUSALS:
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("accept", [b"text/html; q=abc", b";", b"\x00", b"*/*;q=x"])
@pytest.mark.parametrize(
    ("path", "body", "status"),
    [("/webchat/static/nope.js", None, 404), ("/webhooks/rest/webhook", b"not json", 400)],
)
def test_a_malformed_accept_header_keeps_the_error_status(
    assistant: RunningAssistant, accept: bytes, path: str, body: bytes | None, status: int
) -> None:
    url = f"http://localhost:{assistant.rasa_port}{path}"
    response = requests.request(
        "GET" if body is None else "POST",
        url,
        data=body,
        headers={"Accept": accept},
        timeout=TIMEOUT_S,
    )
    assert response.status_code == status, response.text[:100]


@pytest.mark.parametrize("path", ["/webhooks/rest/webhook", "/webhooks/sms/webhook"])
def test_a_non_utf8_expect_header_is_a_417(assistant: RunningAssistant, path: str) -> None:
    url = f"http://localhost:{assistant.rasa_port}{path}"
    response = requests.post(url, data=b"{}", headers={"Expect": b"\x80"}, timeout=TIMEOUT_S)
    assert response.status_code == 417, response.text[:100]


# -- afterwards ---------------------------------------------------------------------------------


def test_the_assistant_still_answers_after_fuzzing(assistant: RunningAssistant) -> None:
    base = f"http://localhost:{assistant.rasa_port}"
    for health in ("/webhooks/rest/", "/webhooks/sms/"):
        assert requests.get(base + health, timeout=TIMEOUT_S).json() == {"status": "ok"}
    replies = assistant.say(f"after-fuzz-{uuid.uuid4().hex[:8]}", "彩铃怎么收费")
    assert any("6元" in (reply.get("text") or "") for reply in replies), replies
    assert requests.get(base + "/webchat", timeout=TIMEOUT_S).status_code == 200
