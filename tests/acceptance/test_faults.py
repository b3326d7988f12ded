"""A part of the assistant fails while customers talk: they are told, and it recovers by
itself when the part comes back. (A failing account service: test_account_flows.py; a
refusing SMS gateway: tests/channels/test_sms_bridge.py.)"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from tests.conftest import free_port, service_process, start_assistant, texts

pytestmark = pytest.mark.server

TROUBLE = "系统暂时出了点问题"


def test_the_action_server_down_and_back(tmp_path: Path, sender: str) -> None:
    port, token = free_port(), uuid.uuid4().hex
    # Rasa is pointed at an action server that is not there yet.
    assistant = start_assistant(
        tmp_path / "run.log",
        extra_env={
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{port}/webhook",
            "ACTION_TOKEN": token,
        },
    )
    try:
        # Without the action server an FAQ question still gets the knowledge base's answer
        # (the ResponseSelector's, bot/rasa_compat/remote_action.py); what needs the server
        # gets the polite apology, never silence or a trace.
        assert "6元/月" in texts(assistant.say(sender, "彩铃怎么收费"))
        assert TROUBLE in texts(assistant.say(sender, "查余额"))
        env = {**os.environ, "ACTION_PORT": str(port), "ACTION_TOKEN": token}
        with service_process(
            "bot.actionserver", env, tmp_path / "actions.log", f"http://127.0.0.1:{port}/health"
        ):
            assert "手机号码" in texts(assistant.say(sender, "查余额"))
            assert "6元/月" in texts(assistant.say(f"{sender}-faq", "彩铃怎么收费"))
        assert TROUBLE in texts(assistant.say(sender, "13800138000"))
    finally:
        assistant.stop()
