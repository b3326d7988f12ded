"""The account service's HTTP API, served for real on a loopback port inside the test.

Each test gets its own app (Sanic keeps a registry of app names, so each has a unique name),
its own database and a fixed clock (2026-11-22 10:00 +08:00, as in test_store).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import aiohttp
import pytest
import requests

from bot.accounts.app import create_app
from bot.accounts.store import AccountStore
from bot.privacy import PersonalDataFilter, mask_phone_numbers
from bot.sql_store import StoreUnavailable
from tests.accounts.test_store import LI_NA, NOT_OURS, PASSWORDS, WANG_FANG, ZHANG_WEI, Clock
from tests.serving import JsonApi, assert_internal_error_hidden, explode, serving

TOKEN = "test-token-" + uuid.uuid4().hex


@dataclass
class Api(JsonApi):
    store: AccountStore
    clock: Clock
    default_token: ClassVar[str] = TOKEN


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    clock = Clock()
    store = AccountStore(tmp_path / "accounts.sqlite3", today=clock.today, now=clock.now)
    app = create_app(store, TOKEN, name=f"accounts_test_{uuid.uuid4().hex}")
    try:
        async with serving(app) as base_url, aiohttp.ClientSession() as session:
            yield Api(base_url, session, store, clock)
    finally:
        store.shutdown()


# -- access -------------------------------------------------------------------------------------


async def test_health_needs_no_token(api: Api) -> None:
    assert await api.call("GET", "/health", token=None) == (200, {"status": "ok"})


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", TOKEN, "Bearer ", f"Bearer {TOKEN}x"],
)
async def test_v1_needs_the_bearer_token(api: Api, authorization: str | None) -> None:
    for method, path in [
        ("GET", f"/v1/accounts/{ZHANG_WEI}"),
        ("POST", f"/v1/accounts/{ZHANG_WEI}/verify"),
        ("POST", "/v1/tickets"),
        ("GET", "/v1/no-such-route"),  # no probing for routes without the token
    ]:
        status, body = await api.call(method, path, token=None, authorization=authorization)
        assert (status, body["error"]) == (401, "unauthorized"), (method, path)


async def test_the_scheme_is_case_insensitive(api: Api) -> None:
    status, _ = await api.call("GET", f"/v1/accounts/{ZHANG_WEI}", authorization=f"bearer {TOKEN}")
    assert status == 200


async def test_malformed_numbers_are_refused_before_any_look_up(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_look_up(*args: object) -> None:
        raise AssertionError("looked up a malformed number")

    for operation in ("summary", "usage", "bill", "services", "verify", "create_ticket"):
        monkeypatch.setattr(api.store, operation, no_look_up)
    for number in ("1380013", "12800138000", "138001380000", "1380013800a"):
        for method, path, body in [
            ("GET", f"/v1/accounts/{number}", None),
            ("GET", f"/v1/accounts/{number}/usage", None),
            ("GET", f"/v1/accounts/{number}/bills/2026-10", None),
            ("GET", f"/v1/accounts/{number}/services", None),
            ("POST", f"/v1/accounts/{number}/verify", {"password": "258013"}),
            (
                "POST",
                "/v1/tickets",
                {"number": number, "category": "其他", "description": "x", "channel": "y"},
            ),
        ]:
            status, answer = await api.call(method, path, body=body)
            assert (status, answer["error"]) == (400, "invalid_number"), (method, path)
            assert answer["message"]


async def test_not_a_customer(api: Api) -> None:
    status, body = await api.call("GET", f"/v1/accounts/{NOT_OURS}")
    assert (status, body["error"]) == (404, "not_found")


async def test_unknown_routes_and_methods_answer_json(api: Api) -> None:
    for path in ("/", "/nope", "/v1/accounts", f"/v1/accounts/{ZHANG_WEI}/nope"):
        status, body = await api.call("GET", path)
        assert (status, body["error"]) == (404, "unknown_route"), path
    status, body = await api.call("PATCH", f"/v1/accounts/{ZHANG_WEI}")
    assert (status, body["error"]) == (405, "method_not_allowed")


# Found by tests/fuzz: each was a 500 before.
NESTED_TOO_DEEP = [b"[" * 2000 + b"]" * 2000, b'{"a":' * 2000 + b"1" + b"}" * 2000]


async def test_bodies_json_cannot_carry_are_400(api: Api) -> None:
    """Nested deeper than Python's parser goes, or with a lone surrogate ("\\ud800") that
    neither SQLite nor a UTF-8 answer can hold: a malformed body, not an internal error."""
    for data in NESTED_TOO_DEEP:
        status, body = await api.call("POST", f"/v1/accounts/{ZHANG_WEI}/verify", data=data)
        assert (status, body["error"]) == (400, "invalid_body"), data[:10]
    lone = {"number": ZHANG_WEI, "category": "其他", "description": "\ud800", "channel": "x"}
    status, body = await api.call("POST", "/v1/tickets", data=json.dumps(lone).encode())
    assert (status, body["error"]) == (400, "invalid_body")
    assert api.store.tickets(ZHANG_WEI) == []


async def test_a_token_that_is_not_utf8_is_401(api: Api) -> None:
    def call() -> requests.Response:  # aiohttp sends no raw header bytes; requests does
        return requests.get(
            f"{api.base_url}/v1/catalogue",
            headers={"Authorization": b"Bearer \xff\xfe" + TOKEN.encode()},
            timeout=10,
        )

    response = await asyncio.get_running_loop().run_in_executor(None, call)
    assert (response.status_code, response.json()["error"]) == (401, "unauthorized")


# -- reading the account ------------------------------------------------------------------------


async def test_summary(api: Api) -> None:
    status, body = await api.call("GET", f"/v1/accounts/{LI_NA}")
    assert status == 200
    assert (body["owner"], body["balance_fen"], body["status_text"]) == (
        "李*",
        -1250,
        "欠费停机（单向停机）",
    )
    assert body["plan"] == {
        "code": "shenzhouxing_changting",
        "name": "神州行畅听卡",
        "monthly_fee_fen": 800,
    }


async def test_usage(api: Api) -> None:
    status, body = await api.call("GET", f"/v1/accounts/{ZHANG_WEI}/usage")
    assert status == 200
    assert (body["month"], body["data_mb_used"], body["data_mb_included"]) == (
        "2026-11",
        6349,
        10240,
    )


async def test_bills(api: Api) -> None:
    status, last = await api.call("GET", f"/v1/accounts/{LI_NA}/bills/2026-10")
    assert (status, last["final"], last["total_fen"]) == (200, True, 5800)
    assert last["items"][2]["detail"] == "120MB×0.29元/MB"
    status, running = await api.call("GET", f"/v1/accounts/{LI_NA}/bills/2026-11")
    assert (status, running["final"], running["total_fen"]) == (200, False, 4280)
    status, body = await api.call("GET", f"/v1/accounts/{LI_NA}/bills/2026-08")
    assert (status, body["error"]) == (404, "no_bill")
    status, body = await api.call("GET", f"/v1/accounts/{LI_NA}/bills/2026-8")
    assert (status, body["error"]) == (400, "invalid_month")


async def test_catalogue(api: Api) -> None:
    status, body = await api.call("GET", "/v1/catalogue")
    assert status == 200
    assert [plan["code"] for plan in body["plans"]] == [
        "changxiang58",
        "changxiang88",
        "changxiang128",
        "shenzhouxing_changting",
        "dongganditai_qingchun",
    ]
    assert [service["name"] for service in body["services"]] == ["彩铃", "来电显示"]


async def test_transfer_check(api: Api) -> None:
    assert await api.call("GET", f"/v1/accounts/{ZHANG_WEI}/transfer-check") == (
        200,
        {"eligible": True, "failed": []},
    )
    status, body = await api.call("GET", f"/v1/accounts/{LI_NA}/transfer-check")
    assert (status, body["failed"]) == (200, [{"condition": "arrears", "amount_fen": 1250}])


async def test_answers_keep_chinese_readable(api: Api) -> None:
    async with api.session.get(
        f"{api.base_url}/v1/accounts/{ZHANG_WEI}", headers={"Authorization": f"Bearer {TOKEN}"}
    ) as response:
        raw = await response.read()
    assert "全球通畅享58元套餐".encode() in raw


# -- services and plan --------------------------------------------------------------------------


async def test_services_subscribe_and_unsubscribe(api: Api) -> None:
    status, body = await api.call("GET", f"/v1/accounts/{ZHANG_WEI}/services")
    assert (status, [s["code"] for s in body["services"]]) == (200, ["cailing", "caller_id"])

    status, body = await api.call("DELETE", f"/v1/accounts/{ZHANG_WEI}/services/cailing")
    assert (status, body) == (
        200,
        {
            "code": "cailing",
            "name": "彩铃",
            "cancelled_on": "2026-11-22",
            "fee_stops": "2026-12-01",
        },
    )
    status, body = await api.call("DELETE", f"/v1/accounts/{ZHANG_WEI}/services/cailing")
    assert (status, body["error"], body["cancelled_on"]) == (409, "not_subscribed", "2026-11-22")
    status, body = await api.call("GET", f"/v1/accounts/{ZHANG_WEI}/services")
    assert body["cancelled"] == [{"code": "cailing", "name": "彩铃", "cancelled_on": "2026-11-22"}]

    status, body = await api.call("POST", f"/v1/accounts/{LI_NA}/services/cailing")
    assert (status, body["effective"], body["service"]["monthly_fee_fen"]) == (
        201,
        "2026-11-22",
        600,
    )
    status, body = await api.call("POST", f"/v1/accounts/{LI_NA}/services/cailing")
    assert (status, body["error"]) == (409, "already_subscribed")
    status, body = await api.call("POST", f"/v1/accounts/{LI_NA}/services/ringtone_plus")
    assert (status, body["error"]) == (404, "unknown_service")


async def test_change_plan(api: Api) -> None:
    status, body = await api.call(
        "PUT", f"/v1/accounts/{ZHANG_WEI}/plan", body={"plan": "changxiang128"}
    )
    assert (status, body["plan"]["name"], body["effective"]) == (
        200,
        "全球通畅享128元套餐",
        "2026-12-01",
    )
    status, summary = await api.call("GET", f"/v1/accounts/{ZHANG_WEI}")
    assert summary["pending_plan"]["effective"] == "2026-12-01"

    status, body = await api.call(
        "PUT", f"/v1/accounts/{WANG_FANG}/plan", body={"plan": "shenzhouxing_changting"}
    )
    assert (status, body["error"], body["contract_ends"]) == (
        409,
        "downgrade_in_contract",
        "2027-06-30",
    )
    status, body = await api.call(
        "PUT", f"/v1/accounts/{WANG_FANG}/plan", body={"plan": "dongganditai_qingchun"}
    )
    assert (status, body["error"]) == (409, "same_plan")
    status, body = await api.call("PUT", f"/v1/accounts/{WANG_FANG}/plan", body={"plan": "vip"})
    assert (status, body["error"]) == (404, "unknown_plan")
    for bad in ({}, {"plan": 58}, ["changxiang58"]):
        status, body = await api.call("PUT", f"/v1/accounts/{WANG_FANG}/plan", body=bad)
        assert (status, body["error"]) == (400, "invalid_body")


# -- service password ---------------------------------------------------------------------------


async def test_verify_wrong_then_locked(api: Api) -> None:
    path = f"/v1/accounts/{WANG_FANG}/verify"
    assert await api.call("POST", path, body={"password": PASSWORDS[WANG_FANG]}) == (
        200,
        {"verified": True},
    )
    status, body = await api.call("POST", path, body={"password": "000000"})
    assert (status, body["error"], body["attempts_left"]) == (403, "wrong_password", 2)
    status, body = await api.call("POST", path, body={"password": "000000"})
    assert (status, body["attempts_left"]) == (403, 1)
    status, body = await api.call("POST", path, body={"password": "000000"})
    assert (status, body["error"], body["locked_until"]) == (
        423,
        "locked",
        "2026-11-22T10:30:00+08:00",
    )
    status, body = await api.call("POST", path, body={"password": PASSWORDS[WANG_FANG]})
    assert (status, body["error"]) == (423, "locked")
    api.clock.advance(minutes=30)
    status, _ = await api.call("POST", path, body={"password": PASSWORDS[WANG_FANG]})
    assert status == 200


async def test_verify_refuses_malformed_input(api: Api) -> None:
    path = f"/v1/accounts/{ZHANG_WEI}/verify"
    for password in ("12345", "abcdef", 258013, None):
        status, body = await api.call("POST", path, body={"password": password})
        assert (status, body["error"]) == (400, "invalid_password"), password
    for data in (b"{bad json", b"", b"[1, 2]", b'"258013"', b"\xff\xfe"):
        status, body = await api.call("POST", path, data=data)
        assert (status, body["error"]) == (400, "invalid_body"), data
    status, body = await api.call("POST", path, body={"pass": "258013"})
    assert (status, body["error"]) == (400, "invalid_body")
    status, body = await api.call("POST", path, body={"password": PASSWORDS[ZHANG_WEI]})
    assert status == 200  # none of the above counted as an attempt


async def test_oversized_bodies_are_refused(api: Api) -> None:
    big = {"number": ZHANG_WEI, "category": "其他", "description": "长" * 100_000, "channel": "x"}
    status, body = await api.call("POST", "/v1/tickets", body=big)
    assert (status, body["error"]) == (413, "payload_too_large")


# -- tickets ------------------------------------------------------------------------------------


async def test_tickets(api: Api) -> None:
    new = {
        "number": ZHANG_WEI,
        "category": "计费争议",
        "description": "彩铃乱扣费",
        "channel": "智能客服",
    }
    status, body = await api.call("POST", "/v1/tickets", body=new)
    assert status == 201
    ticket = body["ticket"]
    assert (ticket["status"], ticket["category"], ticket["number"]) == (
        "open",
        "计费争议",
        ZHANG_WEI,
    )
    assert await api.call("GET", f"/v1/tickets/{ticket['id']}") == (200, {"ticket": ticket})
    status, body = await api.call("GET", f"/v1/accounts/{ZHANG_WEI}/tickets")
    assert (status, body) == (200, {"tickets": [ticket]})

    status, body = await api.call("GET", "/v1/tickets/TS202611220000")
    assert (status, body["error"]) == (404, "unknown_ticket")
    status, body = await api.call("POST", "/v1/tickets", body={**new, "category": "表扬"})
    assert (status, body["error"]) == (400, "invalid_category")
    status, body = await api.call("POST", "/v1/tickets", body={**new, "number": NOT_OURS})
    assert (status, body["error"]) == (404, "not_found")
    status, body = await api.call("POST", "/v1/tickets", body={"number": ZHANG_WEI})
    assert (status, body["error"]) == (400, "invalid_body")


# -- failures and logs --------------------------------------------------------------------------


async def test_an_internal_error_is_json_without_a_traceback(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(api.store, "summary", explode)
    caplog.set_level(logging.INFO, logger="bot.accounts")
    answer = await api.call("GET", f"/v1/accounts/{ZHANG_WEI}")
    assert_internal_error_hidden(answer, caplog, "GET /v1/accounts/138****8000 -> 500 internal")


async def test_an_unreachable_database_is_503_json(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL restarting: the caller may retry (the store reconnects on its own)."""

    def down(number: str) -> None:
        raise StoreUnavailable("connection refused")

    monkeypatch.setattr(api.store, "summary", down)
    status, body = await api.call("GET", f"/v1/accounts/{ZHANG_WEI}")
    assert (status, body["error"]) == (503, "unavailable")
    assert "refused" not in json.dumps(body)
    monkeypatch.undo()
    assert (await api.call("GET", f"/v1/accounts/{ZHANG_WEI}"))[0] == 200


