"""Runs the mock SMS gateway, or texts the assistant as a customer through it.

    python -m bot.smsgateway                 # serve (what `make run` starts)
    python -m bot.smsgateway send --from 13800138000 --text "查余额" [--gateway URL] [--wait 15]

Settings: SMS_* in docs/configuration.md; SMS_GATEWAY_KEY and SMS_WEBHOOK_SECRET are required
to serve, and different. `send` finds the gateway at SMS_GATEWAY_URL unless --gateway says
otherwise.
"""

from __future__ import annotations

import argparse
import logging
import sys

from bot import settings
from bot.http import serve as serve_app

DEFAULT_WAIT_S = 15.0

logger = logging.getLogger("bot.smsgateway")


def credentials() -> list[str]:
    """Without them anyone could send, or the bridge could not tell us from a forger."""
    return settings.distinct_secrets(
        "SMS gateway",
        ["SMS_GATEWAY_KEY", "SMS_WEBHOOK_SECRET"],
        "whoever may send could then forge inbound messages.",
    )


def serve() -> None:
    from bot.smsgateway.app import create_app
    from bot.smsgateway.store import SmsStore

    key, secret = credentials()
    host, listen_port = settings.listen_address("SMS_GATEWAY")
    bridge = settings.value("SMS_BRIDGE_URL")
    store = SmsStore(settings.database_file("SMS_GATEWAY_DB"))
    app = create_app(store, key, secret, bridge)

    async def announce(*_: object) -> None:
        logger.info(
            "SMS gateway on http://%s:%d, inbound messages go to %s", host, listen_port, bridge
        )

    app.register_listener(announce, "after_server_start")
    serve_app(app, store, host, listen_port)


def positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < 3600:
        raise argparse.ArgumentTypeError(f"a number of seconds above 0, not {value!r}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.smsgateway", description=(__doc__ or "").split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the gateway (the default)")
    send_parser = commands.add_parser(
        "send", help="text the assistant as a customer and print its replies"
    )
    send_parser.add_argument("--from", dest="number", required=True, help="the customer's number")
    send_parser.add_argument("--text", required=True, help="what the customer texts")
    send_parser.add_argument(
        "--gateway", help="the running gateway (default: SMS_GATEWAY_URL or 127.0.0.1:8089)"
    )
    send_parser.add_argument(
        "--wait",
        type=positive_seconds,
        default=DEFAULT_WAIT_S,
        help=f"seconds to wait for the first reply (default {DEFAULT_WAIT_S:g})",
    )
    args = parser.parse_args(argv)
    if args.command == "send":
        from bot.smsgateway.cli import send

        gateway = args.gateway or settings.value("SMS_GATEWAY_URL")
        return send(gateway, args.number, args.text, args.wait)
    serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
