"""The actions' client against the real service (`python -m bot.accounts` in a subprocess),
and against servers that fail: down, hanging, erroring.

The service runs once for this module on a free port with its own database, so each test uses
customers and services that the others leave alone.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import pytest
from aiohttp import web

from bot.accounts.client import (
    AccountClient,
    AccountRequestError,
    AccountServiceUnavailable,
)
from tests.accounts.test_store import LI_NA, NOT_OURS, PASSWORDS, WANG_FANG, ZHANG_WEI
from tests.conftest import RunningService, free_port, running_account_service
from tests.serving import refusal_of

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 30


def accounts_command(
    *args: str, env: dict[str, str], timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """`python -m bot.accounts ARGS` as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "bot.accounts", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    with running_account_service(tmp_path_factory.mktemp("account-service")) as running:
        yield running


# -- calls against the real service -------------------------------------------------------------


async def test_reading_an_account(service: RunningService) -> None:
    client = service.client()
    summary = await client.summary(ZHANG_WEI)
    assert (summary["owner"], summary["balance_fen"]) == ("张*", 5680)
    usage = await client.usage(ZHANG_WEI)
    assert (usage["data_mb_used"], usage["data_mb_included"]) == (6349, 10240)
    this_month = f"{date.today():%Y-%m}"
    assert (await client.bill(ZHANG_WEI, this_month))["total_fen"] == 6400
    services = await client.services(WANG_FANG)
    assert services["services"][0]["included_in_plan"] is True
    transfer = await client.transfer_check(LI_NA)
    assert transfer == {"eligible": False, "failed": [{"condition": "arrears", "amount_fen": 1250}]}
    catalogue = await client.catalogue()
    assert len(catalogue["plans"]) == 5


async def test_subscribe_and_unsubscribe(service: RunningService) -> None:
    client = service.client()
    cancelled = await client.unsubscribe(ZHANG_WEI, "cailing")
    assert (cancelled["name"], cancelled["cancelled_on"]) == ("彩铃", date.today().isoformat())
    with pytest.raises(AccountRequestError) as twice:
        await client.unsubscribe(ZHANG_WEI, "cailing")
    assert (twice.value.status, twice.value.code) == (409, "not_subscribed")
    assert twice.value.body["cancelled_on"] == date.today().isoformat()
    subscribed = await client.subscribe(ZHANG_WEI, "cailing")
    assert subscribed["service"]["monthly_fee_fen"] == 600
    with pytest.raises(AccountRequestError) as again:
        await client.subscribe(ZHANG_WEI, "cailing")
    assert again.value.code == "already_subscribed"


async def test_change_plan(service: RunningService) -> None:
    client = service.client()
    with pytest.raises(AccountRequestError) as refused:
        await client.change_plan(WANG_FANG, "shenzhouxing_changting")
    assert (refused.value.status, refused.value.code) == (409, "downgrade_in_contract")
    assert refused.value.body["contract_ends"] == "2027-06-30"
    changed = await client.change_plan(WANG_FANG, "changxiang88")
    assert changed["plan"]["code"] == "changxiang88"
    assert (await client.summary(WANG_FANG))["pending_plan"]["effective"] == changed["effective"]


async def test_tickets(service: RunningService) -> None:
    client = service.client()
    created = (await client.create_ticket(LI_NA, "网络信号", "家里信号差", "智能客服"))["ticket"]
    assert re.fullmatch(r"TS[0-9]{12}", created["id"])
    assert (await client.ticket(created["id"]))["ticket"] == created
    assert await client.tickets(LI_NA) == [created]
    with pytest.raises(AccountRequestError) as unknown:
        await client.ticket("TS000000000000")
    assert unknown.value.code == "unknown_ticket"


async def test_refusals_are_request_errors(service: RunningService) -> None:
    client = service.client()
    with pytest.raises(AccountRequestError) as not_ours:
        await client.summary(NOT_OURS)
    assert (not_ours.value.status, not_ours.value.code) == (404, "not_found")
    with pytest.raises(AccountRequestError) as malformed:
        await client.usage("1380013")
    assert (malformed.value.status, malformed.value.code) == (400, "invalid_number")
    with pytest.raises(AccountRequestError) as no_bill:
        await client.bill(ZHANG_WEI, "2001-01")
    assert no_bill.value.code == "no_bill"


async def test_a_wrong_token_is_our_misconfiguration(service: RunningService) -> None:
    client = AccountClient(service.url, "not-the-token")
    with pytest.raises(AccountServiceUnavailable):
        await client.summary(ZHANG_WEI)


