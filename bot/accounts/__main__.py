"""Runs the mock account service, or an operator command on its database.

    python -m bot.accounts                  # serve (what `make run` starts)
    python -m bot.accounts unlock NUMBER    # lift a password lock (works while serving)
    python -m bot.accounts reset            # delete the database; the next start seeds it

Configuration from the environment (docs/account_service_api.md): ACCOUNTS_HOST (127.0.0.1),
ACCOUNTS_PORT (8088), ACCOUNTS_DB (var/accounts.sqlite3), ACCOUNTS_TOKEN (required to serve).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from bot.accounts.app import create_app
from bot.accounts.store import AccountStore, NotFound, is_valid_number
from bot.privacy import install_personal_data_filter

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8088
DEFAULT_DB = "var/accounts.sqlite3"
SANIC_LOGGERS = ("sanic.root", "sanic.error", "sanic.access")


def db_path() -> Path:
    return Path(os.environ.get("ACCOUNTS_DB") or DEFAULT_DB)


def port() -> int:
    value = os.environ.get("ACCOUNTS_PORT") or str(DEFAULT_PORT)
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SystemExit(f"ACCOUNTS_PORT must be a port number (1-65535), not {value!r}")
    return int(value)


def configure_logging() -> None:
    """Our records to stderr; every logger that may see a number masks it.

    Sanic set up its own loggers and handlers when the app was made, so this runs after.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s [%(levelname)s] %(name)s: %(message)s"))
    ours = logging.getLogger("bot")
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)
    ours.propagate = False  # Sanic's loggers propagate to the root: no second copy of ours there
    install_personal_data_filter(
        logging.getLogger(), ours, *(logging.getLogger(name) for name in SANIC_LOGGERS)
    )


def serve() -> None:
    token = os.environ.get("ACCOUNTS_TOKEN", "")
    if not token:
        raise SystemExit(
            "ACCOUNTS_TOKEN is not set: the account service refuses to start without the token "
            "its callers must send (`make run` generates one)."
        )
    host, listen_port, path = os.environ.get("ACCOUNTS_HOST") or DEFAULT_HOST, port(), db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    store = AccountStore(path)
    app = create_app(store, token)
    configure_logging()

    async def close_store(*_: object) -> None:
        store.close()

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
        store.close()
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
