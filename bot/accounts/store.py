"""The mock operator's accounts, and every operation of the account service API.

The accounts are in a SQLite file (ACCOUNTS_DB, what `make run` uses) or in a PostgreSQL
database (ACCOUNTS_DATABASE_URL, postgresql://…, the production profile, where several service
processes share it): the same SQL and logic on both, through bot/sql_store.py.

Each public method is one API operation and returns the JSON-ready answer (plain dicts), or
raises a refusal that names the API error code (bot/service_errors.py) (or `StoreUnavailable` when
the database server cannot be reached). Every write is one transaction holding the store's
write lock from its start (SQLite's `BEGIN IMMEDIATE`, an advisory lock on PostgreSQL), rolled
back on any exception, so a crash mid-request leaves the data as it was before or after.
The clock is injected (`today`, `now`) so that billing months, plan-change dates and password
lock-outs can be tested without waiting.

An empty database is seeded from the catalogue (data/catalogue.yml) and seed.yml in one
transaction: the seed's "last month" bills are
stored for the calendar month before the day of seeding, its usage for that day's month.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.catalogue import catalogue_data
from bot.clock import Clock, local_now
from bot.months import first_of_next_month, is_month_key, month_key, months_before
from bot.phone import is_mobile_number
from bot.service_errors import Conflict, InvalidInput, NotFound, ServiceError
from bot.sql_store import Connection, Row, SqlStore

SEED_FILE = Path(__file__).with_name("seed.yml")
SCHEMA_VERSION = "1"

PASSWORD_PATTERN = re.compile(r"[0-9]{6}")

MAX_PASSWORD_ATTEMPTS = 3
LOCK_DURATION = timedelta(minutes=30)
TICKET_CATEGORIES = ("计费争议", "网络信号", "服务态度", "业务办理", "其他")
TICKET_TEXT_MAX = 2000
# A ticket's columns as the API shows them (on PostgreSQL the table also has `rowid`).
TICKET_COLUMNS = "id, number, category, description, channel, status, created_at"
# Recorded as the channel of services subscribed through the API (the assistant).
API_CHANNEL = "智能客服"
STATUS_TEXT = {
    "active": "正常",
    "suspended_outgoing": "欠费停机（单向停机）",
    "suspended": "欠费停机（双向停机）",
}


class WrongPassword(ServiceError):
    """Wrong service password; `attempts_left` before the number is locked."""

    status = 403

    def __init__(self, attempts_left: int) -> None:
        super().__init__("wrong_password", attempts_left=attempts_left)
        self.attempts_left = attempts_left


class Locked(ServiceError):
    """The number is locked after too many wrong passwords."""

    status = 423

    def __init__(self, until: datetime) -> None:
        super().__init__("locked", locked_until=until.isoformat(timespec="seconds"))
        self.until = until


def mask_owner(owner: str) -> str:
    """The owner's name as the API shows it: 张伟 → 张*."""
    return owner[:1] + "*"


def previous_month_key(day: date) -> str:
    return month_key(months_before(day, 1))


