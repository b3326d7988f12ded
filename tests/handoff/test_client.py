"""Our processes' client against the real desk (`python -m bot.handoff` in a subprocess), and
against a desk that is down or hangs.

The desk runs once for this module on a free port with its own database, so each test uses
senders of its own; an agent's part is played over the agent API with `requests`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.handoff.client import DeskClient, DeskRequestError, DeskUnavailable
from bot.handoff.notices import notice
from tests.conftest import Served, free_port, run_module, service_environment, serving_module
from tests.handoff.test_store import TRANSCRIPT
from tests.serving import refusal_of

ROOT = Path(__file__).resolve().parents[2]
NUMBER = "13800138000"


@dataclass(frozen=True)
class RunningDesk(Served):
    """The agent desk in its own process, as `make run` starts it."""

    agent_token: str
    internal_token: str

    def client(self, timeout_s: float = 2.0) -> DeskClient:
        return DeskClient(self.url, self.internal_token, timeout_s=timeout_s)

    def agent(self, handoff_id: int, action: str, **body: Any) -> dict[str, Any]:
        """What an agent's page does: one call of the agent API."""
        response = requests.post(
            f"{self.url}/api/handoffs/{handoff_id}/{action}",
            json=body,
            headers={"Authorization": f"Bearer {self.agent_token}"},
            timeout=5,
        )
        response.raise_for_status()
        return response.json()


def desk_tokens() -> dict[str, str]:
    return {
        "AGENT_TOKEN": "agent-" + uuid.uuid4().hex,
        "HANDOFF_TOKEN": "internal-" + uuid.uuid4().hex,
    }


@contextmanager
def running_desk(folder: Path) -> Iterator[RunningDesk]:
    """`python -m bot.handoff` on a free port, its database and log in `folder`; stopped with
    Ctrl-C (SIGINT) at the end."""
    tokens = desk_tokens()
    # An agent on duty all along (a day-long presence): the desk queues instead of refusing.
    with serving_module(
        "bot.handoff", "HANDOFF", folder, HANDOFF_PRESENCE_TTL_S="86400", **tokens
    ) as served:
        desk = RunningDesk(
            served.url,
            served.db_path,
            served.log_path,
            tokens["AGENT_TOKEN"],
            tokens["HANDOFF_TOKEN"],
        )
        response = requests.post(
            f"{desk.url}/api/presence",
            json={"agent": "值班坐席"},
            headers={"Authorization": f"Bearer {desk.agent_token}"},
            timeout=5,
        )
        response.raise_for_status()
        yield desk


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    folder = tmp_path_factory.mktemp("agent-desk")
    with running_desk(folder) as running:
        yield running


# -- calls against the real desk ----------------------------------------------------------------


async def test_a_conversation_with_an_agent(desk: RunningDesk) -> None:
    client, sender = desk.client(), "会话/1 ?" + uuid.uuid4().hex[:6]
    opened = await client.open_handoff(sender, "rest", "138****8000", None, TRANSCRIPT)
    assert opened["handoff"]["status"] == "queued" and opened["position"] >= 1
    handoff_id = opened["handoff"]["id"]
    assert (await client.active(sender))["handoff"]["id"] == handoff_id  # type: ignore[index]

    kept = await client.inbound(sender, "有人吗？")
    assert (kept["kept"], kept["outbox"], kept["handoff"]["id"]) == (True, [], handoff_id)
    desk.agent(handoff_id, "claim", agent="小王")
    desk.agent(handoff_id, "reply", agent="小王", text="您好，我是小王")
    kept = await client.inbound(sender, "话费多扣了")
    assert (kept["kept"], kept["handoff"]["status"], kept["position"]) == (True, "claimed", None)
    assert [m["text"] for m in kept["outbox"]] == ["人工客服小王：您好，我是小王"]

    desk.agent(handoff_id, "reply", agent="小王", text="已为您退回")
    desk.agent(handoff_id, "hand-back", agent="小王")
    back = await client.inbound(sender, "谢谢")  # the bot answers now, after what waited
    assert back["kept"] is False
    assert [m["text"] for m in back["outbox"]] == [
        "人工客服小王：已为您退回",
        notice("handed_back"),
    ]
    assert await client.active(sender) is None
    assert await client.inbound(sender, "再见") == {"kept": False, "outbox": []}


