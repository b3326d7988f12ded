"""This month's usage: data in GB with one decimal, and call minutes."""

from __future__ import annotations

from rasa_sdk.events import EventType

from actions.account_action import AccountAction, AccountTurn, gigabytes
from actions.months import from_month_key, month_name


class ActionCheckUsage(AccountAction):
    action_name = "action_check_usage"
    topic = "my_usage"

    async def answer(self, turn: AccountTurn) -> list[EventType]:
        usage = await turn.client.usage(turn.number)
        data_used, data_included = usage["data_mb_used"], usage["data_mb_included"]
        if data_included is None:
            data = turn.text(
                "utter_usage_data_pay_as_you_go", used=gigabytes(data_used), used_mb=data_used
            )
        else:
            data = turn.text(
                "utter_usage_data",
                used=gigabytes(data_used),
                included=gigabytes(data_included),
                left=gigabytes(max(0, data_included - data_used)),
            )
        minutes_used, minutes_included = (
            usage["voice_minutes_used"],
            usage["voice_minutes_included"],
        )
        if minutes_included is None:
            voice = turn.text("utter_usage_voice_pay_as_you_go", used=minutes_used)
        else:
            voice = turn.text(
                "utter_usage_voice",
                used=minutes_used,
                included=minutes_included,
                left=max(0, minutes_included - minutes_used),
            )
        turn.say(
            "utter_usage", month=month_name(from_month_key(usage["month"])), data=data, voice=voice
        )
        return []
