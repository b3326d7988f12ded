"""Mobile numbers: the one rule of what a number is (11 digits starting 13-19), how customers
type them, how they may be shown or logged, and the operator's own service number."""

from __future__ import annotations

import re
import unicodedata

# The operator's service number: where customers' SMS go, and what they call for a person.
SERVICE_NUMBER = "10086"
MOBILE_NUMBER = re.compile(r"1[3-9]\d{9}")
# The same number inside free text, not part of a longer run of digits (ticket ids,
# timestamps). `\d` takes any script's digits here: a number typed partly in full-width
# digits is still masked in a log line.
_MOBILE_NUMBER_IN_TEXT = re.compile(rf"(?<!\d){MOBILE_NUMBER.pattern}(?!\d)")
# A run of digits with what people type between them: spaces (full-width ones become plain
# spaces under NFKC), dashes and dots, optionally led by the country code.
_DIGIT_RUN = re.compile(r"(?:\+?86[\s\-]*)?\d(?:[\s\-–—.·]*\d)*")
_NOT_DIGIT = re.compile(r"\D")


def is_mobile_number(number: str) -> bool:
    """Exactly a mobile number in ASCII digits: what the account service stores and the
    operator's network delivers as an SMS sender."""
    return number.isascii() and MOBILE_NUMBER.fullmatch(number) is not None


def digit_runs(text: str) -> list[str]:
    """Each number typed in the text, separators removed (１３８-0013 8000 → 13800138000)."""
    plain = unicodedata.normalize("NFKC", text)
    runs = []
    for match in _DIGIT_RUN.finditer(plain):
        digits = _NOT_DIGIT.sub("", match.group())
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        runs.append(digits)
    return runs


def parse_mobile_number(text: str) -> str | None:
    """The one mobile number in what the customer typed, or None (none, malformed, several)."""
    runs = digit_runs(text)
    if len(runs) != 1 or not is_mobile_number(runs[0]):
        return None
    return runs[0]


def mask_number(number: str) -> str:
    """138****8000: enough for the customer to recognise their line, not enough to dial it."""
    return f"{number[:3]}****{number[-4:]}" if len(number) == 11 else "***"


def mask_phone_numbers(text: str) -> str:
    """Every mobile number in free text masked as `mask_number` does (logs, request lines)."""
    return _MOBILE_NUMBER_IN_TEXT.sub(lambda match: mask_number(match.group()), text)
