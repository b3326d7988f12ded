"""Runs the mock account service, or an operator command on its database.

    python -m bot.accounts                  # serve (what `make run` starts)
    python -m bot.accounts unlock NUMBER    # lift a password lock (works while serving)
    python -m bot.accounts reset            # delete the database; the next start seeds it

Configuration from the environment (docs/account_service_api.md): ACCOUNTS_HOST (127.0.0.1),
ACCOUNTS_PORT (8088), ACCOUNTS_DB (var/accounts.sqlite3), ACCOUNTS_TOKEN (required to serve).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bot.accounts.app import create_app
from bot.accounts.store import AccountStore, NotFound, is_valid_number
from bot.http import configure_service_logging
from bot.settings import env_port

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8088
DEFAULT_DB = "var/accounts.sqlite3"


def db_path() -> Path:
    return Path(os.environ.get("ACCOUNTS_DB") or DEFAULT_DB)


def serve() -> None:
    token = os.environ.get("ACCOUNTS_TOKEN", "")
    if not token:
        raise SystemExit(
            "ACCOUNTS_TOKEN is not set: the account service refuses to start without the token "
            "its callers must send (`make run` generates one)."
        )
    host = os.environ.get("ACCOUNTS_HOST") or DEFAULT_HOST
    listen_port, path = env_port("ACCOUNTS_PORT", DEFAULT_PORT), db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    store = AccountStore(path)
    app = create_app(store, token)
    configure_service_logging()

    async def close_store(*_: object) -> None:
        store.shutdown()

    app.register_listener(close_store, "after_server_stop")
    app.run(host=host, port=listen_port, workers=1, debug=False, access_log=False)


def unlock(number: str) -> None:
    if not is_valid_number(number):
        raise SystemExit(f"{number!r} is not a mobile number (11 digits starting 13-19)")
    path = db_path()
    if not path.exists():
        raise SystemExit(f"No database at {path}: nothing to unlock.")
    store = AccountStore(path)
    try:
        result = store.unlock(number)
    except NotFound:
        raise SystemExit(f"{number} is not a customer in {path}.") from None
    finally:
        store.shutdown()
    print(f"{number} unlocked." if result["was_locked"] else f"{number} was not locked.")


def reset() -> None:
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
    commands.add_parser("reset", help="delete the database; the next start seeds it afresh")
    args = parser.parse_args(argv)
    if args.command == "unlock":
        unlock(args.number)
    elif args.command == "reset":
        reset()
    else:
        serve()


if __name__ == "__main__":
    main()