async def test_refusals_are_logged_with_masked_numbers(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.accounts")
    await api.call("POST", f"/v1/accounts/{ZHANG_WEI}/verify", body={"password": "000000"})
    await api.call("GET", f"/v1/accounts/{ZHANG_WEI}", token="wrong")
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("bot.accounts")]
    assert messages == [
        "POST /v1/accounts/138****8000/verify -> 403 wrong_password",
        "GET /v1/accounts/138****8000 -> 401 unauthorized",
    ]
    assert ZHANG_WEI not in caplog.text and "000000" not in caplog.text


def test_mask_phone_numbers() -> None:
    assert mask_phone_numbers("13800138000 和 13700137000") == "138****8000 和 137****7000"
    assert mask_phone_numbers("号码:13900139000。") == "号码:139****9000。"
    assert mask_phone_numbers("工单TS202611221234") == "工单TS202611221234"  # not a number
    assert mask_phone_numbers("12800138000 1380013800 138001380001") == (
        "12800138000 1380013800 138001380001"
    )


def test_personal_data_filter_masks_message_arguments_and_traceback() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "number %s, id %d", None, None)
    record.args = (ZHANG_WEI, 13900139000)
    try:
        raise ValueError(f"no account {WANG_FANG}")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert PersonalDataFilter().filter(record) is True
    formatted = logging.Formatter().format(record)
    assert "number 138****8000, id 139****9000" in formatted
    assert "ValueError: no account 137****7000" in formatted
    for number in (ZHANG_WEI, LI_NA, WANG_FANG):
        assert number not in formatted


def test_personal_data_filter_masks_extra_fields() -> None:
    """Sanic's access log passes the request line as an extra field."""
    record = logging.makeLogRecord({"msg": "", "request": f"GET /v1/accounts/{ZHANG_WEI}"})
    PersonalDataFilter().filter(record)
    assert record.request == "GET /v1/accounts/138****8000"
