"""SMS conversations are named after the sender's number, authenticated by the operator's
network. Only the SMS bridge creates such conversations: the REST channel refuses sender ids
with this prefix and the web chat accepts only the hex ids it issues, so "sms:…" can be
trusted as the customer's own verified line."""

from __future__ import annotations

from bot.phone import is_mobile_number

# The channel's name in Rasa (input and output), and the prefix of its conversations.
SMS_CHANNEL = "sms"
PREFIX = f"{SMS_CHANNEL}:"


def sms_sender(number: str) -> str:
    return f"{PREFIX}{number}"


def number_of(sender_id: str | None) -> str | None:
    """The verified number of an SMS conversation; None for any other channel's. The bridge
    names conversations after senders the webhook accepted as mobile numbers, so anything
    else after the prefix was not made by it."""
    if sender_id and sender_id.startswith(PREFIX):
        number = sender_id.removeprefix(PREFIX)
        return number if is_mobile_number(number) else None
    return None
