"""The operator page and its API on the desk's app: `/ops` (the page, which asks for the
operators' token) and `/ops/api/…` behind OPS_TOKEN (docs/operators.md)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, raw

from bot.http import PAGE_HEADERS, json_object, respond
from bot.ops.console import OpsConsole
from bot.ops.targets import targets
from bot.service_errors import InvalidInput

PAGE_FILE = Path(__file__).with_name("static") / "ops.html"


def add_ops_routes(app: Sanic, console: OpsConsole) -> None:
    page = PAGE_FILE.read_bytes()
    targets()  # checked now: the domain must load before an operator needs it

    @app.get("/ops")
    async def ops_page(request: Request) -> HTTPResponse:
        return raw(page, content_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    # Reading the tracker store takes a while on a busy deployment: in a thread, so that the
    # agents' requests on the same server are not kept waiting meanwhile.
    @app.get("/ops/api/summary")
    async def summary(request: Request) -> HTTPResponse:
        report = await asyncio.get_running_loop().run_in_executor(None, console.summary)
        return respond({"report": report})

    @app.get("/ops/api/review")
    async def review_queue(request: Request) -> HTTPResponse:
        titled = [{"name": name, "title": title} for name, title in targets().items()]
        queue = await asyncio.get_running_loop().run_in_executor(None, console.queue)
        return respond({"queue": queue, "targets": titled})

    @app.post("/ops/api/review")
    async def decide(request: Request) -> HTTPResponse:
        body = json_object(request)
        if body is None:
            raise InvalidInput("invalid_body")
        decided = await asyncio.get_running_loop().run_in_executor(
            None,
            console.decide,
            body.get("key"),
            body.get("decision"),
            body.get("target"),
            body.get("operator"),
        )
        return respond(decided, status=200 if decided["already"] else 201)
