"""The account store answers with the demo customers' figures and applies the operator's rules.

The clock is fixed at 2026-11-22 10:00 (+08:00), so "last month" is 2026-10 and plan changes
take effect on 2026-12-01; tests move it forward instead of waiting. Each test runs on SQLite
and on PostgreSQL (tests/accounts/conftest.py): the same specification for both.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.accounts import tickets as tickets_module
from bot.accounts.store import SEED_FILE, TABLES, AccountStore, Locked, WrongPassword
from bot.service_errors import Conflict, InvalidInput, NotFound
from bot.sql_store import SchemaMismatch
from tests.accounts.conftest import Database, Databases

ZHANG_WEI, LI_NA, WANG_FANG = "13800138000", "13900139000", "13700137000"
PASSWORDS = {ZHANG_WEI: "258013", LI_NA: "369024", WANG_FANG: "147036"}
NOT_OURS = "13600136000"
BEIJING = timezone(timedelta(hours=8))


class Clock:
    """The store's injected clock; `advance` moves both the date and the time."""

    def __init__(self, start: datetime = datetime(2026, 11, 22, 10, 0, tzinfo=BEIJING)) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def today(self) -> date:
        return self.current.date()

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)

    def set_day(self, day: date) -> None:
        self.current = self.current.replace(year=day.year, month=day.month, day=day.day)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db: Database, clock: Clock) -> Iterator[AccountStore]:
    opened = AccountStore(db.location, today=clock.today, now=clock.now)
    yield opened
    opened.shutdown()


