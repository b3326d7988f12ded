"""Keeps customers' personal data out of logs.

Logs are read by more people, and kept longer, than the account data itself, so every process
masks before a record is written: mobile numbers (13800138000 becomes 138****8000, still
enough to match a log line to a complaint but not to call the customer), ID-card numbers
(110105********123X) and anything shaped like a service password (six digits standing alone
become ******: Rasa's debug log quotes every message, the password included).
"""

from __future__ import annotations

import logging
import re

from bot.phone import mask_phone_numbers

# A resident ID card: 17 digits and a digit or X.
_ID_CARD = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9Xx])")
# Six digits alone: a service password (or the digits of one, full-width ones too).
_PASSWORD_LIKE = re.compile(r"(?<![0-9０-９*])[0-9０-９]{6}(?![0-9０-９*])")
# Every logger of a process whose handlers write records: the root (where Rasa's, rasa_sdk's
# and ours propagate) and Sanic's own, which do not propagate.
PROCESS_LOGGERS = ("", "sanic.root", "sanic.error", "sanic.access")
# What every record has; anything else was added with `extra=` (Sanic's access log: request).
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None)))


def mask_personal_data(text: str) -> str:
    """Mobile numbers, ID-card numbers and password-like digits masked."""
    text = _ID_CARD.sub(r"\1********\2", text)
    return _PASSWORD_LIKE.sub("******", mask_phone_numbers(text))


class PersonalDataFilter(logging.Filter):
    """Masks personal data in a record's message, arguments, extra fields and traceback.

    The message is formatted here (arguments merged in) and the result masked, because a number
    can arrive as an argument of any type. The traceback is formatted and masked too, since
    exception messages often quote the input that caused them. Never drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler to report
            return True
        record.msg = mask_personal_data(message)
        record.args = None
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_ATTRIBUTES and isinstance(value, str):
                setattr(record, name, mask_personal_data(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


def install_personal_data_filter(*loggers: logging.Logger) -> PersonalDataFilter:
    """Adds one PersonalDataFilter to each logger and to each of its handlers.

    A logger's own filters only see records logged on that logger, not those propagated from
    its children, while a handler's filters see every record it writes: both are needed.
    """
    personal_data_filter = PersonalDataFilter()
    for logger in loggers:
        for target in (logger, *logger.handlers):
            if not any(isinstance(f, PersonalDataFilter) for f in target.filters):
                target.addFilter(personal_data_filter)
    return personal_data_filter


def protect_process_logs(*more: logging.Logger) -> PersonalDataFilter:
    """The filter on every logger of this process that writes (see PROCESS_LOGGERS), and on
    `more`; call it after the process's logging is configured (handlers are filtered at the
    time of the call)."""
    loggers = (logging.getLogger(name or None) for name in PROCESS_LOGGERS)
    return install_personal_data_filter(*loggers, *more)