async def test_a_second_handoff_is_refused_with_the_first(desk: RunningDesk) -> None:
    client, sender = desk.client(), f"twice-{uuid.uuid4().hex[:8]}"
    first = await client.open_handoff(sender, "rest", None, "TS202611220042", [])
    with pytest.raises(DeskRequestError) as twice:
        await client.open_handoff(sender, "rest", None, None, TRANSCRIPT)
    assert (twice.value.status, twice.value.code) == (409, "already_active")
    assert twice.value.body["handoff"]["id"] == first["handoff"]["id"]
    assert twice.value.body["position"] == first["position"]


async def test_malformed_requests_are_request_errors(desk: RunningDesk) -> None:
    with pytest.raises(DeskRequestError) as malformed:
        await desk.client().open_handoff("", "rest", None, None, [])
    assert (malformed.value.status, malformed.value.code) == (400, "invalid_body")
    assert malformed.value.body["field"] == "sender"


async def test_no_conversation_no_call(desk: RunningDesk) -> None:
    client = DeskClient(f"http://127.0.0.1:{free_port()}", "token")  # nobody listens there
    assert await client.active("") is None
    assert await client.inbound("", "你好") == {"kept": False, "outbox": []}
    assert await desk.client().active(f"never-{uuid.uuid4().hex}") is None


async def test_a_wrong_token_is_our_misconfiguration(desk: RunningDesk) -> None:
    for token in ("not-the-token", desk.agent_token):
        with pytest.raises(DeskUnavailable):
            await DeskClient(desk.url, token).inbound("s1", "你好")


async def test_the_desk_log_has_no_numbers(desk: RunningDesk) -> None:
    # A sender id may well be a phone number, and refusals are logged with their path.
    with pytest.raises(DeskUnavailable):
        await DeskClient(desk.url, "not-the-token").active(NUMBER)
    assert await desk.client().active(NUMBER) is None
    log = desk.log_path.read_text(encoding="utf-8", errors="replace")
    assert "GET /internal/handoffs/138****8000 -> 401 unauthorized" in log
    assert "no_active_handoff" not in log  # the usual answer is not logged at INFO
    assert NUMBER not in log


def test_handoffs_survive_a_restart(tmp_path: Path) -> None:
    with running_desk(tmp_path) as first:
        opened = asyncio.run(first.client().open_handoff("s1", "rest", None, None, TRANSCRIPT))
    with running_desk(tmp_path) as second:
        assert asyncio.run(second.client().active("s1")) == opened


# -- a desk that is down or hangs ---------------------------------------------------------------


async def test_a_desk_that_is_down_is_unavailable_at_once() -> None:
    client = DeskClient(f"http://127.0.0.1:{free_port()}", "token")
    for call in (client.inbound("s1", "你好"), client.take_channel_outbox("rest")):
        with pytest.raises(DeskUnavailable) as refused:
            await call
        assert not refused.value.slow  # refused, not waited out


async def test_a_desk_that_never_answers_times_out(
    silent_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = DeskClient(silent_server, "token", timeout_s=0.3)
    refusal, waited_s = await refusal_of(client.active(NUMBER), DeskUnavailable)
    assert refusal.slow and waited_s >= 0.3
    assert "agent desk: GET /internal/handoffs/138****8000 timed out" in caplog.text
    assert NUMBER not in caplog.text


# -- starting the desk --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"AGENT_TOKEN": ""}, "AGENT_TOKEN not set"),
        ({"HANDOFF_TOKEN": ""}, "HANDOFF_TOKEN not set"),
        ({"AGENT_TOKEN": "", "HANDOFF_TOKEN": ""}, "AGENT_TOKEN and HANDOFF_TOKEN not set"),
        ({"AGENT_TOKEN": "same", "HANDOFF_TOKEN": "same"}, "are the same"),
        ({"HANDOFF_CLAIM_TIMEOUT_S": "soon"}, "HANDOFF_CLAIM_TIMEOUT_S must be"),
        ({"HANDOFF_CLAIM_TIMEOUT_S": "0"}, "HANDOFF_CLAIM_TIMEOUT_S must be"),
        ({"HANDOFF_PORT": "80000"}, "HANDOFF_PORT must be"),
    ],
)
def test_starting_without_what_it_needs_is_refused(
    tmp_path: Path, overrides: dict[str, str], expected: str
) -> None:
    db_path = tmp_path / "handoff.sqlite3"
    env = service_environment("HANDOFF", free_port(), db_path, **{**desk_tokens(), **overrides})
    refused = run_module("bot.handoff", env)
    assert refused.returncode != 0
    assert expected in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not db_path.exists()
