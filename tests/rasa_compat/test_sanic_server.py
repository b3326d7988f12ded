"""What bot/rasa_compat/sanic_server.py changes in the Rasa server's Sanic app, and what of
Sanic's (and Rasa's) it relies on."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.core.channels import rest
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, Sanic, response
from sanic.base.meta import SanicMeta
from sanic.handlers import ErrorHandler
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.http import JsonErrorHandler
from bot.rasa_compat.sanic_server import (
    JsonErrorsBlueprint,
    answer_errors_in_json,
    with_json_errors,
)
from tests.serving import new_app, raw_request, serving

MALFORMED_ACCEPT = [b"text/html; q=abc", b";", b"*/*;q=x"]


async def nothing(_: UserMessage) -> None:
    pass


def test_a_blueprints_class_can_be_swapped_for_a_subclass() -> None:
    # Sanic's blueprints have __slots__; its metaclass gives every subclass empty ones, so a
    # subclass has the same layout and an instance's __class__ may be assigned.
    assert type(Blueprint) is SanicMeta
    assert "__slots__" in vars(Blueprint)
    assert vars(JsonErrorsBlueprint)["__slots__"] == ()
    blueprint = Blueprint("swapped")
    assert with_json_errors(blueprint) is blueprint
    assert type(blueprint) is JsonErrorsBlueprint


def test_rasas_rest_channel_builds_a_plain_blueprint() -> None:
    """What with_json_errors is given: a sanic.Blueprint, not a subclass of Rasa's own (whose
    class the swap would lose)."""
    assert type(rest.RestInput().blueprint(nothing)) is Blueprint


def test_sanic_registers_a_blueprint_through_its_register_method() -> None:
    registered: list[tuple[Sanic, dict[str, Any]]] = []

    class Spy(Blueprint):
        def register(self, app: Sanic, options: dict[str, Any]) -> None:
            registered.append((app, options))
            super().register(app, options)

    app = new_app()
    app.blueprint(Spy("spy"), url_prefix="/webhooks/spy")
    assert registered == [(app, {"url_prefix": "/webhooks/spy"})]


def test_registering_gives_the_app_our_error_handler_once() -> None:
    app = new_app()
    assert type(app.error_handler) is ErrorHandler  # Sanic's own, as Rasa leaves it
    app.blueprint(JsonErrorsBlueprint("first"), url_prefix="/webhooks/first")
    handler = app.error_handler
    assert isinstance(handler, JsonErrorHandler)
    app.blueprint(with_json_errors(Blueprint("second")), url_prefix="/webhooks/second")
    answer_errors_in_json(app)
    assert app.error_handler is handler


def app_with_a_channel(ours: bool) -> Sanic:
    blueprint = Blueprint("channel")

    @blueprint.route("/webhook", methods=["POST"])
    async def webhook(_: Request) -> HTTPResponse:
        return response.json({"ok": True})

    app = new_app()
    app.blueprint(with_json_errors(blueprint) if ours else blueprint, url_prefix="/webhooks/c")
    return app


@pytest.mark.parametrize("accept", MALFORMED_ACCEPT)
async def test_sanics_own_error_page_fails_on_a_malformed_accept_header(accept: bytes) -> None:
    async with serving(app_with_a_channel(ours=False)) as url:
        status, _, _ = await raw_request(url, "GET", "/no-such-page", {"Accept": accept})
    assert status == 500


@pytest.mark.parametrize("accept", MALFORMED_ACCEPT)
async def test_with_our_handler_a_malformed_accept_header_keeps_the_status(accept: bytes) -> None:
    async with serving(app_with_a_channel(ours=True)) as url:
        status, headers, body = await raw_request(url, "GET", "/no-such-page", {"Accept": accept})
    assert (status, headers["content-type"]) == (404, "application/json")
    assert b'"unknown_route"' in body


@pytest.mark.parametrize(("ours", "status"), [(False, 500), (True, 417)])
async def test_a_non_utf8_expect_header(ours: bool, status: int) -> None:
    async with serving(app_with_a_channel(ours)) as url:
        answer = await raw_request(url, "POST", "/webhooks/c/webhook", {"Expect": b"\x80"}, b"{}")
    assert answer[0] == status
