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

`AccountStore` is composed of one class per responsibility, each in its module:

- records.py: the schema, the Account record and its loading (`AccountOperations`, the base
  of the others); a plan is bot/catalogue.py's `Plan`, loaded from its row;
- seed.py: seeding an empty database from the catalogue and seed.yml, in one transaction;
- billing.py: the catalogue, account summary, usage and bills (`Billing`);
- subscriptions.py: services, plan changes and the transfer check (`Subscriptions`);
- verification.py: the service password and its lock-out (`Verification`);
- tickets.py: complaint tickets (`Tickets`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from bot.accounts.billing import Billing
from bot.accounts.records import SCHEMA, SCHEMA_VERSION, TABLES, Account
from bot.accounts.seed import SEED_FILE, populate
from bot.accounts.subscriptions import Subscriptions
from bot.accounts.tickets import TICKET_CATEGORIES, Tickets
from bot.accounts.verification import (
    LOCK_DURATION,
    MAX_PASSWORD_ATTEMPTS,
    Locked,
    Verification,
    WrongPassword,
)
from bot.clock import Clock, local_now
from bot.sql_store import Connection

__all__ = [
    "LOCK_DURATION",
    "MAX_PASSWORD_ATTEMPTS",
    "SCHEMA",
    "SEED_FILE",
    "TABLES",
    "TICKET_CATEGORIES",
    "Account",
    "AccountStore",
    "Locked",
    "WrongPassword",
]


class AccountStore(Billing, Subscriptions, Verification, Tickets):
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

    def _populate(self, conn: Connection) -> None:
        populate(conn, self._seed_file, self._today())
