"""Rasa checks action answers as before, with one validator instead of one per call."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_patches import action_response_validator, cache_action_response_validator

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


def remote() -> RemoteAction:
    return RemoteAction("action_check_balance", EndpointConfig("http://127.0.0.1:1/webhook"))


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
    before = rasas_verdicts(VALID + INVALID)
    monkeypatch.setattr(
        RemoteAction, "_validate_action_result", RemoteAction._validate_action_result
    )
    cache_action_response_validator()
    after = rasas_verdicts(VALID + INVALID)
    assert after == before
    assert after[: len(VALID)] == ["ok"] * len(VALID)
    assert all("Failed to validate Action server response" in v for v in after[len(VALID) :])
    assert action_response_validator() is action_response_validator()  # built once
