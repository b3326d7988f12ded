"""What bot/rasa_patches.py changes in Rasa, and what of Rasa's it relies on."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_patches
from bot.rasa_patches import action_response_validator, patch_rasa

VALID: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "verified", "value": True}],
        "responses": [{"text": "好"}],
    },
]
INVALID: list[dict[str, Any]] = [
    {"events": "not a list"},
    {"events": [{"no_event_key": 1}]},
    {"responses": [1]},
]
FAQ_ANSWER = "彩铃功能费6元/月。"


def patch_for_this_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rasa as patch_rasa leaves it, put back as it was after the test."""
    for name in ("_validate_action_result", "run"):
        monkeypatch.setattr(RemoteAction, name, getattr(RemoteAction, name))
    patch_rasa()


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch) -> None:
    patch_for_this_test(monkeypatch)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def remote(name: str = "action_check_balance") -> RemoteAction:
    return RemoteAction(name, EndpointConfig(f"http://127.0.0.1:{closed_port()}/webhook"))


def rasas_verdicts(payloads: list[dict[str, Any]]) -> list[str]:
    verdicts = []
    for payload in payloads:
        try:
            RemoteAction._validate_action_result(remote(), payload)
            verdicts.append("ok")
        except ValidationError as error:
            verdicts.append(error.message)
    return verdicts


def test_the_same_verdicts_as_rasas_own_check(monkeypatch: pytest.MonkeyPatch) -> None:
    rasas_own = RemoteAction._validate_action_result
    before = rasas_verdicts(VALID + INVALID)
    patch_for_this_test(monkeypatch)
    assert RemoteAction._validate_action_result is not rasas_own
    after = rasas_verdicts(VALID + INVALID)
    assert after == before
    assert after[: len(VALID)] == ["ok"] * len(VALID)
    assert all("Failed to validate Action server response" in v for v in after[len(VALID) :])
    assert action_response_validator() is action_response_validator()  # built once


def asked(intent: str) -> DialogueStateTracker:
    """A conversation whose latest message the NLU read as `intent`, with the
    ResponseSelector's pick for the FAQ."""
    selector = {"faq": {"response": {"utter_action": "utter_faq/cailing_fee"}}}
    parse_data = {"intent": {"name": intent, "confidence": 0.9}, "response_selector": selector}
    return DialogueStateTracker.from_events(
        "test", [UserUttered("彩铃怎么收费", {"name": intent}, parse_data=parse_data)]
    )


async def run(action: RemoteAction, tracker: DialogueStateTracker) -> list[Any]:
    domain = Domain.from_dict({"responses": {"utter_faq/cailing_fee": [{"text": FAQ_ANSWER}]}})
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    return await action.run(CollectingOutputChannel(), nlg, tracker, domain)


async def test_rasa_fails_loudly_when_the_action_server_is_not_there() -> None:
    # What the FAQ patch relies on: a refused connection is a RasaException.
    with pytest.raises(RasaException):
        await run(remote(rasa_patches.ANSWER_ACTION), asked("faq"))


@pytest.mark.usefixtures("patched")
async def test_without_the_action_server_an_faq_question_gets_the_selectors_answer() -> None:
    events = await run(remote(rasa_patches.ANSWER_ACTION), asked("faq"))
    assert [event.text for event in events if isinstance(event, BotUttered)] == [FAQ_ANSWER]


@pytest.mark.usefixtures("patched")
async def test_without_the_action_server_anything_else_still_fails() -> None:
    with pytest.raises(RasaException):
        await run(remote(rasa_patches.ANSWER_ACTION), asked("check_balance"))
    with pytest.raises(RasaException):
        await run(remote("action_check_balance"), asked("faq"))