def yuan_text(fen: int) -> str:
    """A rate as the KB writes it: 600 → "6", 19 → "0.19"."""
    return str(fen // 100) if fen % 100 == 0 else f"{fen // 100}.{fen % 100:02d}"


def _hash_password(password: str, salt: bytes) -> bytes:
    # A 6-digit PIN cannot be protected from someone holding this file, whatever the hash:
    # the lock-out is the protection. Hashing keeps the PINs out of plain sight and the check
    # sub-millisecond, which is what lets the service call the store directly (see app.py).
    return hashlib.sha256(salt + password.encode()).digest()


def _random_ticket_digits() -> int:
    return secrets.randbelow(10_000)


SCHEMA = (
    """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE rates (name TEXT PRIMARY KEY, fen INTEGER NOT NULL)""",
    """CREATE TABLE plans (
        code TEXT PRIMARY KEY,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        monthly_fee_fen INTEGER NOT NULL,
        voice_minutes INTEGER,
        data_mb INTEGER,
        includes_cailing INTEGER NOT NULL,
        includes_caller_id INTEGER NOT NULL)""",
    """CREATE TABLE services (
        code TEXT PRIMARY KEY,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        monthly_fee_fen INTEGER NOT NULL)""",
    """CREATE TABLE accounts (
        number TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        password_salt {blob} NOT NULL,
        password_hash {blob} NOT NULL,
        plan_code TEXT NOT NULL REFERENCES plans(code),
        pending_plan_code TEXT REFERENCES plans(code),
        pending_effective TEXT,
        balance_fen INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'suspended_outgoing', 'suspended')),
        real_name INTEGER NOT NULL,
        contract_kind TEXT,
        contract_ends TEXT,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT)""",
    """CREATE TABLE usage (
        number TEXT NOT NULL REFERENCES accounts(number),
        month TEXT NOT NULL,
        voice_minutes_used INTEGER NOT NULL,
        data_mb_used INTEGER NOT NULL,
        PRIMARY KEY (number, month))""",
    """CREATE TABLE subscriptions (
        id {id_key},
        number TEXT NOT NULL REFERENCES accounts(number),
        code TEXT NOT NULL REFERENCES services(code),
        subscribed_on TEXT,
        channel TEXT,
        cancelled_on TEXT)""",
    """CREATE UNIQUE INDEX one_active_subscription
        ON subscriptions (number, code) WHERE cancelled_on IS NULL""",
    """CREATE TABLE bills (
        number TEXT NOT NULL REFERENCES accounts(number),
        month TEXT NOT NULL,
        total_fen INTEGER NOT NULL,
        PRIMARY KEY (number, month))""",
    """CREATE TABLE bill_items (
        number TEXT NOT NULL,
        month TEXT NOT NULL,
        position INTEGER NOT NULL,
        code TEXT NOT NULL,
        name TEXT NOT NULL,
        amount_fen INTEGER NOT NULL,
        detail TEXT NOT NULL,
        PRIMARY KEY (number, month, position),
        FOREIGN KEY (number, month) REFERENCES bills(number, month))""",
    """CREATE TABLE tickets (
        id TEXT PRIMARY KEY,
        number TEXT NOT NULL REFERENCES accounts(number),
        category TEXT NOT NULL,
        description TEXT NOT NULL,
        channel TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'closed')),
        created_at TEXT NOT NULL{rowid_column})""",
)


# Every table of SCHEMA, each after those that refer to it (the order to drop them in).
TABLES = (
    "tickets",
    "bill_items",
    "bills",
    "subscriptions",
    "usage",
    "accounts",
    "services",
    "plans",
    "rates",
    "meta",
)


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    monthly_fee_fen: int
    voice_minutes: int | None
    data_mb: int | None
    includes_cailing: bool
    includes_caller_id: bool

    def includes(self, service_code: str) -> bool:
        return {"cailing": self.includes_cailing, "caller_id": self.includes_caller_id}.get(
            service_code, False
        )

    def brief(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "monthly_fee_fen": self.monthly_fee_fen}


@dataclass(frozen=True)
class Account:
    """An account as of today: a plan change whose effective day has come is in force."""

    number: str
    owner: str
    plan: Plan
    pending_plan: Plan | None
    pending_effective: date | None
    balance_fen: int
    status: str
    real_name: bool
    contract_kind: str | None
    contract_ends: date | None
    failed_attempts: int
    locked_until: datetime | None
    password_salt: bytes
    password_hash: bytes

    def contract(self) -> dict[str, Any] | None:
        if self.contract_kind is None or self.contract_ends is None:
            return None
        return {"kind": self.contract_kind, "ends": self.contract_ends.isoformat()}

    def in_contract(self, today: date) -> bool:
        return self.contract_ends is not None and today <= self.contract_ends


class AccountStore(SqlStore):
    """The account database; the operator's `unlock` command opens a second connection on the
    same database while the service runs (see bot/sql_store.py). `location` is the SQLite
    file or a postgresql:// URL."""

    schema = SCHEMA
    schema_version = SCHEMA_VERSION
    made_by = "the account service"
    afresh = "run `python -m bot.accounts reset` to start afresh"

    def __init__(
        self,
        location: Path | str,
        today: Callable[[], date] = date.today,
        now: Clock = local_now,
        seed_file: Path = SEED_FILE,
    ) -> None:
        self._today = today
        self._seed_file = seed_file
        super().__init__(location, now)

    # -- seeding ------------------------------------------------------------------------------

    def _populate(self, conn: Connection) -> None:
        seed = yaml.safe_load(self._seed_file.read_text(encoding="utf-8"))
        self._seed(conn, {**catalogue_data(), **seed})

    def _seed(self, conn: Connection, seed: dict[str, Any]) -> None:
        today = self._today()
        this_month, last_month = month_key(today), previous_month_key(today)
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [("seeded_on", today.isoformat())],
        )
        conn.executemany("INSERT INTO rates (name, fen) VALUES (?, ?)", seed["rates"].items())
        for position, service in enumerate(seed["services"]):
            conn.execute(
                "INSERT INTO services (code, position, name, monthly_fee_fen) VALUES (?, ?, ?, ?)",
                (service["code"], position, service["name"], service["monthly_fee_fen"]),
            )
        for position, plan in enumerate(seed["plans"]):
            conn.execute(
                "INSERT INTO plans VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    plan["code"],
                    position,
                    plan["name"],
                    plan["monthly_fee_fen"],
                    plan["voice_minutes"],
                    plan["data_mb"],
                    int(bool(plan["includes_cailing"])),
                    int(bool(plan["includes_caller_id"])),
                ),
            )
        for customer in seed["customers"]:
            self._seed_customer(conn, customer, this_month, last_month)

    @staticmethod
    def _seed_customer(
        conn: Connection, customer: dict[str, Any], this_month: str, last_month: str
    ) -> None:
        number = customer["number"]
        salt = secrets.token_bytes(16)
        contract = customer.get("contract") or {}
        conn.execute(
            """INSERT INTO accounts (number, owner, password_salt, password_hash, plan_code,
                   balance_fen, status, real_name, contract_kind, contract_ends)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                number,
                customer["owner"],
                salt,
                _hash_password(str(customer["password"]), salt),
                customer["plan"],
                customer["balance_fen"],
                customer["status"],
                int(bool(customer["real_name"])),
                contract.get("kind"),
                contract.get("ends"),
            ),
        )
        usage = customer["usage"]
        conn.execute(
            "INSERT INTO usage VALUES (?, ?, ?, ?)",
            (number, this_month, usage["voice_minutes_used"], usage["data_mb_used"]),
        )
        for service in customer["services"]:
            conn.execute(
                "INSERT INTO subscriptions (number, code, subscribed_on, channel) VALUES (?,?,?,?)",
                (number, service["code"], service["subscribed_on"], service["channel"]),
            )
        items = customer["last_month_bill"]
        conn.execute(
            "INSERT INTO bills VALUES (?, ?, ?)",
            (number, last_month, sum(item["amount_fen"] for item in items)),
        )
        for position, item in enumerate(items):
            conn.execute(
                "INSERT INTO bill_items VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    number,
                    last_month,
                    position,
                    item["code"],
                    item["name"],
                    item["amount_fen"],
                    item["detail"],
                ),
            )

    # -- loading ------------------------------------------------------------------------------

    @staticmethod
    def _plan(conn: Connection, code: str) -> Plan | None:
        row = conn.execute("SELECT * FROM plans WHERE code = ?", (code,)).fetchone()
        if row is None:
            return None
        return Plan(
            code=row["code"],
            name=row["name"],
            monthly_fee_fen=row["monthly_fee_fen"],
            voice_minutes=row["voice_minutes"],
            data_mb=row["data_mb"],
            includes_cailing=bool(row["includes_cailing"]),
            includes_caller_id=bool(row["includes_caller_id"]),
        )

    def _account(self, conn: Connection, number: str) -> Account:
        if not is_mobile_number(number):
            raise InvalidInput("invalid_number")
        row = conn.execute("SELECT * FROM accounts WHERE number = ?", (number,)).fetchone()
        if row is None:
            raise NotFound("not_found")
        plan = self._plan(conn, row["plan_code"])
        pending = self._plan(conn, row["pending_plan_code"]) if row["pending_plan_code"] else None
        effective = date.fromisoformat(row["pending_effective"]) if pending else None
        if pending is not None and effective is not None and effective <= self._today():
            plan, pending, effective = pending, None, None  # the change has taken effect
        assert plan is not None  # foreign key
        return Account(
            number=row["number"],
            owner=row["owner"],
            plan=plan,
            pending_plan=pending,
            pending_effective=effective,
            balance_fen=row["balance_fen"],
            status=row["status"],
            real_name=bool(row["real_name"]),
            contract_kind=row["contract_kind"],
            contract_ends=date.fromisoformat(row["contract_ends"])
            if row["contract_ends"]
            else None,
            failed_attempts=row["failed_attempts"],
            locked_until=(
                datetime.fromisoformat(row["locked_until"]) if row["locked_until"] else None
            ),
            password_salt=row["password_salt"],
            password_hash=row["password_hash"],
        )

    @staticmethod
    def _service(conn: Connection, code: str) -> Row:
        row = conn.execute("SELECT * FROM services WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise NotFound("unknown_service")
        return row

    @staticmethod
    def _rates(conn: Connection) -> dict[str, int]:
        return {row["name"]: row["fen"] for row in conn.execute("SELECT * FROM rates")}

    # -- catalogue and account ----------------------------------------------------------------

    def catalogue(self) -> dict[str, Any]:
        """The plans and services on sale, in the KB's order."""
        with self._read() as conn:
            plans = [
                self._plan(conn, row["code"])
                for row in conn.execute("SELECT code FROM plans ORDER BY position")
            ]
            services = conn.execute("SELECT * FROM services ORDER BY position").fetchall()
        return {
            "plans": [
                {
                    **plan.brief(),
                    "voice_minutes": plan.voice_minutes,
                    "data_mb": plan.data_mb,
                    "includes": [code for code in ("cailing", "caller_id") if plan.includes(code)],
                }
                for plan in plans
                if plan is not None
            ],
            "services": [
                {
                    "code": row["code"],
                    "name": row["name"],
                    "monthly_fee_fen": row["monthly_fee_fen"],
                }
                for row in services
            ],
        }

    def summary(self, number: str) -> dict[str, Any]:
        with self._read() as conn:
            account = self._account(conn, number)
        pending = None
        if account.pending_plan is not None and account.pending_effective is not None:
            pending = {
                "code": account.pending_plan.code,
                "name": account.pending_plan.name,
                "effective": account.pending_effective.isoformat(),
            }
        return {
            "number": account.number,
            "owner": mask_owner(account.owner),
            "plan": account.plan.brief(),
            "balance_fen": account.balance_fen,
            "status": account.status,
            "status_text": STATUS_TEXT[account.status],
            "real_name": account.real_name,
            "contract": account.contract(),
            "pending_plan": pending,
        }

    def usage(self, number: str) -> dict[str, Any]:
        month = month_key(self._today())
        with self._read() as conn:
            account = self._account(conn, number)
            voice_used, data_used = self._usage(conn, number, month)
        return {
            "month": month,
            "voice_minutes_used": voice_used,
            "voice_minutes_included": account.plan.voice_minutes,
            "data_mb_used": data_used,
            "data_mb_included": account.plan.data_mb,
        }

    @staticmethod
    def _usage(conn: Connection, number: str, month: str) -> tuple[int, int]:
        row = conn.execute(
            "SELECT voice_minutes_used, data_mb_used FROM usage WHERE number = ? AND month = ?",
            (number, month),
        ).fetchone()
        return (row["voice_minutes_used"], row["data_mb_used"]) if row else (0, 0)

    # -- bills --------------------------------------------------------------------------------

    def bill(self, number: str, month: str) -> dict[str, Any]:
        """A stored (final) bill, or this month's running total computed from usage."""
        if not is_month_key(month):
            raise InvalidInput("invalid_month")
        with self._read() as conn:
            account = self._account(conn, number)
            if month == month_key(self._today()):
                items = self._running_items(conn, account, month)
                final = False
            else:
                rows = conn.execute(
                    """SELECT code, name, amount_fen, detail FROM bill_items
                       WHERE number = ? AND month = ? ORDER BY position""",
                    (number, month),
                ).fetchall()
                exists = conn.execute(
                    "SELECT 1 FROM bills WHERE number = ? AND month = ?", (number, month)
                ).fetchone()
                if exists is None:
                    raise NotFound("no_bill", month=month)
                items = [dict(row) for row in rows]
                final = True
        return {
            "month": month,
            "final": final,
            "items": items,
            "total_fen": sum(item["amount_fen"] for item in items),
        }

    def _running_items(
        self, conn: Connection, account: Account, month: str
    ) -> list[dict[str, Any]]:
        """Plan fee, calls and data beyond the allowance, and the fees of paid services.

        A service cancelled this month is still charged this month (the fee is not refunded).
        """
        rates = self._rates(conn)
        voice_rate, data_rate = rates["voice_fen_per_minute"], rates["data_fen_per_mb"]
        plan = account.plan
        items = [self._item("plan_fee", "套餐月费", plan.monthly_fee_fen, plan.name)]
        voice_used, data_used = self._usage(conn, account.number, month)
        extra_minutes = voice_used - (plan.voice_minutes or 0)
        if extra_minutes > 0:
            items.append(
                self._item(
                    "voice_overage",
                    "套餐外国内通话",
                    extra_minutes * voice_rate,
                    f"{extra_minutes}分钟×{yuan_text(voice_rate)}元/分钟",
                )
            )
        extra_mb = data_used - (plan.data_mb or 0)
        if extra_mb > 0:
            items.append(
                self._item(
                    "data_overage",
                    "GPRS流量费",
                    extra_mb * data_rate,
                    f"{extra_mb}MB×{yuan_text(data_rate)}元/MB",
                )
            )
        charged = conn.execute(
            """SELECT DISTINCT s.code, s.name, s.monthly_fee_fen, s.position
               FROM subscriptions AS sub JOIN services AS s ON s.code = sub.code
               WHERE sub.number = ? AND s.monthly_fee_fen > 0
                 AND (sub.cancelled_on IS NULL OR sub.cancelled_on >= ?)
               ORDER BY s.position""",
            (account.number, f"{month}-01"),
        ).fetchall()
        for service in charged:
            if not plan.includes(service["code"]):
                fee = service["monthly_fee_fen"]
                items.append(
                    self._item(
                        f"{service['code']}_fee",
                        f"{service['name']}功能费",
                        fee,
                        f"{yuan_text(fee)}元/月",
                    )
                )
        return items

    @staticmethod
    def _item(code: str, name: str, amount_fen: int, detail: str) -> dict[str, Any]:
        return {"code": code, "name": name, "amount_fen": amount_fen, "detail": detail}

    # -- services -----------------------------------------------------------------------------

    def services(self, number: str) -> dict[str, Any]:
        with self._read() as conn:
            account = self._account(conn, number)
            rows = conn.execute(
                """SELECT sub.*, s.name, s.monthly_fee_fen FROM subscriptions AS sub
                   JOIN services AS s ON s.code = sub.code
                   WHERE sub.number = ? ORDER BY s.position, sub.id""",
                (number,),
            ).fetchall()
        active = [self._subscription(account, row) for row in rows if row["cancelled_on"] is None]
        cancelled = sorted(
            (
                {"code": row["code"], "name": row["name"], "cancelled_on": row["cancelled_on"]}
                for row in rows
                if row["cancelled_on"] is not None
            ),
            key=lambda entry: entry["cancelled_on"],
            reverse=True,
        )
        return {"services": active, "cancelled": cancelled}

    @staticmethod
    def _subscription(account: Account, row: Row) -> dict[str, Any]:
        included = account.plan.includes(row["code"])
        return {
            "code": row["code"],
            "name": row["name"],
            "monthly_fee_fen": 0 if included else row["monthly_fee_fen"],
            "included_in_plan": included,
            "subscribed_on": row["subscribed_on"],
            "channel": row["channel"],
        }

    def subscribe(self, number: str, code: str) -> dict[str, Any]:
        """Subscribes from today; free of charge when the plan includes the service."""
        today = self._today().isoformat()
        with self._write() as conn:
            account = self._account(conn, number)
            self._service(conn, code)
            current = conn.execute(
                """SELECT subscribed_on FROM subscriptions
                   WHERE number = ? AND code = ? AND cancelled_on IS NULL""",
                (number, code),
            ).fetchone()
            if current is not None:
                raise Conflict("already_subscribed", subscribed_on=current["subscribed_on"])
            cursor = conn.execute(
                "INSERT INTO subscriptions (number, code, subscribed_on, channel) VALUES (?,?,?,?)",
                (number, code, today, API_CHANNEL),
            )
            row = conn.execute(
                """SELECT sub.*, s.name, s.monthly_fee_fen FROM subscriptions AS sub
                   JOIN services AS s ON s.code = sub.code WHERE sub.id = ?""",
                (cursor.lastrowid,),
            ).fetchone()
        return {"service": self._subscription(account, row), "effective": today}

    def unsubscribe(self, number: str, code: str) -> dict[str, Any]:
        """Cancels today; this month's fee is not refunded, none is charged from next month."""
        today = self._today()
        with self._write() as conn:
            self._account(conn, number)
            service = self._service(conn, code)
            updated = conn.execute(
                """UPDATE subscriptions SET cancelled_on = ?
                   WHERE number = ? AND code = ? AND cancelled_on IS NULL""",
                (today.isoformat(), number, code),
            ).rowcount
            if updated == 0:
                last = conn.execute(
                    """SELECT max(cancelled_on) AS cancelled_on FROM subscriptions
                       WHERE number = ? AND code = ?""",
                    (number, code),
                ).fetchone()["cancelled_on"]
                details = {"cancelled_on": last} if last else {}
                raise Conflict("not_subscribed", **details)
        return {
            "code": code,
            "name": service["name"],
            "cancelled_on": today.isoformat(),
            "fee_stops": first_of_next_month(today).isoformat(),
        }

    # -- plan ---------------------------------------------------------------------------------

    def change_plan(self, number: str, plan_code: str) -> dict[str, Any]:
        """Books a plan change for the 1st of next month; no downgrade during a contract."""
        today = self._today()
        effective = first_of_next_month(today)
        with self._write() as conn:
            account = self._account(conn, number)
            plan = self._plan(conn, plan_code)
            if plan is None:
                raise NotFound("unknown_plan")
            if plan.code == account.plan.code:
                raise Conflict("same_plan", plan=plan.brief())
            if plan.monthly_fee_fen < account.plan.monthly_fee_fen and account.in_contract(today):
                contract = account.contract() or {}
                raise Conflict(
                    "downgrade_in_contract",
                    contract_kind=contract.get("kind"),
                    contract_ends=contract.get("ends"),
                )
            conn.execute(
                """UPDATE accounts SET plan_code = ?, pending_plan_code = ?, pending_effective = ?
                   WHERE number = ?""",
                (account.plan.code, plan.code, effective.isoformat(), number),
            )
        return {"plan": plan.brief(), "effective": effective.isoformat()}

    # -- transfer of ownership ----------------------------------------------------------------

    def transfer_check(self, number: str) -> dict[str, Any]:
        """The KB's conditions (D3): status normal, no arrears, real name, no running contract.

        A suspension for arrears is reported as the arrears alone: paying them restores the
        line by itself (KB A6), so there is one thing to do, not two (demo_accounts.md: 李娜
        fails on the arrears only).
        """
        today = self._today()
        with self._read() as conn:
            account = self._account(conn, number)
        failed: list[dict[str, Any]] = []
        if account.status != "active" and account.balance_fen >= 0:
            failed.append(
                {
                    "condition": "status",
                    "status": account.status,
                    "status_text": STATUS_TEXT[account.status],
                }
            )
        if account.balance_fen < 0:
            failed.append({"condition": "arrears", "amount_fen": -account.balance_fen})
        if not account.real_name:
            failed.append({"condition": "real_name"})
        if account.in_contract(today):
            contract = account.contract() or {}
            failed.append(
                {"condition": "contract", "kind": contract["kind"], "ends": contract["ends"]}
            )
        return {"eligible": not failed, "failed": failed}

    # -- service password ---------------------------------------------------------------------

    def verify(self, number: str, password: str) -> dict[str, Any]:
        """Checks the service password; the third wrong one in a row locks the number.

        While locked every attempt is refused, the right password too; a lock ends by itself
        after LOCK_DURATION (or by `unlock`), and the count starts again from zero.
        """
        if not isinstance(password, str) or PASSWORD_PATTERN.fullmatch(password) is None:
            raise InvalidInput("invalid_password")
        refusal: ServiceError | None = None
        with self._write() as conn:
            account = self._account(conn, number)
            now = self._now()
            if account.locked_until is not None and now < account.locked_until:
                refusal = Locked(account.locked_until)
            else:
                failed = 0 if account.locked_until is not None else account.failed_attempts
                expected = _hash_password(password, account.password_salt)
                if hmac.compare_digest(expected, account.password_hash):
                    failed, locked_until = 0, None
                else:
                    failed += 1
                    locked_until = None
                    refusal = WrongPassword(MAX_PASSWORD_ATTEMPTS - failed)
                    if failed >= MAX_PASSWORD_ATTEMPTS:
                        locked_until = now + LOCK_DURATION
                        failed = 0
                        refusal = Locked(locked_until)
                conn.execute(
                    "UPDATE accounts SET failed_attempts = ?, locked_until = ? WHERE number = ?",
                    (
                        failed,
                        locked_until.isoformat(timespec="seconds") if locked_until else None,
                        number,
                    ),
                )
        if refusal is not None:
            raise refusal
        return {"verified": True}

    def unlock(self, number: str) -> dict[str, Any]:
        """Lifts a lock and forgets earlier wrong passwords (the operator's command)."""
        with self._write() as conn:
            account = self._account(conn, number)
            conn.execute(
                "UPDATE accounts SET failed_attempts = 0, locked_until = NULL WHERE number = ?",
                (number,),
            )
        was_locked = account.locked_until is not None and self._now() < account.locked_until
        return {"number": number, "was_locked": was_locked}

    # -- tickets ------------------------------------------------------------------------------

    def create_ticket(
        self, number: str, category: str, description: str, channel: str
    ) -> dict[str, Any]:
        """Opens a ticket with an id like TS202611220042 (TS, date, four random digits)."""
        if category not in TICKET_CATEGORIES:
            raise InvalidInput("invalid_category", categories=list(TICKET_CATEGORIES))
        for text in (description, channel):
            if not isinstance(text, str) or not text.strip() or len(text) > TICKET_TEXT_MAX:
                raise InvalidInput("invalid_body")
        prefix = f"TS{self._today():%Y%m%d}"
        created_at = self._now().isoformat(timespec="seconds")
        with self._write() as conn:
            self._account(conn, number)
            taken = {
                row["id"]
                for row in conn.execute("SELECT id FROM tickets WHERE id LIKE ?", (f"{prefix}%",))
            }
            if len(taken) >= 10_000:
                raise RuntimeError(f"no ticket id left for {prefix}")
            ticket_id = f"{prefix}{_random_ticket_digits():04d}"
            while ticket_id in taken:
                ticket_id = f"{prefix}{_random_ticket_digits():04d}"
            conn.execute(
                f"INSERT INTO tickets ({TICKET_COLUMNS}) VALUES (?, ?, ?, ?, ?, 'open', ?)",
                (ticket_id, number, category, description.strip(), channel.strip(), created_at),
            )
            row = conn.execute(
                f"SELECT {TICKET_COLUMNS} FROM tickets WHERE id = ?", (ticket_id,)
            ).fetchone()
        return dict(row)

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {TICKET_COLUMNS} FROM tickets WHERE id = ?", (ticket_id,)
            ).fetchone()
        if row is None:
            raise NotFound("unknown_ticket")
        return dict(row)

    def tickets(self, number: str) -> list[dict[str, Any]]:
        """The number's tickets, newest first."""
        with self._read() as conn:
            self._account(conn, number)
            rows = conn.execute(
                f"SELECT {TICKET_COLUMNS} FROM tickets WHERE number = ? ORDER BY rowid DESC",
                (number,),
            ).fetchall()
        return [dict(row) for row in rows]
