"""Every setting the assistant's processes read from the environment, declared once.

A process reads a setting only through this module (`value`, `port`, `count`, `seconds`,
`path`, `given`), by a name declared in SETTINGS; tests/unit/test_settings.py fails when code
reads the environment anywhere else or by an undeclared name, and when docs/configuration.md
(`python -m bot.settings > docs/configuration.md`) differs from the declarations. A default may
name other settings in braces ("http://127.0.0.1:{ACCOUNTS_PORT}"): one port, written once.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# Who reads a setting, as docs/configuration.md names them.
RASA = "Rasa server"
ACTIONS = "action server"
ACCOUNTS = "account service"
DESK = "agent desk"
GATEWAY = "SMS gateway (mock)"
RUN = "make run / make shell"
PROD = "make run-prod"
BENCH = "make bench"
REPORT = "make report"
TESTS = "tests"


@dataclass(frozen=True)
class Setting:
    name: str
    default: str  # "" when there is none; {NAME} stands for another setting's value
    purpose: str
    read_by: tuple[str, ...]
    # Made up (a secret) or derived (an address) by each start of the stack: a value a
    # parent shell holds is not handed to a stack the tests or the bench start.
    per_run: bool = False


SETTINGS: tuple[Setting, ...] = (
    # -- where each process listens ---------------------------------------------------------
    Setting(
        "BOT_HOST",
        "localhost",
        "host name of the Rasa server in printed and derived addresses",
        (RUN, GATEWAY),
    ),
    Setting(
        "RASA_PORT",
        "5005",
        "the assistant's public port: web chat, REST, SMS webhook",
        (RUN, PROD, RASA, GATEWAY),
    ),
    Setting(
        "SHELL_PORT",
        "5006",
        "the port of `make shell`'s Rasa",
        (RUN,),
    ),
    Setting(
        "ACTION_HOST",
        "127.0.0.1",
        "address the action server listens on",
        (ACTIONS,),
    ),
    Setting(
        "ACTION_PORT",
        "5055",
        "the action server's port",
        (RUN, ACTIONS),
    ),
    Setting(
        "ACTION_WORKERS",
        "1",
        "Sanic worker processes of the action server (2 in make run-prod)",
        (ACTIONS, PROD),
    ),
    Setting(
        "ACCOUNTS_HOST",
        "127.0.0.1",
        "address the account service listens on",
        (ACCOUNTS,),
    ),
    Setting(
        "ACCOUNTS_PORT",
        "8088",
        "the account service's port",
        (RUN, ACCOUNTS),
    ),
    Setting(
        "HANDOFF_HOST",
        "127.0.0.1",
        "address the agent desk listens on",
        (DESK,),
    ),
    Setting(
        "HANDOFF_PORT",
        "8090",
        "the agent desk's port (its page and API)",
        (RUN, DESK),
    ),
    Setting(
        "SMS_GATEWAY_HOST",
        "127.0.0.1",
        "address the mock SMS gateway listens on",
        (GATEWAY,),
    ),
    Setting(
        "SMS_GATEWAY_PORT",
        "8089",
        "the mock SMS gateway's port",
        (RUN, GATEWAY),
    ),
    # -- how the processes find each other --------------------------------------------------
    Setting(
        "ACTION_ENDPOINT_URL",
        "http://127.0.0.1:{ACTION_PORT}/webhook",
        "where Rasa calls the actions (endpoints.yml)",
        (RUN, RASA),
        per_run=True,
    ),
    Setting(
        "ACCOUNTS_URL",
        "http://127.0.0.1:{ACCOUNTS_PORT}",
        "where the actions and the desk's customer card reach the account service",
        (RUN, ACTIONS, DESK),
        per_run=True,
    ),
    Setting(
        "HANDOFF_URL",
        "http://127.0.0.1:{HANDOFF_PORT}",
        "where the actions and channels reach the agent desk",
        (RUN, RASA, ACTIONS),
        per_run=True,
    ),
    Setting(
        "SMS_GATEWAY_URL",
        "http://127.0.0.1:{SMS_GATEWAY_PORT}",
        "where `make sms` reaches the gateway",
        (RUN, GATEWAY),
        per_run=True,
    ),
    Setting(
        "SMS_GATEWAY_SEND_URL",
        "{SMS_GATEWAY_URL}/api/send",
        "where the SMS bridge sends replies (credentials.yml)",
        (RUN, RASA),
        per_run=True,
    ),
    Setting(
        "SMS_BRIDGE_URL",
        "http://{BOT_HOST}:{RASA_PORT}/webhooks/sms/webhook",
        "where the gateway delivers inbound SMS",
        (RUN, GATEWAY),
        per_run=True,
    ),
    Setting(
        "WEBCHAT_ORIGINS",
        "http://localhost:{RASA_PORT},http://127.0.0.1:{RASA_PORT}",
        "origins allowed to open the web chat's socket (credentials.yml), comma-separated",
        (RUN, RASA),
        per_run=True,
    ),
    # -- secrets: made up by each `make run` unless given -----------------------------------
    Setting(
        "ACTION_TOKEN",
        "",
        "the token Rasa sends to the action server (endpoints.yml)",
        (RUN, RASA, ACTIONS),
        per_run=True,
    ),
    Setting(
        "ACCOUNTS_TOKEN",
        "",
        "the token the actions and the desk send to the account service",
        (RUN, ACTIONS, ACCOUNTS, DESK),
        per_run=True,
    ),
    Setting(
        "HANDOFF_TOKEN",
        "",
        "the token our processes send to the agent desk",
        (RUN, RASA, ACTIONS, DESK),
        per_run=True,
    ),
    Setting(
        "AGENT_TOKEN",
        "",
        "the human agents' token for the desk (printed by make run)",
        (RUN, DESK),
        per_run=True,
    ),
    Setting(
        "OPS_TOKEN",
        "",
        "the operators' token for the desk's /ops page (printed by make run); without it no /ops",
        (RUN, DESK),
        per_run=True,
    ),
    Setting(
        "SMS_GATEWAY_KEY",
        "",
        "the key the SMS bridge sends with (credentials.yml)",
        (RUN, RASA, GATEWAY),
        per_run=True,
    ),
    Setting(
        "SMS_WEBHOOK_SECRET",
        "",
        "the secret inbound SMS are signed with (credentials.yml)",
        (RUN, RASA, GATEWAY),
        per_run=True,
    ),
    # -- storage ----------------------------------------------------------------------------
    Setting(
        "TRACKER_STORE_URL",
        "sqlite:///var/tracker.sqlite3",
        "conversations: SQLite, or PostgreSQL in make run-prod (endpoints.yml)",
        (RUN, PROD, RASA, REPORT, DESK),
        per_run=True,
    ),
    Setting(
        "TRACKER_JOURNAL",
        "var/tracker-journal.sqlite3",
        "each Rasa process's own journal of the conversations the database could not take"
        " (replayed when it is back; one file per process)",
        (RUN, PROD, RASA),
    ),
    Setting(
        "LOCK_STORE_URL",
        "memory://",
        "one message per conversation at a time: memory, or Redis in make run-prod (endpoints.yml)",
        (RUN, PROD, RASA),
        per_run=True,
    ),
    Setting(
        "ACCOUNTS_DB",
        "var/accounts.sqlite3",
        "the account service's SQLite file",
        (ACCOUNTS, TESTS, REPORT),
    ),
    Setting(
        "ACCOUNTS_DATABASE_URL",
        "",
        "a postgresql:// database for the account service instead of ACCOUNTS_DB",
        (ACCOUNTS, PROD, REPORT),
        per_run=True,
    ),
    Setting(
        "HANDOFF_DB",
        "var/handoff.sqlite3",
        "the agent desk's SQLite file",
        (DESK, REPORT),
    ),
    Setting(
        "REVIEWED_NLU_FILE",
        "data/nlu/reviewed.yml",
        "the messages operators assigned in /ops: training data, and answered so at once",
        (DESK, ACTIONS),
    ),
    Setting(
        "SMS_GATEWAY_DB",
        "var/smsgateway.sqlite3",
        "the mock gateway's SQLite file",
        (GATEWAY,),
    ),
    Setting(
        "SMS_BRIDGE_DB",
        "var/sms.sqlite3",
        "the SMS bridge's record of what it acknowledged",
        (RASA,),
    ),
    # -- behaviour --------------------------------------------------------------------------
    Setting(
        "HANDOFF_CLAIM_TIMEOUT_S",
        "300",
        "seconds a queued customer waits for an agent before hearing nobody will come",
        (DESK,),
    ),
    Setting(
        "HANDOFF_SERVICE_HOURS",
        "00:00-24:00",
        "when agents work (local time, 08:00-22:00); outside them a handoff is answered at once",
        (DESK,),
    ),
    Setting(
        "HANDOFF_PRESENCE_TTL_S",
        "30",
        "seconds an agent counts as online after their desk page last reported",
        (DESK,),
    ),
    Setting(
        "HANDOFF_WAIT_WARN_S",
        "60",
        "seconds in the queue after which the desk shows the waiting time in amber",
        (DESK,),
    ),
    Setting(
        "HANDOFF_WAIT_ALERT_S",
        "180",
        "seconds in the queue after which the desk shows the waiting time in red",
        (DESK,),
    ),
    Setting(
        "HANDOFF_REPLY_WARN_S",
        "60",
        "seconds a customer's message waits for the agent's reply before it shows in amber",
        (DESK,),
    ),
    Setting(
        "HANDOFF_REPLY_ALERT_S",
        "120",
        "seconds a customer's message waits for the agent's reply before it shows in red",
        (DESK,),
    ),
    Setting(
        "AGENT_PUSH_INTERVAL_S",
        "1",
        "seconds between the channels' looks for agents' replies to deliver",
        (RASA,),
    ),
    Setting(
        "TICKET_LOCK_LIFETIME",
        "60",
        "Rasa's own: seconds a conversation's lock outlives a killed process (20 in make run-prod)",
        (RASA, PROD),
    ),
    # -- the production profile -------------------------------------------------------------
    Setting(
        "RASA_PROCESSES",
        "2",
        "how many Rasa processes run behind nginx",
        (PROD,),
    ),
    Setting(
        "RASA_PROCESS_PORT",
        "5101",
        "the first of their loopback ports",
        (PROD,),
    ),
    Setting(
        "EDGE_REQUESTS_PER_SECOND",
        "20",
        "requests per second nginx takes from one client address (REST, web chat); more are 429",
        (PROD,),
    ),
    Setting(
        "EDGE_BURST",
        "100",
        "requests one client address may send at once above that rate before nginx refuses",
        (PROD,),
    ),
    Setting(
        "EDGE_CONNECTIONS",
        "200",
        "connections one client address may hold open at once (web chat sockets included)",
        (PROD,),
    ),
    Setting(
        "PROD_DATA_DIR",
        "var/prod",
        "where the profile's PostgreSQL, Redis, nginx and secrets live",
        (PROD,),
    ),
    Setting(
        "POSTGRES_PORT",
        "5433",
        "our PostgreSQL's port",
        (PROD,),
    ),
    Setting(
        "POSTGRES_PASSWORD",
        "",
        "our PostgreSQL's password (made up once, kept in PROD_DATA_DIR/secrets.json)",
        (PROD,),
    ),
    Setting(
        "REDIS_PORT",
        "6380",
        "our Redis's port",
        (PROD,),
    ),
    Setting(
        "REDIS_PASSWORD",
        "",
        "our Redis's password (made up once, kept like POSTGRES_PASSWORD)",
        (PROD,),
    ),
    # -- tools ------------------------------------------------------------------------------
    Setting(
        "BENCH_SECONDS",
        "30",
        "measured seconds per load level",
        (BENCH,),
    ),
    Setting(
        "TF_CPP_MIN_LOG_LEVEL",
        "2",
        "TensorFlow's own: how chatty its C++ logging is",
        (RASA,),
    ),
    Setting(
        "CI",
        "",
        "set by CI: tests that lack PostgreSQL or the browser fail instead of skipping",
        (TESTS,),
    ),
    Setting(
        "PATH",
        "/usr/bin:/bin",
        "the system's: where PostgreSQL's programs are found",
        (PROD, TESTS),
    ),
)
DECLARED: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}
REFERENCE = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


def _declared(name: str) -> Setting:
    try:
        return DECLARED[name]
    except KeyError:
        raise KeyError(f"{name} is not declared in bot/settings.py SETTINGS") from None


def given(name: str) -> str:
    """What the environment says, without the default ("" when unset)."""
    _declared(name)
    return os.environ.get(name, "")


def value(name: str, environ: Mapping[str, str] | None = None) -> str:
    """The environment's value, else the declared default with its {NAME}s filled in."""
    setting = _declared(name)
    source = os.environ if environ is None else environ
    if source.get(name):
        return source[name]
    return REFERENCE.sub(lambda found: value(found.group(1), source), setting.default)