def items(bill: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [(item["name"], item["amount_fen"], item["detail"]) for item in bill["items"]]


def miss(store: AccountStore, number: str, times: int) -> WrongPassword:
    """Wrong passwords, each refused with attempts left; returns the last refusal."""
    for _ in range(times):
        with pytest.raises(WrongPassword) as refusal:
            store.verify(number, "000000")
    return refusal.value


def lock(store: AccountStore, number: str) -> Locked:
    """Three wrong passwords in a row; returns the refusal of the third."""
    miss(store, number, 2)
    with pytest.raises(Locked) as refusal:
        store.verify(number, "000000")
    return refusal.value


# -- the seed: every figure of demo_accounts.md ------------------------------------------------


def test_summaries_of_the_demo_customers(store: AccountStore) -> None:
    zhang, li, wang = (store.summary(number) for number in (ZHANG_WEI, LI_NA, WANG_FANG))
    assert zhang == {
        "number": ZHANG_WEI,
        "owner": "张*",
        "plan": {"code": "changxiang58", "name": "全球通畅享58元套餐", "monthly_fee_fen": 5800},
        "balance_fen": 5680,
        "status": "active",
        "status_text": "正常",
        "real_name": True,
        "contract": None,
        "pending_plan": None,
    }
    assert (li["owner"], li["plan"]["name"], li["plan"]["monthly_fee_fen"]) == (
        "李*",
        "神州行畅听卡",
        800,
    )
    assert (li["balance_fen"], li["status"]) == (-1250, "suspended_outgoing")
    assert li["status_text"] == "欠费停机（单向停机）"
    assert li["real_name"] is True and li["contract"] is None
    assert (wang["owner"], wang["plan"]["name"], wang["plan"]["monthly_fee_fen"]) == (
        "王*",
        "动感地带青春卡",
        1800,
    )
    assert (wang["balance_fen"], wang["status_text"], wang["real_name"]) == (12000, "正常", True)
    assert wang["contract"] == {"kind": "购机合约", "ends": "2027-06-30"}


def test_this_months_usage(store: AccountStore) -> None:
    assert store.usage(ZHANG_WEI) == {
        "month": "2026-11",
        "voice_minutes_used": 120,
        "voice_minutes_included": 300,
        "data_mb_used": 6349,  # 6.2 GB of 10 GB: 3.8 GB left
        "data_mb_included": 10240,
    }
    li = store.usage(LI_NA)
    assert (li["voice_minutes_used"], li["voice_minutes_included"]) == (30, 50)
    assert (li["data_mb_used"], li["data_mb_included"]) == (120, None)  # no data in the plan
    wang = store.usage(WANG_FANG)
    assert (wang["voice_minutes_used"], wang["voice_minutes_included"]) == (20, None)
    assert (wang["data_mb_used"], wang["data_mb_included"]) == (2560, 5120)
    assert round((10240 - 6349) / 1024, 1) == 3.8


def test_subscribed_services(store: AccountStore) -> None:
    zhang = store.services(ZHANG_WEI)
    assert zhang["services"][0] == {
        "code": "cailing",
        "name": "彩铃",
        "monthly_fee_fen": 600,
        "included_in_plan": False,
        "subscribed_on": "2026-03-01",
        "channel": "短信",
    }
    assert zhang["services"][1]["name"] == "来电显示"
    assert zhang["services"][1]["monthly_fee_fen"] == 0
    assert zhang["cancelled"] == []
    assert [s["name"] for s in store.services(LI_NA)["services"]] == ["来电显示"]
    wang = store.services(WANG_FANG)["services"]
    assert [(s["name"], s["monthly_fee_fen"], s["included_in_plan"]) for s in wang] == [
        ("彩铃", 0, True),
        ("来电显示", 0, False),
    ]


def test_catalogue_has_the_kb_plans_and_services(store: AccountStore) -> None:
    catalogue = store.catalogue()
    plans = {plan["code"]: plan for plan in catalogue["plans"]}
    assert [(p["name"], p["monthly_fee_fen"]) for p in catalogue["plans"]] == [
        ("全球通畅享58元套餐", 5800),
        ("全球通畅享88元套餐", 8800),
        ("全球通畅享128元套餐", 12800),
        ("神州行畅听卡", 800),
        ("动感地带青春卡", 1800),
    ]
    assert (plans["changxiang88"]["voice_minutes"], plans["changxiang88"]["data_mb"]) == (
        500,
        20480,
    )
    assert plans["changxiang128"]["includes"] == ["cailing", "caller_id"]
    assert plans["shenzhouxing_changting"]["data_mb"] is None
    assert plans["dongganditai_qingchun"]["voice_minutes"] is None
    assert plans["dongganditai_qingchun"]["includes"] == ["cailing"]
    assert plans["changxiang58"]["includes"] == []
    assert catalogue["services"] == [
        {"code": "cailing", "name": "彩铃", "monthly_fee_fen": 600},
        {"code": "caller_id", "name": "来电显示", "monthly_fee_fen": 0},
    ]


def test_unknown_and_malformed_numbers(store: AccountStore) -> None:
    with pytest.raises(NotFound) as not_ours:
        store.summary(NOT_OURS)
    assert not_ours.value.code == "not_found"
    for malformed in ("1380013", "12800138000", "138001380001", "1380013800x"):
        with pytest.raises(InvalidInput) as refused:
            store.usage(malformed)
        assert refused.value.code == "invalid_number"


# -- bills --------------------------------------------------------------------------------------


def test_last_months_bills(store: AccountStore) -> None:
    zhang = store.bill(ZHANG_WEI, "2026-10")
    assert (zhang["month"], zhang["final"], zhang["total_fen"]) == ("2026-10", True, 6400)
    assert items(zhang) == [("套餐月费", 5800, "全球通畅享58元套餐"), ("彩铃功能费", 600, "6元/月")]
    li = store.bill(LI_NA, "2026-10")
    assert items(li) == [
        ("套餐月费", 800, "神州行畅听卡"),
        ("套餐外国内通话", 1520, "80分钟×0.19元/分钟"),
        ("GPRS流量费", 3480, "120MB×0.29元/MB"),
    ]
    assert li["total_fen"] == 5800
    wang = store.bill(WANG_FANG, "2026-10")
    assert items(wang) == [
        ("套餐月费", 1800, "动感地带青春卡"),
        ("套餐外国内通话", 380, "20分钟×0.19元/分钟"),
    ]
    assert wang["total_fen"] == 2180


def test_this_months_running_bills(store: AccountStore) -> None:
    zhang = store.bill(ZHANG_WEI, "2026-11")
    assert (zhang["final"], zhang["total_fen"]) == (False, 6400)  # 58 + 彩铃 6
    assert items(zhang) == [("套餐月费", 5800, "全球通畅享58元套餐"), ("彩铃功能费", 600, "6元/月")]
    li = store.bill(LI_NA, "2026-11")
    assert items(li) == [("套餐月费", 800, "神州行畅听卡"), ("GPRS流量费", 3480, "120MB×0.29元/MB")]
    assert li["total_fen"] == 4280  # 30 of 50 minutes: no call charge
    wang = store.bill(WANG_FANG, "2026-11")
    assert items(wang) == [
        ("套餐月费", 1800, "动感地带青春卡"),
        ("套餐外国内通话", 380, "20分钟×0.19元/分钟"),
    ]
    assert wang["total_fen"] == 2180  # 彩铃 included, 2.5 of 5 GB


def test_bill_item_codes_name_the_charges(store: AccountStore) -> None:
    assert [item["code"] for item in store.bill(LI_NA, "2026-10")["items"]] == [
        "plan_fee",
        "voice_overage",
        "data_overage",
    ]
    assert [item["code"] for item in store.bill(ZHANG_WEI, "2026-11")["items"]] == [
        "plan_fee",
        "cailing_fee",
    ]


def test_months_without_a_bill(store: AccountStore) -> None:
    for month in ("2026-09", "2026-12", "2025-10"):
        with pytest.raises(NotFound) as missing:
            store.bill(ZHANG_WEI, month)
        assert missing.value.code == "no_bill"
    for month in ("2026-13", "2026-1", "202610", "2026-10-01", "last"):
        with pytest.raises(InvalidInput) as refused:
            store.bill(ZHANG_WEI, month)
        assert refused.value.code == "invalid_month"


def test_seeded_months_follow_the_clock_at_seeding(databases: Databases) -> None:
    january = Clock(datetime(2027, 1, 5, 9, 0, tzinfo=BEIJING))
    location = databases.new("january").location
    store = AccountStore(location, today=january.today, now=january.now)
    try:
        assert store.bill(ZHANG_WEI, "2026-12")["total_fen"] == 6400  # last month across a year
        assert store.usage(ZHANG_WEI)["month"] == "2027-01"
        assert store.bill(ZHANG_WEI, "2027-01")["final"] is False
    finally:
        store.shutdown()


def test_the_data_survives_reopening(db: Database, store: AccountStore, clock: Clock) -> None:
    store.unsubscribe(ZHANG_WEI, "cailing")
    store.shutdown()
    reopened = AccountStore(db.location, today=clock.today, now=clock.now)
    try:
        assert [s["code"] for s in reopened.services(ZHANG_WEI)["services"]] == ["caller_id"]
        assert reopened.bill(ZHANG_WEI, "2026-10")["total_fen"] == 6400  # not seeded twice
    finally:
        reopened.shutdown()


# -- service password ---------------------------------------------------------------------------


def test_right_password_verifies(store: AccountStore) -> None:
    for number, password in PASSWORDS.items():
        assert store.verify(number, password) == {"verified": True}


def test_three_wrong_passwords_lock_for_30_minutes(store: AccountStore, clock: Clock) -> None:
    with pytest.raises(WrongPassword) as first:
        store.verify(ZHANG_WEI, "111111")
    assert first.value.attempts_left == 2
    clock.advance(minutes=5)
    with pytest.raises(WrongPassword) as second:
        store.verify(ZHANG_WEI, "222222")
    assert second.value.body()["attempts_left"] == 1
    clock.advance(minutes=5)
    with pytest.raises(Locked) as third:
        store.verify(ZHANG_WEI, "333333")
    assert third.value.body()["locked_until"] == "2026-11-22T10:40:00+08:00"  # 30 min from 3rd

    clock.advance(minutes=29)
    with pytest.raises(Locked):  # even the right password
        store.verify(ZHANG_WEI, PASSWORDS[ZHANG_WEI])
    clock.advance(minutes=1)
    assert store.verify(ZHANG_WEI, PASSWORDS[ZHANG_WEI]) == {"verified": True}


def test_after_a_lock_expires_the_count_starts_again(store: AccountStore, clock: Clock) -> None:
    lock(store, WANG_FANG)
    clock.advance(minutes=30)
    assert miss(store, WANG_FANG, 1).attempts_left == 2


def test_a_right_password_resets_the_count(store: AccountStore) -> None:
    miss(store, LI_NA, 2)
    store.verify(LI_NA, PASSWORDS[LI_NA])
    assert miss(store, LI_NA, 1).attempts_left == 2


def test_malformed_passwords_are_not_counted(store: AccountStore) -> None:
    miss(store, ZHANG_WEI, 2)
    for malformed in ("12345", "1234567", "abcdef", "", "２５８０１３"):
        with pytest.raises(InvalidInput) as refused:
            store.verify(ZHANG_WEI, malformed)
        assert refused.value.code == "invalid_password"
    assert store.verify(ZHANG_WEI, PASSWORDS[ZHANG_WEI]) == {"verified": True}


def test_locks_are_per_number(store: AccountStore) -> None:
    lock(store, WANG_FANG)
    assert store.verify(ZHANG_WEI, PASSWORDS[ZHANG_WEI]) == {"verified": True}


def test_unlock_lifts_a_lock(store: AccountStore) -> None:
    lock(store, WANG_FANG)
    assert store.unlock(WANG_FANG) == {"number": WANG_FANG, "was_locked": True}
    assert store.verify(WANG_FANG, PASSWORDS[WANG_FANG]) == {"verified": True}
    assert store.unlock(WANG_FANG)["was_locked"] is False
    with pytest.raises(NotFound):
        store.unlock(NOT_OURS)


def test_unlock_from_another_connection_reaches_the_running_store(
    db: Database, store: AccountStore, clock: Clock
) -> None:
    """What `python -m bot.accounts unlock` does while the service runs."""
    lock(store, WANG_FANG)
    operator = AccountStore(db.location, today=clock.today, now=clock.now)
    try:
        operator.unlock(WANG_FANG)
    finally:
        operator.shutdown()
    assert store.verify(WANG_FANG, PASSWORDS[WANG_FANG]) == {"verified": True}


def test_passwords_are_not_stored_in_clear(db: Database, store: AccountStore) -> None:
    content = db.content()
    assert ZHANG_WEI.encode() in content  # what was read is the data
    for password in PASSWORDS.values():
        assert password.encode() not in content


# -- plan changes -------------------------------------------------------------------------------


def test_upgrade_takes_effect_next_month(store: AccountStore, clock: Clock) -> None:
    assert store.change_plan(ZHANG_WEI, "changxiang88") == {
        "plan": {"code": "changxiang88", "name": "全球通畅享88元套餐", "monthly_fee_fen": 8800},
        "effective": "2026-12-01",
    }
    summary = store.summary(ZHANG_WEI)
    assert summary["plan"]["code"] == "changxiang58"  # this month is billed on the old plan
    assert summary["pending_plan"] == {
        "code": "changxiang88",
        "name": "全球通畅享88元套餐",
        "effective": "2026-12-01",
    }
    assert store.bill(ZHANG_WEI, "2026-11")["total_fen"] == 6400

    clock.set_day(date(2026, 12, 1))
    summary = store.summary(ZHANG_WEI)
    assert (summary["plan"]["code"], summary["pending_plan"]) == ("changxiang88", None)
    cailing = store.services(ZHANG_WEI)["services"][0]
    assert (cailing["included_in_plan"], cailing["monthly_fee_fen"]) == (True, 0)


def test_no_downgrade_during_a_contract(store: AccountStore) -> None:
    with pytest.raises(Conflict) as refused:
        store.change_plan(WANG_FANG, "shenzhouxing_changting")  # 18 → 8 元
    assert refused.value.code == "downgrade_in_contract"
    assert refused.value.body()["contract_ends"] == "2027-06-30"
    assert refused.value.body()["contract_kind"] == "购机合约"
    assert store.summary(WANG_FANG)["pending_plan"] is None
    assert store.change_plan(WANG_FANG, "changxiang58")["effective"] == "2026-12-01"  # upgrade


def test_downgrade_on_the_last_day_of_the_contract_and_after(
    store: AccountStore, clock: Clock
) -> None:
    clock.set_day(date(2027, 6, 30))
    with pytest.raises(Conflict):
        store.change_plan(WANG_FANG, "shenzhouxing_changting")
    clock.set_day(date(2027, 7, 1))
    assert store.change_plan(WANG_FANG, "shenzhouxing_changting")["effective"] == "2027-08-01"


def test_downgrade_without_a_contract(store: AccountStore) -> None:
    result = store.change_plan(ZHANG_WEI, "shenzhouxing_changting")
    assert (result["plan"]["monthly_fee_fen"], result["effective"]) == (800, "2026-12-01")


def test_same_and_unknown_plans(store: AccountStore) -> None:
    with pytest.raises(Conflict) as same:
        store.change_plan(ZHANG_WEI, "changxiang58")
    assert same.value.code == "same_plan"
    with pytest.raises(NotFound) as unknown:
        store.change_plan(ZHANG_WEI, "changxiang999")
    assert unknown.value.code == "unknown_plan"


def test_december_plan_change_takes_effect_in_january(store: AccountStore, clock: Clock) -> None:
    clock.set_day(date(2026, 12, 15))
    assert store.change_plan(LI_NA, "changxiang58")["effective"] == "2027-01-01"


# -- services -----------------------------------------------------------------------------------


def test_unsubscribe_keeps_this_months_fee(store: AccountStore) -> None:
    assert store.unsubscribe(ZHANG_WEI, "cailing") == {
        "code": "cailing",
        "name": "彩铃",
        "cancelled_on": "2026-11-22",
        "fee_stops": "2026-12-01",
    }
    services = store.services(ZHANG_WEI)
    assert [s["code"] for s in services["services"]] == ["caller_id"]
    assert services["cancelled"] == [
        {"code": "cailing", "name": "彩铃", "cancelled_on": "2026-11-22"}
    ]
    assert store.bill(ZHANG_WEI, "2026-11")["total_fen"] == 6400  # not refunded this month


def test_unsubscribed_fee_stops_next_month(store: AccountStore, clock: Clock) -> None:
    store.unsubscribe(ZHANG_WEI, "cailing")
    clock.set_day(date(2026, 12, 3))
    assert items(store.bill(ZHANG_WEI, "2026-12")) == [("套餐月费", 5800, "全球通畅享58元套餐")]


def test_unsubscribe_twice_or_never_subscribed(store: AccountStore, clock: Clock) -> None:
    store.unsubscribe(ZHANG_WEI, "cailing")
    clock.advance(days=2)
    with pytest.raises(Conflict) as twice:
        store.unsubscribe(ZHANG_WEI, "cailing")
    assert twice.value.code == "not_subscribed"
    assert twice.value.body()["cancelled_on"] == "2026-11-22"
    with pytest.raises(Conflict) as never:
        store.unsubscribe(LI_NA, "cailing")
    assert never.value.code == "not_subscribed"
    assert "cancelled_on" not in never.value.body()
    with pytest.raises(NotFound) as unknown:
        store.unsubscribe(LI_NA, "ringtone_plus")
    assert unknown.value.code == "unknown_service"


def test_subscribe_charges_from_this_month(store: AccountStore) -> None:
    assert store.subscribe(LI_NA, "cailing") == {
        "service": {
            "code": "cailing",
            "name": "彩铃",
            "monthly_fee_fen": 600,
            "included_in_plan": False,
            "subscribed_on": "2026-11-22",
            "channel": "智能客服",
        },
        "effective": "2026-11-22",
    }
    assert store.bill(LI_NA, "2026-11")["total_fen"] == 4280 + 600
    with pytest.raises(Conflict) as again:
        store.subscribe(LI_NA, "cailing")
    assert again.value.code == "already_subscribed"
    with pytest.raises(Conflict):
        store.subscribe(ZHANG_WEI, "caller_id")
    with pytest.raises(NotFound):
        store.subscribe(LI_NA, "ringtone_plus")


def test_subscribe_a_service_the_plan_includes(store: AccountStore) -> None:
    store.unsubscribe(WANG_FANG, "cailing")
    service = store.subscribe(WANG_FANG, "cailing")["service"]
    assert (service["monthly_fee_fen"], service["included_in_plan"]) == (0, True)
    assert store.bill(WANG_FANG, "2026-11")["total_fen"] == 2180


def test_resubscribing_in_the_same_month_charges_once(store: AccountStore) -> None:
    store.unsubscribe(ZHANG_WEI, "cailing")
    store.subscribe(ZHANG_WEI, "cailing")
    assert store.bill(ZHANG_WEI, "2026-11")["total_fen"] == 6400
    services = store.services(ZHANG_WEI)
    assert services["services"][0]["subscribed_on"] == "2026-11-22"
    assert services["cancelled"][0]["cancelled_on"] == "2026-11-22"


# -- transfer of ownership ----------------------------------------------------------------------


def test_transfer_check_of_each_customer(store: AccountStore) -> None:
    assert store.transfer_check(ZHANG_WEI) == {"eligible": True, "failed": []}
    assert store.transfer_check(LI_NA) == {
        "eligible": False,
        "failed": [{"condition": "arrears", "amount_fen": 1250}],
    }
    assert store.transfer_check(WANG_FANG) == {
        "eligible": False,
        "failed": [{"condition": "contract", "kind": "购机合约", "ends": "2027-06-30"}],
    }


def test_transfer_after_the_contract_ends(store: AccountStore, clock: Clock) -> None:
    clock.set_day(date(2027, 7, 1))
    assert store.transfer_check(WANG_FANG)["eligible"] is True


def test_transfer_check_names_status_and_real_name(db: Database, store: AccountStore) -> None:
    # The operator's system changed the account.
    with closing(db.connect()) as other:
        other.execute(
            "UPDATE accounts SET status = 'suspended', real_name = 0 WHERE number = ?", (ZHANG_WEI,)
        )
    assert store.transfer_check(ZHANG_WEI)["failed"] == [
        {"condition": "status", "status": "suspended", "status_text": "欠费停机（双向停机）"},
        {"condition": "real_name"},
    ]


# -- tickets ------------------------------------------------------------------------------------


def test_create_and_read_tickets(store: AccountStore, clock: Clock) -> None:
    first = store.create_ticket(ZHANG_WEI, "计费争议", "没订彩铃却被扣费", "智能客服")
    assert re.fullmatch(r"TS20261122[0-9]{4}", first["id"])
    assert first == {
        "id": first["id"],
        "number": ZHANG_WEI,
        "category": "计费争议",
        "description": "没订彩铃却被扣费",
        "channel": "智能客服",
        "status": "open",
        "created_at": "2026-11-22T10:00:00+08:00",
    }
    clock.advance(minutes=3)
    second = store.create_ticket(ZHANG_WEI, "网络信号", "地下室没有信号", "智能客服")
    assert store.ticket(first["id"]) == first
    assert [t["id"] for t in store.tickets(ZHANG_WEI)] == [second["id"], first["id"]]
    assert store.tickets(LI_NA) == []


def test_ticket_ids_are_unique(store: AccountStore, monkeypatch: pytest.MonkeyPatch) -> None:
    digits = iter([42, 42, 42, 7])
    monkeypatch.setattr(tickets_module, "_random_ticket_digits", lambda: next(digits))
    first = store.create_ticket(LI_NA, "其他", "第一张", "智能客服")
    second = store.create_ticket(LI_NA, "其他", "第二张", "智能客服")
    assert (first["id"], second["id"]) == ("TS202611220042", "TS202611220007")


def test_ticket_refusals(store: AccountStore) -> None:
    with pytest.raises(InvalidInput) as category:
        store.create_ticket(ZHANG_WEI, "投诉", "服务差", "智能客服")
    assert category.value.code == "invalid_category"
    with pytest.raises(InvalidInput) as empty:
        store.create_ticket(ZHANG_WEI, "其他", "   ", "智能客服")
    assert empty.value.code == "invalid_body"
    with pytest.raises(NotFound):
        store.create_ticket(NOT_OURS, "其他", "你好", "智能客服")
    with pytest.raises(NotFound) as unknown:
        store.ticket("TS202611229999")
    assert unknown.value.code == "unknown_ticket"


# -- transactions -------------------------------------------------------------------------------


class FailingConnection:
    """Passes statements to SQLite until one contains `fail_at`, which 'crashes' instead."""

    def __init__(self, connection: Any, fail_at: str) -> None:
        self._connection = connection
        self._fail_at = fail_at

    def execute(self, sql: str, *args: Any) -> Any:
        if self._fail_at in sql:
            raise sqlite3.OperationalError("disk I/O error (simulated)")
        return self._connection.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def crash_at(monkeypatch: pytest.MonkeyPatch, store: AccountStore, fail_at: str) -> None:
    monkeypatch.setattr(store, "_conn", FailingConnection(store._conn, fail_at))


def test_a_write_that_fails_midway_changes_nothing(
    store: AccountStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = store.services(LI_NA)
    crash_at(monkeypatch, store, "WHERE sub.id = ?")  # after the INSERT of the subscription
    with pytest.raises(sqlite3.OperationalError):
        store.subscribe(LI_NA, "cailing")
    monkeypatch.undo()
    assert store.services(LI_NA) == before
    assert store.subscribe(LI_NA, "cailing")["service"]["code"] == "cailing"


def test_a_crash_before_commit_keeps_the_data_as_before(
    store: AccountStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    crash_at(monkeypatch, store, "COMMIT")
    with pytest.raises(sqlite3.OperationalError):
        store.unsubscribe(ZHANG_WEI, "cailing")
    with pytest.raises(sqlite3.OperationalError):
        store.change_plan(ZHANG_WEI, "changxiang88")
    monkeypatch.undo()
    assert [s["code"] for s in store.services(ZHANG_WEI)["services"]] == ["cailing", "caller_id"]
    assert store.summary(ZHANG_WEI)["pending_plan"] is None


def test_writes_take_turns(db: Database, store: AccountStore, clock: Clock) -> None:
    """A second connection's write waits for the first's to commit, and then reads what it
    wrote: no lost update of the wrong-password count (several service processes)."""
    other = AccountStore(db.location, today=clock.today, now=clock.now)
    outcome: list[BaseException] = []

    def third_wrong_password() -> None:
        try:
            other.verify(WANG_FANG, "000000")
        except BaseException as error:
            outcome.append(error)

    try:
        with store._write() as conn:
            conn.execute("UPDATE accounts SET failed_attempts = 2 WHERE number = ?", (WANG_FANG,))
            racer = threading.Thread(target=third_wrong_password)
            racer.start()
            racer.join(0.5)
            assert racer.is_alive()  # waiting for the write lock
        racer.join(10)
        [refusal] = outcome
        assert isinstance(refusal, Locked)  # it saw the two wrong passwords before it
    finally:
        other.shutdown()


def test_seeding_is_one_transaction(tmp_path: Path, databases: Databases, clock: Clock) -> None:
    seed = yaml.safe_load(SEED_FILE.read_text(encoding="utf-8"))
    seed["customers"][2]["plan"] = "no_such_plan"  # the third customer fails the foreign key
    broken = tmp_path / "broken_seed.yml"
    broken.write_text(yaml.safe_dump(seed, allow_unicode=True), encoding="utf-8")
    db = databases.new("seeding")
    with pytest.raises(db.integrity_error):
        AccountStore(db.location, today=clock.today, now=clock.now, seed_file=broken)
    assert db.schema_objects() == 0
    store = AccountStore(db.location, today=clock.today, now=clock.now)
    try:
        assert store.summary(WANG_FANG)["balance_fen"] == 12000
    finally:
        store.shutdown()


def test_a_database_of_another_version_is_refused(db: Database, store: AccountStore) -> None:
    with closing(db.connect()) as other:
        other.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    with pytest.raises(SchemaMismatch, match="reset"):
        AccountStore(db.location)


def test_tables_names_every_table(db: Database, store: AccountStore) -> None:
    """What `python -m bot.accounts reset` drops on PostgreSQL."""
    assert db.tables() == sorted(TABLES)