async def test_lock_and_the_operators_unlock(
    service: RunningService, caplog: pytest.LogCaptureFixture
) -> None:
    client = service.client()
    caplog.set_level(logging.INFO, logger="bot.accounts.client")
    assert await client.verify(LI_NA, PASSWORDS[LI_NA]) == {"verified": True}
    with pytest.raises(AccountRequestError) as wrong:
        await client.verify(LI_NA, "000111")
    assert (wrong.value.status, wrong.value.body["attempts_left"]) == (403, 2)
    for _ in range(2):
        with pytest.raises(AccountRequestError):
            await client.verify(LI_NA, "000111")
    with pytest.raises(AccountRequestError) as locked:
        await client.verify(LI_NA, PASSWORDS[LI_NA])
    assert (locked.value.status, locked.value.code) == (423, "locked")
    assert "locked_until" in locked.value.body

    unlocked = accounts_command("unlock", LI_NA, env={"ACCOUNTS_DB": str(service.db_path)})
    assert (unlocked.returncode, unlocked.stdout.strip()) == (0, f"{LI_NA} unlocked.")
    assert await client.verify(LI_NA, PASSWORDS[LI_NA]) == {"verified": True}

    assert "139****9000" in caplog.text
    assert LI_NA not in caplog.text and "000111" not in caplog.text
    assert PASSWORDS[LI_NA] not in caplog.text


async def test_the_service_log_has_no_numbers(service: RunningService) -> None:
    with pytest.raises(AccountRequestError):
        await service.client().summary(NOT_OURS)
    log = service.log_path.read_text(encoding="utf-8", errors="replace")
    assert "GET /v1/accounts/136****6000 -> 404 not_found" in log
    for number in (ZHANG_WEI, LI_NA, WANG_FANG, NOT_OURS):
        assert number not in log


# -- a service that is down, hangs or fails -----------------------------------------------------


async def test_connection_refused_is_unavailable_at_once() -> None:
    client = AccountClient(f"http://127.0.0.1:{free_port()}", "token", timeout_s=3.0)
    with pytest.raises(AccountServiceUnavailable) as refused:
        await client.summary(ZHANG_WEI)
    assert not refused.value.slow  # refused, not waited out


async def test_a_service_that_never_answers_times_out(
    silent_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = AccountClient(silent_server, "token", timeout_s=0.5)
    call = client.verify(ZHANG_WEI, PASSWORDS[ZHANG_WEI])
    refusal, waited_s = await refusal_of(call, AccountServiceUnavailable)
    assert refusal.slow and waited_s >= 0.5
    assert "timed out" in caplog.text and "138****8000" in caplog.text
    assert ZHANG_WEI not in caplog.text and PASSWORDS[ZHANG_WEI] not in caplog.text


@pytest.fixture
async def failing_server() -> AsyncIterator[str]:
    """Answers by path: /500 internal error (JSON), /502 a proxy's HTML page, /html 200 HTML."""

    async def answer(request: web.Request) -> web.Response:
        if "/500/" in request.path:
            return web.json_response({"error": "internal"}, status=500)
        if "/502/" in request.path:
            return web.Response(text="<html>Bad Gateway</html>", status=502)
        return web.Response(text="<html>hello</html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.mark.parametrize("prefix", ["/500", "/502", "/html"])
async def test_server_errors_and_non_json_are_unavailable(failing_server: str, prefix: str) -> None:
    client = AccountClient(failing_server + prefix, "token")
    with pytest.raises(AccountServiceUnavailable):
        await client.summary(ZHANG_WEI)


# -- the operator's commands --------------------------------------------------------------------


def test_serving_without_a_token_is_refused(tmp_path: Path) -> None:
    refused = accounts_command(
        env={"ACCOUNTS_TOKEN": "", "ACCOUNTS_DB": str(tmp_path / "a.sqlite3")}, timeout=30
    )
    assert refused.returncode != 0
    assert "ACCOUNTS_TOKEN" in refused.stderr
    assert not (tmp_path / "a.sqlite3").exists()


def test_unlock_refusals(tmp_path: Path, service: RunningService) -> None:
    missing = accounts_command("unlock", ZHANG_WEI, env={"ACCOUNTS_DB": str(tmp_path / "none")})
    assert missing.returncode != 0 and "No database" in missing.stderr
    stranger = accounts_command("unlock", NOT_OURS, env={"ACCOUNTS_DB": str(service.db_path)})
    assert stranger.returncode != 0 and "not a customer" in stranger.stderr
    malformed = accounts_command("unlock", "12345", env={"ACCOUNTS_DB": str(service.db_path)})
    assert malformed.returncode != 0 and "not a mobile number" in malformed.stderr


def test_reset_deletes_the_database(tmp_path: Path) -> None:
    db_path = tmp_path / "accounts.sqlite3"
    for name in ("accounts.sqlite3", "accounts.sqlite3-wal", "accounts.sqlite3-shm"):
        (tmp_path / name).write_bytes(b"old")
    done = accounts_command("reset", env={"ACCOUNTS_DB": str(db_path)})
    assert done.returncode == 0 and "Deleted" in done.stdout
    assert list(tmp_path.iterdir()) == []
    again = accounts_command("reset", env={"ACCOUNTS_DB": str(db_path)})
    assert again.returncode == 0 and "No database" in again.stdout
