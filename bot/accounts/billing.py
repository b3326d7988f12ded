"""What a customer has and owes: the catalogue on sale, the account summary, this month's
usage against the plan's allowance, and the bills — a stored month's as billed, this month's
running total computed from usage, the rates and the paid services.
"""

from __future__ import annotations

from typing import Any

from bot.accounts.records import (
    STATUS_TEXT,
    Account,
    AccountOperations,
    load_rates,
    plan_brief,
)
from bot.catalogue import Plan, yuan
from bot.months import is_month_key, month_key
from bot.service_errors import InvalidInput, NotFound
from bot.sql_store import Connection


def mask_owner(owner: str) -> str:
    """The owner's name as the API shows it: 张伟 → 张*."""
    return owner[:1] + "*"


class Billing(AccountOperations):
    """The store's read-only account operations: `catalogue`, `summary`, `usage`, `bill`."""

    def catalogue(self) -> dict[str, Any]:
        """The plans and services on sale, in the KB's order."""
        with self._read() as conn:
            plans = [
                Plan.from_record(dict(row), row["position"])
                for row in conn.execute("SELECT * FROM plans ORDER BY position")
            ]
            services = conn.execute("SELECT * FROM services ORDER BY position").fetchall()
        return {
            "plans": [
                {
                    **plan_brief(plan),
                    "voice_minutes": plan.voice_minutes,
                    "data_mb": plan.data_mb,
                    "includes": [code for code in ("cailing", "caller_id") if plan.includes(code)],
                }
                for plan in plans
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
            "plan": plan_brief(account.plan),
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
            voice_used, data_used = _usage(conn, number, month)
        return {
            "month": month,
            "voice_minutes_used": voice_used,
            "voice_minutes_included": account.plan.voice_minutes,
            "data_mb_used": data_used,
            "data_mb_included": account.plan.data_mb,
        }

    def bill(self, number: str, month: str) -> dict[str, Any]:
        """A stored (final) bill, or this month's running total computed from usage."""
        if not is_month_key(month):
            raise InvalidInput("invalid_month")
        with self._read() as conn:
            account = self._account(conn, number)
            if month == month_key(self._today()):
                items = _running_items(conn, account, month)
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


def _usage(conn: Connection, number: str, month: str) -> tuple[int, int]:
    row = conn.execute(
        "SELECT voice_minutes_used, data_mb_used FROM usage WHERE number = ? AND month = ?",
        (number, month),
    ).fetchone()
    return (row["voice_minutes_used"], row["data_mb_used"]) if row else (0, 0)


def _running_items(conn: Connection, account: Account, month: str) -> list[dict[str, Any]]:
    """Plan fee, calls and data beyond the allowance, and the fees of paid services.

    A service cancelled this month is still charged this month (the fee is not refunded).
    """
    rates = load_rates(conn)
    voice_rate, data_rate = rates["voice_fen_per_minute"], rates["data_fen_per_mb"]
    plan = account.plan
    items = [_item("plan_fee", "套餐月费", plan.fee_fen, plan.name)]
    voice_used, data_used = _usage(conn, account.number, month)
    overages = (
        ("voice_overage", "套餐外国内通话", voice_used, plan.voice_minutes, voice_rate, "分钟"),
        ("data_overage", "GPRS流量费", data_used, plan.data_mb, data_rate, "MB"),
    )
    for code, name, used, included, rate, unit in overages:
        extra = used - (included or 0)
        if extra > 0:
            detail = f"{extra}{unit}×{yuan(rate)}元/{unit}"
            items.append(_item(code, name, extra * rate, detail))
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
                _item(
                    f"{service['code']}_fee",
                    f"{service['name']}功能费",
                    fee,
                    f"{yuan(fee)}元/月",
                )
            )
    return items


def _item(code: str, name: str, amount_fen: int, detail: str) -> dict[str, Any]:
    return {"code": code, "name": name, "amount_fen": amount_fen, "detail": detail}
