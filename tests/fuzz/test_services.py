"""Fuzzing our three HTTP services, each a real process on a free port as `make run` starts it:
the account service (docs/account_service_api.md), the agent desk (docs/agent_desk_api.md) and
the mock SMS gateway (docs/sms_gateway_mock.md).

For every route: path segments (Unicode, %-encoded slashes, dot segments, very long), query
strings, bodies (see tests/fuzz/__init__.py), odd headers, and forged tokens. Every answer is
JSON (the desk's page HTML), never a 500 or a traceback, never a token; a guarded route
without its token is a 401 whatever else is wrong. Afterwards each service still answers its
health check and a real call.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import requests
from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.conftest import (
    RunningService,
    free_port,
    running_account_service,
    serving_module,
)
from tests.fuzz import (
    TIMEOUT_S,
    bearer_headers,
    bodies,
    fuzz_settings,
    hostile_text,
    json_answer,
    json_values,
    objects_with,
    odd_headers,
    path_segments,
    query_strings,
    raw_url,
)

DEMO_NUMBERS = ["13800138000", "13900139000", "13700137000", "13600136000"]
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"]


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # "{name}" marks a path segment
    body: st.SearchStrategy[Any] | None = None  # the object it wants, when it takes one


# -- requests -----------------------------------------------------------------------------------


Request = tuple[str, str, bytes | None, dict[str, bytes]]  # method, path?query, body, headers
SEGMENTS = path_segments()
QUERIES = query_strings()
HEADERS = odd_headers()
ANY_OBJECT = json_values().map(lambda value: {"x": value})


def fill(template: str, segments: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[str]:
    """The route's path with each "{name}" drawn from its strategy, or from hostile segments."""
    names = [name for name in segments if "{" + name + "}" in template]
    drawn = st.fixed_dictionaries({name: st.one_of(segments[name], SEGMENTS) for name in names})
    return drawn.map(lambda values: template.format(**values))


def _joined(parts: tuple[str, str, str, bytes | None, dict[str, bytes]]) -> Request:
    method, path, query, body, headers = parts
    return method, path + query, body, headers


def requests_for(
    routes: list[Route], segments: dict[str, st.SearchStrategy[str]]
) -> st.SearchStrategy[Request]:
    """Requests aimed at one of the routes: usually its own method and an almost-right body,
    sometimes anything. (Built once: strategies made inside a draw are slow.)"""
    return st.one_of(
        [
            st.tuples(
                st.sampled_from([route.method] * 3 * len(METHODS) + METHODS),
                fill(route.template, segments),
                QUERIES,
                st.one_of(st.none(), bodies(ANY_OBJECT if route.body is None else route.body)),
                HEADERS,
            ).map(_joined)
            for route in routes
        ]
    )


def body_requests(
    routes: list[Route], segments: dict[str, st.SearchStrategy[str]]
) -> st.SearchStrategy[Request]:
    """Bodies only: each route that takes one, with its own method and well-formed segments."""
    return st.one_of(
        [
            st.tuples(
                st.just(route.method),
                st.fixed_dictionaries(segments).map(
                    lambda values, t=route.template: t.format(**values)
                ),
                st.just(""),
                bodies(route.body),
                st.one_of(st.just({}), HEADERS),
            ).map(_joined)
            for route in routes
            if route.body is not None
        ]
    )


def send(
    base_url: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, bytes] | None = None,
) -> requests.Response:
    """One request on a new connection (a refused one may leave a connection unusable)."""
    with requests.Session() as session:
        return raw_url(session, method, base_url + path, data=body, headers=headers or {})


def answer_of(
    response: requests.Response, method: str, secrets: list[str], allowed_5xx: tuple[str, ...] = ()
) -> Any:
    """The JSON answer; a HEAD answer has no body to check."""
    if method == "HEAD":
        assert response.status_code < 500, response.status_code
        return None
    answer = json_answer(response, secrets, allowed_5xx)
    error = answer.get("error", "") if isinstance(answer, dict) else ""
    event(f"{response.status_code} {error}")  # --hypothesis-show-statistics shows the mix
    return answer


