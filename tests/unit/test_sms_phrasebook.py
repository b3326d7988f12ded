"""What an SMS customer types that the bridge understands by itself."""

import pytest

from bot.channels.sms.phrasebook import Kind, phrasebook


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("TD", Kind.OPT_OUT),
        ("td", Kind.OPT_OUT),
        (" 退订 ", Kind.OPT_OUT),
        ("ＳＴＯＰ", Kind.OPT_OUT),
        ("KT", Kind.REJOIN),
        ("更多", Kind.MORE),
        ("2", Kind.OPTION),
        ("２", Kind.OPTION),
        ("退订彩铃", Kind.TEXT),  # 退订 only as the whole message
        ("流量超出怎么收费", Kind.TEXT),
        ("13800138000", Kind.TEXT),
    ],
)
def test_keywords_are_whole_messages_in_any_width_or_case(typed: str, kind: Kind) -> None:
    assert phrasebook().read(typed).kind is kind


@pytest.mark.parametrize(
    ("code", "intent"),
    [
        ("YE", "/check_balance"),
        ("cxll", "/check_usage"),
        ("CXTC", "/check_plan"),
        ("0000", "/check_services"),
    ],
)
def test_short_codes_of_the_knowledge_base_ask_for_the_account(code: str, intent: str) -> None:
    assert phrasebook().read(code).text == intent


def test_options_are_numbered_as_phones_show_them() -> None:
    assert phrasebook().option_line(1, "查余额") == "回复1 查余额"
