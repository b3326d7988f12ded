"""What bot/rasa_compat/running_agent.py relies on in Rasa: the loaded Agent on the Sanic app
as `app.ctx.agent`, `is_ready()`, `parse_message(text)` and `domain.responses`."""

from __future__ import annotations

import inspect
from typing import Any

from rasa.core import run
from rasa.core.agent import Agent
from rasa.shared.core.domain import Domain

from bot.rasa_compat.running_agent import RunningAgent
from tests.serving import new_app


def test_rasa_keeps_its_agent_on_the_app_and_it_has_what_we_call() -> None:
    assert "app.ctx.agent = " in inspect.getsource(run.load_agent_on_start)
    assert list(inspect.signature(Agent.parse_message).parameters) == ["self", "message_data"]
    assert inspect.iscoroutinefunction(inspect.unwrap(Agent.parse_message))  # awaited
    assert list(inspect.signature(Agent.is_ready).parameters) == ["self"]
    domain = Domain.from_dict({"responses": {"utter_hi": [{"text": "你好"}]}})
    assert domain.responses["utter_hi"][0]["text"] == "你好"


async def test_before_a_model_is_loaded_there_is_nothing_to_read_with() -> None:
    model = RunningAgent(new_app())
    assert await model.parse("彩铃怎么收费") is None
    assert model.responses() == {}
    app = new_app()
    app.ctx.agent = Agent()  # what Rasa holds before a model is loaded: not ready
    assert await RunningAgent(app).parse("彩铃怎么收费") is None


class LoadedAgent:
    """An agent as far as RunningAgent uses it, once loaded."""

    domain = Domain.from_dict({"responses": {"utter_hi": [{"text": "你好"}]}})

    def is_ready(self) -> bool:
        return True

    async def parse_message(self, message_data: str) -> dict[str, Any]:
        return {"text": message_data, "intent": {"name": "faq"}}


async def test_a_loaded_model_reads_the_message_and_gives_its_responses() -> None:
    app = new_app()
    app.ctx.agent = LoadedAgent()
    model = RunningAgent(app)
    assert await model.parse("彩铃怎么收费") == {"text": "彩铃怎么收费", "intent": {"name": "faq"}}
    assert model.responses()["utter_hi"][0]["text"] == "你好"


def test_triggering_an_intent_is_done_as_rasas_own_endpoint_does() -> None:
    from rasa import server
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.constants import IS_EXTERNAL
    from rasa.shared.core.events import UserUttered

    endpoint = inspect.getsource(server)
    for step in (
        "app.ctx.agent.lock_store.lock(conversation_id)",
        "processor.fetch_tracker_and_update_session",
        "app.ctx.agent.trigger_intent(",
    ):
        assert step in endpoint
    assert list(inspect.signature(Agent.trigger_intent).parameters) == [
        "self", "intent_name", "entities", "output_channel", "tracker",
    ]  # fmt: skip
    saved = inspect.getsource(MessageProcessor.trigger_external_user_uttered)
    assert "await self.save_tracker(tracker)" in saved
    assert UserUttered.create_external("handoff_ended").metadata == {IS_EXTERNAL: True}


async def test_what_the_bot_said_since_the_customer_last_spoke() -> None:
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = InMemoryTrackerStore(Domain.empty())
    tracker = DialogueStateTracker("customer", [])
    for event in (
        UserUttered("彩铃怎么收费"),
        BotUttered("6元/月", metadata={"utter_action": "utter_faq/cailing_fee"}),
        UserUttered("再见"),
        BotUttered("再见", metadata={"utter_action": "utter_goodbye"}),
        UserUttered.create_external("handoff_ended"),  # not the customer: looked past
        BotUttered("请您对本次服务评价：", metadata={"utter_action": "utter_ask_rating"}),
    ):
        tracker.update(event)
    await store.save(tracker)

    class WithStore(LoadedAgent):
        tracker_store = store

    app = new_app()
    app.ctx.agent = WithStore()
    model = RunningAgent(app)
    assert await model.said_since_customer("customer") == ["utter_goodbye", "utter_ask_rating"]
    assert await model.said_since_customer("stranger") == []


def test_handling_a_message_once_relies_on_how_rasa_handles_and_sends() -> None:
    from rasa.core.processor import MessageProcessor

    handled = inspect.getsource(Agent.handle_message)
    assert "async with self.lock_store.lock(message.sender_id):" in handled
    assert "self.processor.handle_message(" in handled
    # The customer's UserUttered keeps the message's id; the bot's messages reach the channel
    # as BotUttered.message(), which is what a retry is sent again.
    assert "_handle_message_with_tracker(message, tracker)" in inspect.getsource(
        MessageProcessor.log_message
    )
    logged = inspect.getsource(MessageProcessor._handle_message_with_tracker)
    assert "message_id=message.message_id" in logged
    sent = inspect.getsource(MessageProcessor._send_bot_messages)
    assert "send_response(tracker.sender_id, e.message())" in sent


def test_the_answers_to_a_message_are_the_bot_messages_until_the_customer_speaks_again() -> None:
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    from bot.rasa_compat.running_agent import answers_to

    events = [
        UserUttered("查余额", message_id="m1"),
        ActionExecuted("action_listen"),
        BotUttered("请提供手机号码", {"buttons": [{"title": "取消", "payload": "/deny"}]}),
        UserUttered.create_external("handoff_ended"),  # not the customer: looked past
        BotUttered("请您对本次服务评价："),
        UserUttered("13800138000", message_id="m2"),
        BotUttered("请输入服务密码"),
    ]
    first = answers_to(events, "m1")
    assert first is not None
    assert [answer["text"] for answer in first] == ["请提供手机号码", "请您对本次服务评价："]
    assert first[0]["buttons"] == [{"title": "取消", "payload": "/deny"}]
    assert [answer["text"] for answer in answers_to(events, "m2") or []] == ["请输入服务密码"]
    assert answers_to(events, "m3") is None