def auth(token: str) -> dict[str, bytes]:
    return {"Authorization": f"Bearer {token}".encode()}


def with_token(headers: dict[str, bytes], token: str) -> dict[str, bytes]:
    return {**headers, **auth(token)}


# -- the account service ------------------------------------------------------------------------

PASSWORDS = st.sampled_from(["258013", "000000", "12345", "1234567", "２５８０１３"])
ACCOUNT_SEGMENTS: dict[str, st.SearchStrategy[str]] = {
    "number": st.sampled_from(DEMO_NUMBERS),
    "month": st.sampled_from(["2026-10", "2026-11", "2026-12", "2025-01", "0000-00", "9999-12"]),
    "code": st.sampled_from(["cailing", "caller_id", "CAILING", "unknown"]),
    "ticket": st.sampled_from(["TS202611220042", "TS", "TS" + "9" * 12]),
}
ACCOUNT_ROUTES = [
    Route("GET", "/v1/catalogue"),
    Route("GET", "/v1/accounts/{number}"),
    Route("GET", "/v1/accounts/{number}/usage"),
    Route("GET", "/v1/accounts/{number}/bills/{month}"),
    Route("GET", "/v1/accounts/{number}/services"),
    Route("POST", "/v1/accounts/{number}/services/{code}"),
    Route("DELETE", "/v1/accounts/{number}/services/{code}"),
    Route(
        "PUT",
        "/v1/accounts/{number}/plan",
        objects_with(
            {"plan": st.sampled_from(["changxiang58", "changxiang88", "shenzhouxing_changting"])}
        ),
    ),
    Route("GET", "/v1/accounts/{number}/transfer-check"),
    Route("POST", "/v1/accounts/{number}/verify", objects_with({"password": PASSWORDS})),
    Route(
        "POST",
        "/v1/tickets",
        objects_with(
            {
                "number": st.sampled_from(DEMO_NUMBERS),
                "category": st.sampled_from(["计费争议", "网络信号", "其他", "其它"]),
                "description": hostile_text(),
                "channel": hostile_text(),
            }
        ),
    ),
    Route("GET", "/v1/tickets/{ticket}"),
    Route("GET", "/v1/accounts/{number}/tickets"),
    Route("GET", "/v1/{anything}"),
]


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    with running_account_service(tmp_path_factory.mktemp("fuzz-accounts")) as running:
        yield running


@settings(fuzz_settings, max_examples=150)
@given(
    request=requests_for(ACCOUNT_ROUTES, {**ACCOUNT_SEGMENTS, "anything": path_segments()}),
    credentials=bearer_headers("x"),
)
def test_accounts_without_the_token_is_401_whatever_else(
    accounts: RunningService,
    request: Request,
    credentials: dict[str, bytes],
) -> None:
    method, path, body, headers = request
    forged = {**headers, **credentials}  # "x" is never the service's token
    response = send(accounts.url, method, path, body, forged)
    answer = answer_of(response, method, [accounts.token])
    if method != "HEAD":
        assert (response.status_code, answer["error"]) in {
            (401, "unauthorized"),
            (413, "payload_too_large"),  # headers over Sanic's limit: refused before routing
            (400, "invalid_request"),  # a request line or header HTTP itself does not allow
            (417, "invalid_request"),  # an Expect other than 100-continue: refused before routing
        }, (path, response.status_code, answer)


@settings(fuzz_settings, max_examples=300)
@given(request=requests_for(ACCOUNT_ROUTES, {**ACCOUNT_SEGMENTS, "anything": path_segments()}))
def test_accounts_answers_anything_with_json(accounts: RunningService, request: Request) -> None:
    method, path, body, headers = request
    response = send(accounts.url, method, path, body, with_token(headers, accounts.token))
    answer_of(response, method, [accounts.token])


