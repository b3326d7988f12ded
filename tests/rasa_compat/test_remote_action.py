"""What bot/rasa_compat/remote_action.py changes in Rasa, and what of Rasa's it relies on."""

from __future__ import annotations

import asyncio
import inspect
import json
import socket
from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import ActionExecutionRejection, ActionRetrieveResponse, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot.rasa_compat import remote_action
from bot.rasa_compat.remote_action import action_response_validator, install

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
    """Rasa as install() leaves it, put back as it was after the test."""
    for name in ("_validate_action_result", "run"):
        monkeypatch.setattr(RemoteAction, name, getattr(RemoteAction, name))
    install()


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch) -> None:
    patch_for_this_test(monkeypatch)


def parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_methods_replaced_are_rasas_with_the_signatures_we_replace_them_with() -> None:
    assert parameters(RemoteAction._validate_action_result) == ["self", "result"]
    assert parameters(RemoteAction.run) == ["self", "output_channel", "nlg", "tracker", "domain"]
    assert parameters(remote_action._validate_action_result) == ["self", "result"]
    assert parameters(remote_action._run_or_answer_from_the_selector) == parameters(
        RemoteAction.run
    )
    # The schema the one validator is built from, as Rasa's own check reads it.
    spec = inspect.getattr_static(RemoteAction, "action_response_format_spec")
    assert isinstance(spec, staticmethod)
    assert RemoteAction.action_response_format_spec()["type"] == "object"
    assert parameters(ActionRetrieveResponse) == ["name", "silent_fail"]


def test_install_is_idempotent(monkeypatch: pytest.MonkeyPatch) -> None:
    patch_for_this_test(monkeypatch)
    installed = RemoteAction.run, RemoteAction._validate_action_result
    install()
    assert (RemoteAction.run, RemoteAction._validate_action_result) == installed
    assert remote_action._rasas_remote_run.__module__ == "rasa.core.actions.action"


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
        await run(remote(remote_action.ANSWER_ACTION), asked("faq"))


@pytest.mark.usefixtures("patched")
async def test_without_the_action_server_an_faq_question_gets_the_selectors_answer() -> None:
    events = await run(remote(remote_action.ANSWER_ACTION), asked("faq"))
    assert [event.text for event in events if isinstance(event, BotUttered)] == [FAQ_ANSWER]


@pytest.mark.usefixtures("patched")
async def test_without_the_action_server_anything_else_still_fails() -> None:
    with pytest.raises(RasaException):
        await run(remote(remote_action.ANSWER_ACTION), asked("check_balance"))
    with pytest.raises(RasaException):
        await run(remote("action_check_balance"), asked("faq"))


class StubEndpoint(EndpointConfig):
    """An action server that answers `answer` (or raises it), without HTTP."""

    def __init__(self, answer: Any) -> None:
        super().__init__("http://stub.invalid/webhook")
        self.answer = answer

    async def request(self, *_: Any, **__: Any) -> Any:
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


def stubbed(answer: Any, name: str = remote_action.ANSWER_ACTION) -> RemoteAction:
    return RemoteAction(name, StubEndpoint(answer))


async def test_rasa_checks_every_answer_with_validate_action_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checked: list[Any] = []
    monkeypatch.setattr(
        RemoteAction, "_validate_action_result", lambda self, result: checked.append(result)
    )
    answer = {"events": [], "responses": [{"text": "好"}]}
    events = await run(stubbed(answer, "action_check_balance"), asked("check_balance"))
    assert checked == [answer]
    assert [event.text for event in events if isinstance(event, BotUttered)] == ["好"]


@pytest.mark.usefixtures("patched")
async def test_an_invalid_answer_is_still_refused_through_run() -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        await run(stubbed({"events": "not a list"}, "action_check_balance"), asked("faq"))


async def test_rasa_lets_the_requests_timeout_through() -> None:
    # What the FAQ patch catches besides RasaException.
    with pytest.raises(asyncio.TimeoutError):
        await run(stubbed(asyncio.TimeoutError()), asked("faq"))


@pytest.mark.usefixtures("patched")
async def test_a_timed_out_faq_question_gets_the_selectors_answer() -> None:
    events = await run(stubbed(asyncio.TimeoutError()), asked("faq"))
    assert [event.text for event in events if isinstance(event, BotUttered)] == [FAQ_ANSWER]


def rejected() -> ClientResponseError:
    body = {"action_name": remote_action.ANSWER_ACTION, "error": "not this slot"}
    return ClientResponseError(400, "Bad Request", json.dumps(body))


async def test_rasa_makes_a_400_a_rejection_which_is_a_rasa_exception() -> None:
    # Why the FAQ patch lets ActionExecutionRejection through before catching RasaException.
    assert issubclass(ActionExecutionRejection, RasaException)
    with pytest.raises(ActionExecutionRejection):
        await run(stubbed(rejected()), asked("faq"))


@pytest.mark.usefixtures("patched")
async def test_a_rejection_is_not_answered_from_the_selector() -> None:
    with pytest.raises(ActionExecutionRejection):
        await run(stubbed(rejected()), asked("faq"))
