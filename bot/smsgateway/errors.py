"""The gateway's refusals (docs/sms_gateway_mock.md): each has its HTTP status, a numeric
`code` (never 0, which is a recorded send) and an English message; the JSON body is
`{"code", "error": <name>, "message", …details}`."""

from __future__ import annotations

from typing import Any, NamedTuple

from bot.service_errors import ServiceError


class Refusal(NamedTuple):
    status: int  # HTTP
    code: int  # the gateway's own
    message: str


_KEY_NEEDED = "A valid key is required: Authorization: Bearer <SMS_GATEWAY_KEY>."
_ONE_PART = "The text is longer than one SMS part (70 UCS-2 code units); send each part on its own."
_INJECTED = "Refused by fault injection (POST /control/refuse); not recorded."

ERRORS: dict[str, Refusal] = {
    "unauthorized": Refusal(401, 1001, _KEY_NEEDED),
    "invalid_body": Refusal(400, 1002, "The request body must be a JSON object."),
    "invalid_field": Refusal(400, 1003, "This field must be a non-empty string."),
    "empty_text": Refusal(400, 1004, "The text is empty."),
    "text_too_long": Refusal(400, 1005, _ONE_PART),
    "invalid_query": Refusal(400, 1006, "A query parameter is malformed."),
    "invalid_control": Refusal(400, 1007, "The control request is malformed."),
    "refused": Refusal(503, 1100, _INJECTED),  # the status is the injected one
    "bridge_unreachable": Refusal(502, 1201, "The bridge could not be reached."),
    "bridge_timeout": Refusal(504, 1202, "The bridge did not answer in time."),
}

ERROR_MESSAGES = {name: refusal.message for name, refusal in ERRORS.items()}


class GatewayError(ServiceError):
    """A refusal of the gateway's API; its body carries the numeric `code` too."""

    messages = ERROR_MESSAGES

    def __init__(self, code: str, *, status: int | None = None, **details: Any) -> None:
        super().__init__(code, **details)
        self.status = status or ERRORS[code].status

    def body(self) -> dict[str, Any]:
        return {"code": ERRORS[self.code].code, **super().body()}