@settings(fuzz_settings, max_examples=100)
@given(request=body_requests(ACCOUNT_ROUTES, ACCOUNT_SEGMENTS))
def test_accounts_bodies_never_break_it(accounts: RunningService, request: Request) -> None:
    method, path, body, headers = request
    response = send(accounts.url, method, path, body, with_token(headers, accounts.token))
    answer_of(response, method, [accounts.token])


@settings(fuzz_settings, max_examples=40)
@given(path=st.lists(path_segments(), min_size=1, max_size=4).map("/".join))
def test_accounts_open_paths_answer_json(accounts: RunningService, path: str) -> None:
    """Outside /v1 nothing needs the token: unknown routes are 404 JSON."""
    answer_of(send(accounts.url, "GET", "/" + path), "GET", [accounts.token])


def test_accounts_still_answers_after_fuzzing(accounts: RunningService) -> None:
    assert requests.get(f"{accounts.url}/health", timeout=TIMEOUT_S).json() == {"status": "ok"}
    response = requests.get(
        f"{accounts.url}/v1/accounts/13800138000",
        headers={"Authorization": f"Bearer {accounts.token}"},
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 200, response.text
    assert response.json()["number"] == "13800138000"


# -- the agent desk -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RunningDesk:
    url: str
    agent_token: str
    internal_token: str

    def queue(self, sender: str) -> int:
        """A conversation handed off, as the gate does it: its handoff's id."""
        response = requests.post(
            f"{self.url}/internal/handoffs",
            json={"sender": sender, "channel": "rest", "transcript": []},
            headers=auth(self.internal_token),
            timeout=TIMEOUT_S,
        )
        assert response.status_code == 201, response.text
        return response.json()["handoff"]["id"]


SENDERS = ["fuzz-queued", "fuzz-claimed", "渠道/用户 1?", "nobody"]
DESK_SEGMENTS: dict[str, st.SearchStrategy[str]] = {
    "id": st.integers(min_value=0, max_value=6).map(str),
    "sender": st.sampled_from(SENDERS).map(lambda s: quote(s, safe="")),
}
AGENTS = st.sampled_from(["小王", "小李", " 小王 "])
AGENT_ROUTES = [
    Route("GET", "/api/handoffs"),
    Route("GET", "/api/handoffs/{id}"),
    Route("POST", "/api/handoffs/{id}/claim", objects_with({"agent": AGENTS})),
    Route(
        "POST",
        "/api/handoffs/{id}/reply",
        objects_with({"agent": AGENTS, "text": hostile_text()}),
    ),
    Route("POST", "/api/handoffs/{id}/hand-back", objects_with({"agent": AGENTS})),
    Route("POST", "/api/handoffs/{id}/close", objects_with({"agent": AGENTS})),
    Route(
        "POST",
        "/api/handoffs/{id}/notes",
        objects_with({"agent": AGENTS, "text": hostile_text()}),
    ),
    Route("POST", "/api/handoffs/{id}/reveal-number", objects_with({"agent": AGENTS})),
    Route("GET", "/api/canned"),
    Route("GET", "/api/history"),
    Route("POST", "/api/presence", objects_with({"agent": AGENTS, "online": st.booleans()})),
    Route("GET", "/api/{id}"),
]
TRANSCRIPT_LINE = objects_with(
    {
        "author": st.sampled_from(["customer", "bot", "agent", "system", "robot"]),
        "text": hostile_text(),
        "at": st.sampled_from(["2026-11-22T10:00:00+08:00", "yesterday"]),
    }
)
INTERNAL_ROUTES = [
    Route(
        "POST",
        "/internal/handoffs",
        objects_with(
            {
                "sender": st.one_of(st.sampled_from(SENDERS), hostile_text()),
                "channel": st.sampled_from(["rest", "sms", "socketio"]),
                "number": st.sampled_from(DEMO_NUMBERS),
                "ticket": st.sampled_from(["TS202611220042"]),
                "transcript": st.lists(TRANSCRIPT_LINE, max_size=3),
            }
        ),
    ),
    Route("GET", "/internal/handoffs/{sender}"),
    Route(
        "POST",
        "/internal/handoffs/{id}/suggestions",
        objects_with(
            {
                "message_id": st.integers(min_value=-1, max_value=20),
                "suggestions": st.lists(
                    objects_with({"title": hostile_text(), "text": hostile_text()}), max_size=4
                ),
            }
        ),
    ),
    Route("POST", "/internal/inbound/{sender}", objects_with({"text": hostile_text()})),
    Route(
        "POST",
        "/internal/outbox/take",
        objects_with(
            {
                "channel": st.sampled_from(["rest", "sms", "socketio"]),
                "senders": st.lists(st.one_of(st.sampled_from(SENDERS), hostile_text())),
            }
        ),
    ),
    Route("GET", "/internal/{sender}"),
]
OPEN_ROUTES = [Route("GET", "/health"), Route("GET", "/"), Route("GET", "/{sender}")]


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    folder = tmp_path_factory.mktemp("fuzz-desk")
    tokens = {"AGENT_TOKEN": uuid.uuid4().hex, "HANDOFF_TOKEN": uuid.uuid4().hex}
    ttl = {"HANDOFF_PRESENCE_TTL_S": "86400"}  # an agent on duty all along
    with serving_module("bot.handoff", "HANDOFF", folder, **ttl, **tokens) as served:
        running = RunningDesk(served.url, tokens["AGENT_TOKEN"], tokens["HANDOFF_TOKEN"])
        on_duty = requests.post(
            f"{running.url}/api/presence",
            json={"agent": "值班坐席"},
            headers=auth(running.agent_token),
            timeout=TIMEOUT_S,
        )
        assert on_duty.status_code == 200, on_duty.text
        # Something to act on: one queued handoff, one claimed by 小王.
        running.queue(SENDERS[0])
        claimed = running.queue(SENDERS[1])
        response = requests.post(
            f"{running.url}/api/handoffs/{claimed}/claim",
            json={"agent": "小王"},
            headers=auth(running.agent_token),
            timeout=TIMEOUT_S,
        )
        assert response.status_code == 200, response.text
        yield running


@settings(fuzz_settings, max_examples=150)
@given(
    request=st.one_of(
        requests_for(AGENT_ROUTES, DESK_SEGMENTS).map(lambda r: ("api", r)),
        requests_for(INTERNAL_ROUTES, DESK_SEGMENTS).map(lambda r: ("internal", r)),
    ),
    credentials=bearer_headers("x"),
    other_audience=st.booleans(),
)
def test_desk_without_the_token_is_401_whatever_else(
    desk: RunningDesk,
    request: tuple[str, Request],
    credentials: dict[str, bytes],
    other_audience: bool,
) -> None:
    audience, (method, path, body, headers) = request
    if other_audience:  # the other audience's token opens nothing here
        credentials = auth(desk.internal_token if audience == "api" else desk.agent_token)
    response = send(desk.url, method, path, body, {**headers, **credentials})
    answer = answer_of(response, method, [desk.agent_token, desk.internal_token])
    if method != "HEAD":
        assert (response.status_code, answer["error"]) in {
            (401, "unauthorized"),
            (413, "payload_too_large"),
            (400, "invalid_request"),
            (417, "invalid_request"),
        }, (path, response.status_code, answer)


def send_to_desk(desk: RunningDesk, request: tuple[str, Request]) -> tuple[str, str, Any]:
    """Sends a request for agents, our processes or anyone, with the token of its audience."""
    audience, (method, path, body, headers) = request
    token = desk.internal_token if audience == "internal" else desk.agent_token
    return method, path, send(desk.url, method, path, body, with_token(headers, token))


@settings(fuzz_settings, max_examples=300)
@given(
    request=st.one_of(
        requests_for(AGENT_ROUTES, DESK_SEGMENTS).map(lambda r: ("api", r)),
        requests_for(INTERNAL_ROUTES, DESK_SEGMENTS).map(lambda r: ("internal", r)),
        requests_for(OPEN_ROUTES, DESK_SEGMENTS).map(lambda r: ("open", r)),
    )
)
def test_desk_answers_anything_with_json(desk: RunningDesk, request: tuple[str, Request]) -> None:
    method, path, response = send_to_desk(desk, request)
    secrets = [desk.agent_token, desk.internal_token]
    if path.split("?")[0] == "/" and method == "GET" and response.status_code == 200:
        assert response.headers["Content-Type"].startswith("text/html")  # the agents' page
        text = response.content.decode()
        assert all(secret not in text for secret in secrets)
        return
    answer_of(response, method, secrets)


@settings(fuzz_settings, max_examples=100)
@given(
    request=st.one_of(
        body_requests(AGENT_ROUTES, DESK_SEGMENTS).map(lambda r: ("api", r)),
        body_requests(INTERNAL_ROUTES, DESK_SEGMENTS).map(lambda r: ("internal", r)),
    )
)
def test_desk_bodies_never_break_it(desk: RunningDesk, request: tuple[str, Request]) -> None:
    method, _, response = send_to_desk(desk, request)
    answer_of(response, method, [desk.agent_token, desk.internal_token])


def test_desk_still_answers_after_fuzzing(desk: RunningDesk) -> None:
    assert requests.get(f"{desk.url}/health", timeout=TIMEOUT_S).json() == {"status": "ok"}
    sender = f"after-fuzz-{uuid.uuid4().hex[:8]}"
    desk.queue(sender)
    listed = requests.get(
        f"{desk.url}/api/handoffs", headers=auth(desk.agent_token), timeout=TIMEOUT_S
    )
    assert listed.status_code == 200
    assert sender in [handoff["sender"] for handoff in listed.json()["handoffs"]]


# -- the mock SMS gateway -----------------------------------------------------------------------


@dataclass(frozen=True)
class RunningGateway:
    url: str
    key: str
    secret: str


def wait_seconds(value: str) -> float:
    """What the gateway makes of `wait` (docs: at most 30 s): kept short in the fuzz."""
    try:
        seconds = float(value)
    except ValueError:
        return 0.0
    return seconds if math.isfinite(seconds) and seconds >= 0 else 0.0


GATEWAY_QUERIES = st.fixed_dictionaries(
    {},
    optional={
        "to": st.one_of(st.sampled_from(DEMO_NUMBERS), hostile_text()),
        "after": st.one_of(st.integers(min_value=-5, max_value=2**70).map(str), hostile_text()),
        "wait": st.one_of(
            st.sampled_from(["0", "0.01", "-1", "nan", "inf"]), hostile_text()
        ).filter(lambda value: wait_seconds(value) <= 0.05),
    },
).map(
    lambda params: (
        "?"
        + "&".join(
            f"{name}={quote(value.encode('utf-8', 'surrogatepass')[:5000], safe='')}"
            for name, value in params.items()
        )
    )
)
NUMBERS = st.one_of(st.sampled_from(["13800138000", "10086", "1" * 32, "1" * 33]), hostile_text())
SEND_BODY = objects_with({"to": NUMBERS, "from": NUMBERS, "text": hostile_text()})
GATEWAY_ROUTES = [
    Route("POST", "/api/send", SEND_BODY),
    Route("GET", "/api/messages{query}"),
    Route("DELETE", "/api/messages"),
    Route("GET", "/control/state"),
    Route(
        "POST",
        "/control/refuse",
        objects_with(
            {
                "status": st.one_of(st.integers(min_value=300, max_value=700), st.just(True)),
                "count": st.integers(min_value=-1, max_value=3),
            }
        ),
    ),
    Route("POST", "/control/accept"),
    Route(
        "POST",
        "/control/inbound",
        objects_with(
            {
                "from": NUMBERS,
                "text": hostile_text(),
                "to": NUMBERS,
                "msg_id": st.one_of(st.just("m" * 64), st.just("m" * 65), hostile_text()),
            }
        ),
    ),
    Route("GET", "/health"),
    Route("GET", "/{anything}"),
]
# Documented 5xx: a send refused by injection (any status it was told), the bridge down or slow.
GATEWAY_5XX = ("refused", "bridge_unreachable", "bridge_timeout")


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder, key, secret = (
        tmp_path_factory.mktemp("fuzz-gateway"),
        uuid.uuid4().hex,
        uuid.uuid4().hex,
    )
    with serving_module(
        "bot.smsgateway",
        "SMS_GATEWAY",
        folder,
        SMS_GATEWAY_KEY=key,
        SMS_WEBHOOK_SECRET=secret,
        # Nothing listens there: an inbound message is a quick 502 bridge_unreachable.
        SMS_BRIDGE_URL=f"http://127.0.0.1:{free_port()}/webhooks/sms/webhook",
    ) as served:
        yield RunningGateway(served.url, key, secret)


def gateway_request(
    routes: list[Route],
) -> st.SearchStrategy[Request]:
    return requests_for(routes, {"query": GATEWAY_QUERIES, "anything": path_segments()})


@settings(fuzz_settings, max_examples=80)
@given(request=gateway_request(GATEWAY_ROUTES[:1]), credentials=bearer_headers("x"))
def test_gateway_send_without_the_key_is_401_whatever_else(
    gateway: RunningGateway,
    request: Request,
    credentials: dict[str, bytes],
) -> None:
    method, path, body, headers = request
    response = send(gateway.url, method, path, body, {**headers, **credentials})
    answer = answer_of(response, method, [gateway.key, gateway.secret])
    if method == "POST" and path == "/api/send":
        assert (response.status_code, answer["error"]) in {
            (401, "unauthorized"),
            (413, "payload_too_large"),
            (400, "invalid_request"),
            (417, "invalid_request"),
        }, (response.status_code, answer)


@settings(fuzz_settings, max_examples=250)
@given(request=gateway_request(GATEWAY_ROUTES))
def test_gateway_answers_anything_with_json(gateway: RunningGateway, request: Request) -> None:
    method, path, body, headers = request
    try:
        response = send(gateway.url, method, path, body, with_token(headers, gateway.key))
        answer_of(response, method, [gateway.key, gateway.secret], GATEWAY_5XX)
    finally:  # an injected fault must not outlive its example
        requests.post(f"{gateway.url}/control/accept", timeout=TIMEOUT_S).raise_for_status()


@settings(fuzz_settings, max_examples=100)
@given(request=body_requests(GATEWAY_ROUTES, {"query": st.just(""), "anything": st.just("x")}))
def test_gateway_bodies_never_break_it(gateway: RunningGateway, request: Request) -> None:
    method, path, body, headers = request
    try:
        response = send(gateway.url, method, path, body, with_token(headers, gateway.key))
        answer_of(response, method, [gateway.key, gateway.secret], GATEWAY_5XX)
    finally:
        requests.post(f"{gateway.url}/control/accept", timeout=TIMEOUT_S).raise_for_status()


def test_gateway_still_answers_after_fuzzing(gateway: RunningGateway) -> None:
    assert requests.get(f"{gateway.url}/health", timeout=TIMEOUT_S).json() == {"status": "ok"}
    number = "13912345678"
    sent = requests.post(
        f"{gateway.url}/api/send",
        json={"to": number, "from": "10086", "text": "您的话费余额为56.80元。"},
        headers=auth(gateway.key),
        timeout=TIMEOUT_S,
    )
    assert sent.status_code == 200, sent.text
    listed = requests.get(
        f"{gateway.url}/api/messages", params={"to": number}, timeout=TIMEOUT_S
    ).json()["messages"]
    assert [message["id"] for message in listed][-1] == sent.json()["id"]
