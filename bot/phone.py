"""Mobile numbers as customers type them, and as they may be shown or logged."""

from __future__ import annotations

import re
import unicodedata

MOBILE_NUMBER = re.compile(r"1[3-9]\d{9}")
# A run of digits with what people type between them: spaces (full-width ones become plain
# spaces under NFKC), dashes and dots, optionally led by the country code.
_DIGIT_RUN = re.compile(r"(?:\+?86[\s\-]*)?\d(?:[\s\-–—.·]*\d)*")
_NOT_DIGIT = re.compile(r"\D")


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
    if len(runs) != 1 or not MOBILE_NUMBER.fullmatch(runs[0]):
        return None
    return runs[0]


def mask_number(number: str) -> str:
    """138****8000: enough for the customer to recognise their line, not enough to dial it."""
    return f"{number[:3]}****{number[-4:]}" if len(number) == 11 else "***"