def _checked(name: str, parse: Callable[[str], float | None], expected: str) -> float:
    """The setting parsed, or a clear exit naming what it must be (never a traceback)."""
    text = value(name)
    try:
        number = parse(text)
    except ValueError:
        number = None
    if number is None:
        raise SystemExit(f"{name} must be {expected}, not {text!r}")
    return number


def _whole(text: str, low: int, high: int) -> int | None:
    return int(text) if text.isdigit() and low <= int(text) <= high else None


def port(name: str) -> int:
    return int(_checked(name, lambda text: _whole(text, 1, 65535), "a port number (1-65535)"))


def count(name: str) -> int:
    """Of processes, workers."""
    return int(_checked(name, lambda text: _whole(text, 1, 10**6), "a whole number of at least 1"))


def seconds(name: str) -> float:
    def positive(text: str) -> float | None:
        number = float(text)
        return number if math.isfinite(number) and number > 0 else None

    return _checked(name, positive, "a positive number of seconds")


def path(name: str) -> Path:
    return Path(value(name))


def listen_address(service: str) -> tuple[str, int]:
    """SERVICE_HOST and SERVICE_PORT: where a service listens."""
    return value(f"{service}_HOST"), port(f"{service}_PORT")


def database_file(name: str) -> Path:
    """An SQLite file's path, its folder created (a first start on a new machine)."""
    file = path(name)
    file.parent.mkdir(parents=True, exist_ok=True)
    return file


