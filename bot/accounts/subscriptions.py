"""What a customer changes on their line, with the operator's rules: value-added services
(subscribed from today, cancelled without refund of this month's fee), the plan (booked for
the 1st of next month, no downgrade during a contract), and the check before a transfer of
ownership.
"""

from __future__ import annotations

from typing import Any

from bot.accounts.records import (
    STATUS_TEXT,
    Account,
    AccountOperations,
    load_plan,
    load_service,
    plan_brief,
)
from bot.months import first_of_next_month
from bot.service_errors import Conflict, NotFound
from bot.sql_store import Row

# Recorded as the channel of services subscribed through the API (the assistant).
API_CHANNEL = "智能客服"


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


class Subscriptions(AccountOperations):
    """The store's operations on a line: `services`, `subscribe`, `unsubscribe`,
    `change_plan` and `transfer_check`."""

    # -- services ---------------------------------------------------------------------------

    def services(self, number: str) -> dict[str, Any]:
        with self._read() as conn:
            account = self._account(conn, number)
            rows = conn.execute(
                """SELECT sub.*, s.name, s.monthly_fee_fen FROM subscriptions AS sub
                   JOIN services AS s ON s.code = sub.code
                   WHERE sub.number = ? ORDER BY s.position, sub.id""",
                (number,),
            ).fetchall()
        active = [_subscription(account, row) for row in rows if row["cancelled_on"] is None]
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

    def subscribe(self, number: str, code: str) -> dict[str, Any]:
        """Subscribes from today; free of charge when the plan includes the service."""
        today = self._today().isoformat()
        with self._write() as conn:
            account = self._account(conn, number)
            load_service(conn, code)
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
        return {"service": _subscription(account, row), "effective": today}

    def unsubscribe(self, number: str, code: str) -> dict[str, Any]:
        """Cancels today; this month's fee is not refunded, none is charged from next month."""
        today = self._today()
        with self._write() as conn:
            self._account(conn, number)
            service = load_service(conn, code)
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

    # -- plan -------------------------------------------------------------------------------

    def change_plan(self, number: str, plan_code: str) -> dict[str, Any]:
        """Books a plan change for the 1st of next month; no downgrade during a contract."""
        today = self._today()
        effective = first_of_next_month(today)
        with self._write() as conn:
            account = self._account(conn, number)
            plan = load_plan(conn, plan_code)
            if plan is None:
                raise NotFound("unknown_plan")
            if plan.code == account.plan.code:
                raise Conflict("same_plan", plan=plan_brief(plan))
            if plan.fee_fen < account.plan.fee_fen and account.in_contract(today):
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
        return {"plan": plan_brief(plan), "effective": effective.isoformat()}

    # -- transfer of ownership --------------------------------------------------------------

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
