"""The account database's tables and the records read from them, shared by every group of
operations (billing.py, subscriptions.py, verification.py, tickets.py) and by seeding (seed.py).

The loading helpers take the transaction's connection, so that one operation reads everything
in one snapshot; `AccountOperations` is the store as its operations see it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.catalogue import Plan
from bot.phone import is_mobile_number
from bot.service_errors import InvalidInput, NotFound
from bot.sql_store import Connection, Row, SqlStore

SCHEMA_VERSION = "1"

STATUS_TEXT = {
    "active": "正常",
    "suspended_outgoing": "欠费停机（单向停机）",
    "suspended": "欠费停机（双向停机）",
}

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


def plan_brief(plan: Plan) -> dict[str, Any]:
    """A plan as the API names it among other things (an account, a change)."""
    return {"code": plan.code, "name": plan.name, "monthly_fee_fen": plan.fee_fen}


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


def load_plan(conn: Connection, code: str) -> Plan | None:
    row = conn.execute("SELECT * FROM plans WHERE code = ?", (code,)).fetchone()
    if row is None:
        return None
    return Plan.from_record(dict(row), row["position"])


def load_account(conn: Connection, number: str, today: date) -> Account:
    """The account as of `today`; refuses a malformed number and one that is not ours."""
    if not is_mobile_number(number):
        raise InvalidInput("invalid_number")
    row = conn.execute("SELECT * FROM accounts WHERE number = ?", (number,)).fetchone()
    if row is None:
        raise NotFound("not_found")
    plan = load_plan(conn, row["plan_code"])
    pending = load_plan(conn, row["pending_plan_code"]) if row["pending_plan_code"] else None
    effective = date.fromisoformat(row["pending_effective"]) if pending else None
    if pending is not None and effective is not None and effective <= today:
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
        contract_ends=date.fromisoformat(row["contract_ends"]) if row["contract_ends"] else None,
        failed_attempts=row["failed_attempts"],
        locked_until=(datetime.fromisoformat(row["locked_until"]) if row["locked_until"] else None),
        password_salt=row["password_salt"],
        password_hash=row["password_hash"],
    )


def load_service(conn: Connection, code: str) -> Row:
    row = conn.execute("SELECT * FROM services WHERE code = ?", (code,)).fetchone()
    if row is None:
        raise NotFound("unknown_service")
    return row


def load_rates(conn: Connection) -> dict[str, int]:
    return {row["name"]: row["fen"] for row in conn.execute("SELECT * FROM rates")}


class AccountOperations(SqlStore):
    """The base of the store's groups of operations: SqlStore's transactions (`_read`,
    `_write`) and clock (`_now`), today's date (`_today`, set by AccountStore) and the account
    as of today."""

    _today: Callable[[], date]

    def _account(self, conn: Connection, number: str) -> Account:
        return load_account(conn, number, self._today())
