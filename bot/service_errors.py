"""The refusals of our services' APIs: an error code, its HTTP status and an explanation.

The account service and the agent desk refuse in the same kinds (malformed input, nothing by
that name, a request that contradicts the state), so each kind is one class here, raised by
either store and answered by either app through `refusal`. What each code means is in
ERROR_MESSAGES, one table for both APIs (docs/account_service_api.md, docs/agent_desk_api.md):
a code the two share, such as `invalid_body`, is explained once.
"""

from __future__ import annotations

from typing import Any, ClassVar

ERROR_MESSAGES = {
    # both services
    "invalid_body": "The request body must be a JSON object with the documented fields.",
    # the account service
    "invalid_number": "A number is 11 digits starting 13-19.",
    "invalid_password": "A service password is 6 digits.",
    "invalid_month": "A month is YYYY-MM.",
    "invalid_category": "Unknown ticket category.",
    "not_found": "This number is not a customer of this operator.",
    "no_bill": "There is no bill for this month.",
    "unknown_service": "No such service.",
    "unknown_plan": "No such plan.",
    "unknown_ticket": "No such ticket.",
    "already_subscribed": "The service is already subscribed.",
    "not_subscribed": "The service is not subscribed.",
    "same_plan": "The number is already on this plan.",
    "downgrade_in_contract": "A plan cannot be downgraded during a contract.",
    "wrong_password": "Wrong service password.",
    "locked": "Too many wrong passwords; the number is locked for a while.",
    # the agent desk
    "unknown_handoff": "No such handoff.",
    "no_active_handoff": "This conversation has no active handoff.",
    "already_active": "This conversation already has an active handoff.",
    "already_claimed": "Another agent has claimed this handoff.",
    "not_claimed_by_you": "Claim this handoff first; only its agent can act on it.",
    "not_active": "This handoff has ended.",
    "not_verified": "This conversation has no verified number.",
    "invalid_query": "A query parameter is malformed (q at most 200 characters, limit 1-200).",
    # the operator page
    "unknown_review": "No such message in the review queue.",
    "already_reviewed": "This message has already been decided.",
}


class ServiceError(Exception):
    """A refusal the API reports to the caller with `status`: `code` is the API's error code,
    explained in English by `messages`, and `details` go into the answer as they are."""

    messages: ClassVar[dict[str, str]] = ERROR_MESSAGES
    status: int

    def __init__(self, code: str, **details: Any) -> None:
        self.code = code
        self.message = self.messages.get(code, code)
        self.details = details
        super().__init__(code)

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.details}


class InvalidInput(ServiceError):
    """Malformed input."""

    status = 400


class NotFound(ServiceError):
    """Nothing by that name: no such customer, bill, ticket or handoff."""

    status = 404


class Conflict(ServiceError):
    """The request contradicts the state (of the account, of the handoff)."""

    status = 409


def refusal(exception: Exception) -> tuple[int, dict[str, Any]] | None:
    """A service's refusal as its answer (status, JSON body); None for any other exception."""
    if not isinstance(exception, ServiceError):
        return None
    return exception.status, exception.body()
