"""A desk as the tests run it: the real desk app and the real account service (its customer
cards), each on a loopback port with a store of its own, and an agent on duty."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sanic import Sanic

from bot.accounts.app import create_app as create_account_app
from bot.accounts.client import AccountClient
from bot.accounts.store import AccountStore
from bot.handoff.app import DeskOptions, create_app
from bot.handoff.customer import CustomerCards
from bot.handoff.store import HandoffStore
from tests.accounts.test_store import Clock
from tests.serving import serving

AGENT_TOKEN = "agent-" + uuid.uuid4().hex
INTERNAL_TOKEN = "internal-" + uuid.uuid4().hex
ACCOUNTS_TOKEN = "accounts-" + uuid.uuid4().hex
ON_DUTY = "值班坐席"


def on_duty(store: HandoffStore, options: DeskOptions | None = None) -> None:
    """An agent's page has just reported: the desk queues handoffs instead of turning the
    customer away."""
    store.report_presence(ON_DUTY, True, (options or DeskOptions()).presence_ttl_s)


@dataclass
class RunningDesk:
    app: Sanic
    store: HandoffStore
    accounts: AccountStore
    clock: Clock
    url: str
    accounts_url: str


@asynccontextmanager
async def running_desk(
    tmp_path: Path,
    claim_timeout_s: float = 300,
    options: DeskOptions | None = None,
    clock: Clock | None = None,
    staffed: bool = True,
) -> AsyncIterator[RunningDesk]:
    """`staffed`: an agent is online when it starts (tests that move the clock on report
    again with `on_duty`)."""
    clock = clock or Clock()
    accounts = AccountStore(tmp_path / "accounts.sqlite3", today=clock.today, now=clock.now)
    store = HandoffStore(tmp_path / "handoff.sqlite3", now=clock.now)
    account_app = create_account_app(accounts, ACCOUNTS_TOKEN, name=f"acc_{uuid.uuid4().hex}")
    try:
        async with serving(account_app) as accounts_url:
            cards = CustomerCards(AccountClient(accounts_url, ACCOUNTS_TOKEN))
            app = create_app(
                store,
                AGENT_TOKEN,
                INTERNAL_TOKEN,
                claim_timeout_s,
                cards,
                options,
                now=clock.now,
                name=f"desk_{uuid.uuid4().hex}",
            )
            if staffed:
                on_duty(store, options)
            async with serving(app) as url:
                yield RunningDesk(app, store, accounts, clock, url, accounts_url)
    finally:
        store.shutdown()
        accounts.shutdown()
