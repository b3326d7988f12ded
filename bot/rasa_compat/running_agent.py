"""The Rasa server's loaded model, for what our channels do beside answering: the handoff
gate's suggested answers for the human agent (bot/channels/gate.py).

Relies on Rasa keeping its `Agent` as `app.ctx.agent` on the Sanic app its channels are
registered on (set by `rasa.core.run.load_agent_on_start`, replaced by `rasa.server` when a
model is loaded), on `Agent.is_ready()`, `Agent.parse_message(text)` (the whole NLU
pipeline, our components included) and `Agent.domain.responses`.
"""

from __future__ import annotations

from typing import Any

from sanic import Sanic


class RunningAgent:
    """The model of the Rasa server `app` belongs to; None until Rasa has loaded one."""

    def __init__(self, app: Sanic) -> None:
        self._app = app

    def _agent(self) -> Any:
        agent = getattr(self._app.ctx, "agent", None)
        return agent if agent is not None and agent.is_ready() else None

    async def parse(self, text: str) -> dict[str, Any] | None:
        agent = self._agent()
        return None if agent is None else await agent.parse_message(text)

    def responses(self) -> dict[str, Any]:
        agent = self._agent()
        return {} if agent is None or agent.domain is None else dict(agent.domain.responses)
