"""Property-based fuzzing of every public HTTP endpoint (issue 7).

What every answer must be, whatever was sent: a real HTTP status that is not 500, a body in
the endpoint's documented format (JSON for the APIs), no Python traceback, no secret echoed.
The strategies below make the hostile input: arbitrary Unicode, huge strings and bodies,
malformed JSON (truncated, wrong types, deeply nested, non-object top level, invalid UTF-8,
lone surrogates), odd headers and forged tokens.

The requests go out with `requests`, synchronously, one per example. `raw_url` keeps a path
exactly as written (requests would resolve "../" and decode "%2e" on its own).
"""

from __future__ import annotations

import json
import os
import string
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

TIMEOUT_S = 30
TRACEBACK_MARKERS = ("Traceback", 'File "')
MB = 1024 * 1024
NOT_FUZZED_HEADERS = {"authorization", "content-length", "transfer-encoding", "connection"}
BLANKS = b" \t\n\r\x0b\x0c"  # what requests refuses at the start of a header value

# Every property: no deadline (a request to a real server), and big inputs are built from a
# small draw, so the health checks about data size do not apply.
# In CI the same examples every run, so that a red build can be replayed; locally new ones.
fuzz_settings = settings(
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


# -- the answers --------------------------------------------------------------------------------


def assert_no_leak(response: requests.Response, secrets: Iterable[str] = ()) -> str:
    """The body as text; fails if it shows a traceback or any of the secrets."""
    text = response.content.decode("utf-8", "replace")
    for marker in TRACEBACK_MARKERS:
        assert marker not in text, f"{response.status_code}: traceback in the body: {text[:500]}"
    for secret in secrets:
        assert secret not in text, f"{response.status_code}: a secret is echoed back"
        assert secret not in str(response.headers), "a secret is echoed in the headers"
    return text


def json_answer(
    response: requests.Response,
    secrets: Iterable[str] = (),
    allowed_5xx: Iterable[str] = (),
) -> Any:
    """The decoded JSON of an answer of our services. Never a 500 or any other 5xx unless its
    `error` is one the API documents (`allowed_5xx`); an error is `{"error": str, …}`."""
    text = assert_no_leak(response, secrets)
    status = response.status_code
    content_type = response.headers.get("Content-Type", "")
    assert content_type.startswith("application/json"), f"{status} {content_type}: {text[:300]}"
    body = json.loads(text)
    if status >= 400:
        assert isinstance(body, dict) and isinstance(body.get("error"), str), (status, body)
        assert body["error"] != "internal", f"{status}: an internal error: {body}"
    if status >= 500:
        assert body["error"] in set(allowed_5xx), f"{status}: {body}"
    assert 200 <= status < 600, status
    return body


def raw_url(session: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
    """`url` sent exactly as written: no dot-segment removal, no re-quoting."""
    prepared = session.prepare_request(requests.Request(method, url, **kwargs))
    prepared.url = url
    return session.send(prepared, timeout=TIMEOUT_S, allow_redirects=False)


# -- hostile values ------------------------------------------------------------------------------

# Strings that have broken parsers, routers, loggers and SQL before.
NASTY_STRINGS = [
    "",
    " ",
    "\x00",
    "\t\n\r",
    "../../../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f",
    "%00",
    "%",
    "%zz",
    "'; DROP TABLE accounts; --",
    '" OR 1=1 --',
    "<script>alert(1)</script>",
    "{{7*7}}${7*7}",
    "${jndi:ldap://127.0.0.1/x}",
    "\u202e\u200b\ufeff",
    "😀👨‍👩‍👧𝕏",
    "１３８００１３８０００",
    "١٢٣٤٥٦",
    "²³",
    "13800138000",
    "+8613800138000",
    "sms:13800138000",
    "/restart",
    '/faq{"x": 1}',
    "NaN",
    "-0",
    "1e999",
    "9" * 400,
    "null",
    "true",
    "彩铃怎么收费",
    "查余额",
]

BIG_SIZES = [10_000, 100_000]


def hostile_text(max_size: int = 40, huge: bool = True) -> st.SearchStrategy[str]:
    """Arbitrary Unicode (any plane, control characters), the nasty strings, lone surrogates,
    and (with `huge`) strings of 10,000 and 100,000 characters."""
    huge_text = st.builds(lambda char, n: char * n, st.characters(), st.sampled_from(BIG_SIZES))
    # A lone surrogate is no character (st.text never makes one), yet JSON can escape it.
    surrogate = st.builds(
        lambda before, lone, after: before + lone + after,
        st.text(max_size=4),
        st.sampled_from(["\ud800", "\udbff", "\udc80", "\udfff"]),
        st.text(max_size=4),
    )
    return st.one_of(
        st.text(max_size=max_size),
        st.sampled_from(NASTY_STRINGS),
        st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=max_size),
        surrogate,
        *([huge_text] if huge else []),
    )


def json_values(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Any JSON value, of any type, nested a little; numbers huge, NaN and infinite too."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from([10**30, -(10**30), 2**63, -(2**63) - 1]),
        st.floats(allow_nan=True, allow_infinity=True),
        hostile_text(),
    )
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.text(max_size=8), children, max_size=4),
        ),
        max_leaves=max_leaves,
    )


