"""What a log line may say about a customer."""

import logging

import pytest

from bot.privacy import PersonalDataFilter, mask_personal_data


@pytest.mark.parametrize(
    ("said", "logged"),
    [
        ("号码13800138000查余额", "号码138****8000查余额"),
        ("Received user message '258013'", "Received user message '******'"),
        ("密码是２５８０１３", "密码是******"),
        ("身份证11010519900307123X", "身份证110105********123X"),
        ("身份证110105199003071234号", "身份证110105********1234号"),
        # What is not personal stays readable: tickets, amounts, dates, short codes.
        ("工单TS20261122000123，余额56.80元，2026-11-22，回复0000", None),
    ],
)
def test_numbers_passwords_and_id_cards_are_masked(said: str, logged: str | None) -> None:
    assert mask_personal_data(said) == (logged or said)


def test_rasas_own_log_records_are_masked_through_the_handler(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Installed on a handler, the filter also sees records propagated from other loggers."""
    caplog.handler.addFilter(PersonalDataFilter())
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("rasa.core.processor").debug(
            "Received user message '%s' from %s", "258013", "13800138000"
        )
    assert caplog.messages == ["Received user message '******' from 138****8000"]
