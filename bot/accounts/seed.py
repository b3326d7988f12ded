"""Filling an empty account database: the catalogue (data/catalogue.yml) and the demo
customers (seed.yml), inside the transaction that creates the tables, so that a seed that fails
halfway leaves no database behind.

The seed's "last month" bills are stored for the calendar month before the day of seeding, its
usage for that day's month.
"""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.accounts.verification import hash_password
from bot.catalogue import catalogue_data
from bot.months import month_key, months_before
from bot.sql_store import Connection

SEED_FILE = Path(__file__).with_name("seed.yml")


def previous_month_key(day: date) -> str:
    return month_key(months_before(day, 1))


def populate(conn: Connection, seed_file: Path, today: date) -> None:
    """Seeds from the catalogue and `seed_file` (its keys win over the catalogue's)."""
    seed = yaml.safe_load(seed_file.read_text(encoding="utf-8"))
    insert_seed(conn, {**catalogue_data(), **seed}, today)


def insert_seed(conn: Connection, seed: dict[str, Any], today: date) -> None:
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
        _insert_customer(conn, customer, this_month, last_month)


def _insert_customer(
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
            hash_password(str(customer["password"]), salt),
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