def distinct_secrets(service: str, names: Sequence[str], if_equal: str = "") -> list[str]:
    """The secrets a service refuses to start without; a clear exit, naming each with what its
    declaration says it is for, when one is missing or two are equal (`if_equal` says what
    could then go wrong)."""
    values = [given(name) for name in names]
    missing = [name for name, found in zip(names, values, strict=True) if not found]
    if missing:
        needed = "; ".join(f"{name}, {_declared(name).purpose}" for name in names)
        raise SystemExit(
            f"{' and '.join(missing)} not set: the {service} refuses to start without {needed}."
            " `make run` generates them."
        )
    if len(set(values)) < len(values):
        raise SystemExit(
            f"{' and '.join(names)} are the same: {if_equal} Give them different values."
        )
    return values


def environment() -> dict[str, str]:
    """This process's whole environment, for a child process."""
    return dict(os.environ)


def fresh_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (this process's environment) without the per-run secrets and addresses a parent
    shell may hold: what a stack started on other ports (tests, bench) must not inherit."""
    per_run = {setting.name for setting in SETTINGS if setting.per_run}
    source = os.environ if base is None else base
    return {name: text for name, text in source.items() if name not in per_run}


def export(values: Mapping[str, str]) -> None:
    """Sets variables for this process and its children (a tool running Rasa in-process)."""
    os.environ.update(values)


def sqlite_url(file: Path) -> str:
    """The SQLAlchemy address of an SQLite file (TRACKER_STORE_URL in the embedded profile)."""
    return f"sqlite:///{file.resolve()}"


@dataclass(frozen=True)
class Settings:
    host: str
    rasa_port: int
    action_port: int
    shell_port: int
    accounts_port: int
    handoff_port: int
    sms_gateway_port: int

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"


def load_settings() -> Settings:
    return Settings(
        host=value("BOT_HOST"),
        rasa_port=port("RASA_PORT"),
        action_port=port("ACTION_PORT"),
        shell_port=port("SHELL_PORT"),
        accounts_port=port("ACCOUNTS_PORT"),
        handoff_port=port("HANDOFF_PORT"),
        sms_gateway_port=port("SMS_GATEWAY_PORT"),
    )


# The ports a whole stack (`python -m bot.cli.run`) listens on.
STACK_PORTS = ("RASA_PORT", "ACTION_PORT", "ACCOUNTS_PORT", "HANDOFF_PORT", "SMS_GATEWAY_PORT")


def stack_environment(folder: Path, ports: Mapping[str, int]) -> dict[str, str]:
    """What starts the whole stack (`python -m bot.cli.run`) with its data in `folder` and its
    port settings from `ports` (e.g. {"RASA_PORT": 5123, ...}): fresh databases, embedded
    stores, no secret or address inherited from the parent shell."""
    return {
        **fresh_environment(),
        **{name: str(number) for name, number in ports.items() if _declared(name)},
        "ACCOUNTS_DB": str(folder / "accounts.sqlite3"),
        "HANDOFF_DB": str(folder / "handoff.sqlite3"),
        "SMS_GATEWAY_DB": str(folder / "smsgateway.sqlite3"),
        "SMS_BRIDGE_DB": str(folder / "sms.sqlite3"),
        "TRACKER_STORE_URL": sqlite_url(folder / "tracker.sqlite3"),
        "TRACKER_JOURNAL": str(folder / "tracker-journal.sqlite3"),
        "LOCK_STORE_URL": "memory://",
    }


def markdown() -> str:
    """docs/configuration.md."""
    lines = [
        "# Configuration",
        "",
        "Every environment variable the assistant's processes read, generated from",
        "`bot/settings.py` (`python -m bot.settings > docs/configuration.md`; a test checks it).",
        "`make run` makes up the secrets and derives the addresses for each start; set a",
        "variable to override it. `{NAME}` in a default stands for that variable's value.",
        "",
        "| variable | default | what it is for | read by |",
        "|---|---|---|---|",
    ]
    for setting in SETTINGS:
        default = f"`{setting.default}`" if setting.default else "—"
        lines.append(
            f"| `{setting.name}` | {default} | {setting.purpose} | {', '.join(setting.read_by)} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
