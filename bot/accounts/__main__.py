"""Runs the mock account service, or an operator command on its database.

    python -m bot.accounts                  # serve (what `make run` starts)
    python -m bot.accounts unlock NUMBER    # lift a password lock (works while serving)
    python -m bot.accounts reset            # delete the database; the next start seeds it

Settings: ACCOUNTS_* in docs/configuration.md; ACCOUNTS_TOKEN is required to serve. The
database is the SQLite file ACCOUNTS_DB unless ACCOUNTS_DATABASE_URL names a PostgreSQL database
(postgresql://user:password@host:port/database; it must exist, the service creates and seeds
its tables), which several service processes may share. The commands use the same database.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot import settings
from bot.accounts.app import create_app
from bot.accounts.store import TABLES, AccountStore
from bot.http import serve as serve_app
from bot.phone import is_mobile_number
from bot.service_errors import NotFound
from bot.sql_store import backend_for, connect, is_database_url


def db_path() -> Path:
    return settings.path("ACCOUNTS_DB")


def database_url() -> str | None:
    """ACCOUNTS_DATABASE_URL when set (it must be a postgresql:// URL), else None."""
    url = settings.value("ACCOUNTS_DATABASE_URL") or None
    if url is not None and not is_database_url(url):
        raise SystemExit("ACCOUNTS_DATABASE_URL must be a postgresql://user:password@host/db URL")
    return url


def location() -> Path | str:
    """The PostgreSQL database of ACCOUNTS_DATABASE_URL, or the SQLite file of ACCOUNTS_DB."""
    return database_url() or db_path()


def described(where: Path | str) -> str:
    """The database as messages name it (a URL without its password)."""
    return backend_for(where).describe()


def serve() -> None:
    (token,) = settings.distinct_secrets("account service", ["ACCOUNTS_TOKEN"])
    (host, listen_port), where = settings.listen_address("ACCOUNTS"), location()
    if isinstance(where, Path):
        where.parent.mkdir(parents=True, exist_ok=True)
    store = AccountStore(where)
    app = create_app(store, token)
    serve_app(app, store, host, listen_port)


def unlock(number: str) -> None:
    if not is_mobile_number(number):
        raise SystemExit(f"{number!r} is not a mobile number (11 digits starting 13-19)")
    where = location()
    if isinstance(where, Path) and not where.exists():
        raise SystemExit(f"No database at {where}: nothing to unlock.")
    store = AccountStore(where)
    try:
        result = store.unlock(number)
    except NotFound:
        raise SystemExit(f"{number} is not a customer in {described(where)}.") from None
    finally:
        store.shutdown()
    print(f"{number} unlocked." if result["was_locked"] else f"{number} was not locked.")


def reset() -> None:
    url = database_url()
    if url is not None:
        conn = connect(url)
        try:
            for table in TABLES:
                conn.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
        finally:
            conn.close()
        print(f"Dropped the account tables in {described(url)}; the next start seeds them afresh.")
        return
    path = db_path()
    removed = [
        file
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
        if file.exists()
    ]
    for file in removed:
        file.unlink()
    if removed:
        print(f"Deleted {path}; the next start seeds it afresh (stop a running service first).")
    else:
        print(f"No database at {path}; the next start seeds one.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bot.accounts", description=(__doc__ or "").split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the API (the default)")
    unlock_parser = commands.add_parser("unlock", help="lift a password lock")
    unlock_parser.add_argument("number")
    commands.add_parser(
        "reset", help="delete the database (its tables on PostgreSQL); the next start seeds it"
    )
    args = parser.parse_args(argv)
    if args.command == "unlock":
        unlock(args.number)
    elif args.command == "reset":
        reset()
    else:
        serve()


if __name__ == "__main__":
    main()
