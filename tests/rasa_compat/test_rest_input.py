"""What bot/rasa_compat/rest_input.py changes in Rasa's REST channel, and what of Rasa's webhook
it relies on."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest
from rasa.core.channels import rest
from rasa.core.channels.channel import UserMessage
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot.rasa_compat import rest_input
from tests.serving import new_app, raw_request, serving

NOT_OBJECTS = [b"", b"[]", b'"message"', b"1", b"null"]


class Recorder:
    """Rasa's on_new_message: keeps each message and answers it."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_text_message(message.sender_id, "好")


async def post(channel: rest.RestInput, body: bytes) -> tuple[int, Recorder]:
    recorder = Recorder()
    app = new_app()
    app.blueprint(channel.blueprint(recorder), url_prefix="/webhooks/rest")
    async with serving(app) as url:
        headers = {"Content-Type": b"application/json"}
        status, _, _ = await raw_request(url, "POST", "/webhooks/rest/webhook", headers, body)
    return status, recorder


def body(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


def test_the_readers_we_override_are_rasas_with_their_signatures() -> None:
    for name in ("_extract_sender", "_extract_message", "_extract_input_channel"):
        assert list(inspect.signature(getattr(rest.RestInput, name)).parameters) == ["self", "req"]
    assert inspect.iscoroutinefunction(rest.RestInput._extract_sender)  # awaited by the route
    assert not inspect.iscoroutinefunction(rest.RestInput._extract_input_channel)
    assert inspect.iscoroutinefunction(rest_input.RestInput._extract_sender)
    assert not inspect.iscoroutinefunction(rest_input.RestInput._extract_input_channel)


async def test_rasas_webhook_reads_the_sender_first_through_the_channels_methods() -> None:
    """The body check in `_extract_sender` protects `_extract_message` only because the route
    reads the sender first."""
    read: list[str] = []

    class Spy(rest.RestInput):
        async def _extract_sender(self, req: Request) -> str | None:
            read.append("sender")
            return await super()._extract_sender(req)

        def _extract_message(self, req: Request) -> str | None:
            read.append("message")
            return super()._extract_message(req)

        def _extract_input_channel(self, req: Request) -> str:
            read.append("input_channel")
            return super()._extract_input_channel(req)

        def get_metadata(self, request: Request) -> dict[str, Any] | None:
            read.append("metadata")
            return super().get_metadata(request)

    status, recorder = await post(Spy(), body(sender="a", message="你好"))
    assert status == 200
    assert read == ["sender", "message", "input_channel", "metadata"]
    assert [(m.sender_id, m.text) for m in recorder.messages] == [("a", "你好")]


@pytest.mark.parametrize("not_an_object", NOT_OBJECTS)
async def test_a_body_that_is_not_an_object(not_an_object: bytes) -> None:
    rasas_status, _ = await post(rest.RestInput(), not_an_object)
    our_status, ours = await post(rest_input.RestInput(), not_an_object)
    assert (rasas_status, our_status) == (500, 400)
    assert ours.messages == []


async def test_the_caller_cannot_name_the_input_channel() -> None:
    said = body(sender="a", message="你好", input_channel="sms")
    _, rasas = await post(rest.RestInput(), said)
    _, ours = await post(rest_input.RestInput(), said)
    assert [m.input_channel for m in rasas.messages] == ["sms"]
    assert [m.input_channel for m in ours.messages] == ["rest"]


async def test_the_channel_may_refuse_a_sender() -> None:
    class NoMallory(rest_input.RestInput):
        def check_sender(self, sender: Any) -> None:
            if sender == "mallory":
                raise InvalidUsage("no")

    assert (await post(NoMallory(), body(sender="alice", message="hi")))[0] == 200
    status, recorder = await post(NoMallory(), body(sender="mallory", message="hi"))
    assert status == 400
    assert recorder.messages == []