def objects_with(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object with every one of `fields` (of the right type, hostile values) and maybe
    an extra key; or with some of them, each of the right or any other type."""
    complete = st.fixed_dictionaries(fields, optional={"extra": json_values()})
    partial = st.fixed_dictionaries(
        {},
        optional={
            **{name: st.one_of(strategy, json_values()) for name, strategy in fields.items()},
            "extra": json_values(),
        },
    )
    return st.one_of(complete, partial)


def encode(value: Any) -> bytes:
    """JSON as UTF-8; a lone surrogate goes out as the (invalid) bytes it would be."""
    return json.dumps(value, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")


def encode_escaped(value: Any) -> bytes:
    """JSON in ASCII: every other character, lone surrogates too, as a \\u escape."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode()


def _truncated(data: bytes, cut: int) -> bytes:
    return data[: cut % max(1, len(data))]


def malformed_json(objects: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Bytes that are almost, or not at all, the JSON object an endpoint wants."""
    encoded = objects.map(encode)
    return st.one_of(
        st.builds(_truncated, encoded, st.integers(min_value=0)),  # cut anywhere
        st.builds(lambda data, junk: data + junk, encoded, st.binary(min_size=1, max_size=8)),
        st.builds(lambda data: b"\xef\xbb\xbf" + data, encoded),  # a BOM
        st.builds(lambda value: encode_escaped(value).decode().encode("utf-16"), objects),
        st.binary(max_size=64),
    )


# Bodies that broke JSON parsing somewhere before.
BREAKERS = [
    b"[" * 2000 + b"]" * 2000,  # deeper than Python's parser goes (RecursionError)
    b"[" * 50_000,
    b'{"a":' * 2000 + b"1" + b"}" * 2000,
    b'{"text": "\\ud800"}',  # a lone surrogate, escaped
    b'{"sender": "\\udfff", "text": "\\ud800", "agent": "\\ud800"}',
    b'{"text": "\xed\xa0\x80"}',  # and as raw (invalid) UTF-8
    b'{"text": "\xff\xfe"}',
    b'{"a": 1, "a": 2}',
    b"{'single': 'quotes'}",
    b'{"a": NaN, "b": Infinity, "c": -Infinity}',
    b'{"n": 1' + b"0" * 5000 + b"}",  # longer than Python's int parsing limit
    b"\x00" * 16,
    b"{" * 3,
    b"",
]


def non_object_json() -> st.SearchStrategy[bytes]:
    """Well-formed JSON whose top level is not an object."""
    return st.one_of(
        json_values().filter(lambda value: not isinstance(value, dict)).map(encode),
        st.sampled_from([b"[]", b"null", b"0", b'""', b"true"]),
    )


def huge_bodies() -> st.SearchStrategy[bytes]:
    """About a megabyte: one long JSON string field, or just bytes."""
    return st.one_of(
        st.builds(lambda char: b'{"text": "' + char.encode() * MB + b'"}', st.sampled_from("x长")),
        st.builds(lambda byte: bytes([byte]) * MB, st.integers(0, 255)),
    )


def bodies(objects: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Every kind of request body, most of them almost right."""
    return st.one_of(
        objects.map(encode),
        objects.map(encode_escaped),
        malformed_json(objects),
        st.sampled_from(BREAKERS),
        non_object_json(),
        huge_bodies(),
    )


def header_values() -> st.SearchStrategy[bytes]:
    """What a header may carry on the wire: any bytes but CR, LF and leading blanks; huge ones
    too (over Sanic's 8 KiB of headers)."""
    value_bytes = st.binary(max_size=64).map(
        lambda raw: raw.replace(b"\r", b"").replace(b"\n", b"").lstrip(BLANKS)
    )
    text = (
        hostile_text(max_size=24, huge=False)
        .map(lambda s: s.encode("utf-8", "surrogatepass").replace(b"\r", b"").replace(b"\n", b""))
        .map(lambda raw: raw.lstrip(BLANKS))
    )
    special = st.sampled_from(
        [
            *(b"100-continue", b"*/*", b"gzip, br", b"bytes=0-0,5-", b"\x00", b"\xff\xfe"),
            *(b"a" * 7000, b"b" * 70_000),  # over Sanic's 8 KiB of headers
        ]
    )
    return st.one_of(value_bytes, text, special)


def bearer_headers(token: str) -> st.SearchStrategy[dict[str, bytes]]:
    """Forged credentials: none, another scheme, a wrong, empty, huge or non-ASCII token, the
    right one with something added, and arbitrary bytes."""
    forged = st.one_of(
        st.sampled_from(
            [
                b"",
                b"Bearer",
                b"Bearer ",
                f"Basic {token}".encode(),
                token.encode(),
                f"Bearer {token}x".encode(),
                f"Bearer {token[:-1]}".encode(),
                f"Bearer  {token.upper()}".encode(),
                "Bearer 令牌".encode(),
                b"Bearer \xff\xfe\xfd",
                b"Bearer " + b"A" * 7000,
                b"Bearer " + b"A" * 70_000,
            ]
        ),
        header_values().map(lambda value: b"Bearer " + value),
        header_values(),
    )
    return st.one_of(st.just({}), forged.map(lambda value: {"Authorization": value}))


def path_segments() -> st.SearchStrategy[str]:
    """One path segment as it goes on the wire: percent-encoded Unicode (slashes too),
    dot segments, raw and double-encoded, very long."""
    encoded = hostile_text(max_size=24, huge=False).map(
        lambda s: quote(s.encode("utf-8", "surrogatepass"), safe="")
    )
    return st.one_of(
        encoded,
        encoded.map(lambda s: s.replace("%", "%25")),  # encoded twice
        st.sampled_from(
            [
                "..",
                ".",
                "%2e%2e",
                "%2E%2E%2F%2E%2E",
                "..%2F..%2F..%2Fetc%2Fpasswd",
                "..%5C..%5Cwindows",
                "%2F",
                "%00",
                "%ff%fe",
                "%ED%A0%80",
                "%E4%BD%A0%E5%A5%BD",
                "~",
                "a" * 300,
                "b" * 20_000,
            ]
        ),
    )


def odd_headers() -> st.SearchStrategy[dict[str, bytes]]:
    """Headers a client should not send, or not like this: content types that lie, huge
    cookies, a foreign Host, arbitrary names and values."""
    names = st.one_of(
        st.sampled_from(
            [
                "Content-Type",
                "Accept",
                "Accept-Encoding",
                "Content-Encoding",
                "Host",
                "User-Agent",
                "Cookie",
                "Origin",
                "Referer",
                "X-Forwarded-For",
                "X-Request-Id",
                "Range",
                "If-Modified-Since",
                "Expect",
            ]
        ),
        st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=20),
    ).filter(lambda name: name.lower() not in NOT_FUZZED_HEADERS)
    content_types = st.sampled_from(
        [
            b"application/json",
            b"application/json; charset=latin-1",
            b"text/plain",
            b"multipart/form-data; boundary=x",
            b"application/x-www-form-urlencoded",
            b"",
        ]
    )
    return st.one_of(
        st.just({}),
        st.fixed_dictionaries({"Content-Type": content_types}),
        st.dictionaries(names, header_values(), max_size=3),
    )


def query_strings() -> st.SearchStrategy[str]:
    pairs = st.lists(
        st.tuples(hostile_text(max_size=10), hostile_text(max_size=20)).map(
            lambda kv: "=".join(quote(s.encode("utf-8", "surrogatepass")[:5000]) for s in kv)
        ),
        max_size=3,
    )
    return st.one_of(
        st.just(""),
        pairs.map(lambda items: "?" + "&".join(items)),
        st.sampled_from(["?", "?&&==&", "?a=%ff%fe", "?a=%", "?a" * 50, "?x=" + "y" * 5000]),
    )
