"""Our two changes to Rasa 3.6's `RemoteAction` (how the Rasa server calls the action server).

`install()` puts both on the class (process-wide; bot/rasa_compat's `install_rasa_server()` calls
it). tests/rasa_compat/test_remote_action.py pins what each one relies on in Rasa.

1. **One schema validator.** Rasa checks every answer of the action server with
   `jsonschema.validate`, which checks the schema itself against its metaschema and builds a
   new validator on every call: 22.8 ms per action call on our machine, 35–48% of the Rasa
   server's CPU under load (py-spy, `make bench`). The same check with one validator built once
   takes 0.5 ms. Behaviour is unchanged: the same schema, the same best-matching error, with
   Rasa's explanation appended.
2. **FAQ answers without the action server.** Every question is answered by `action_answer` on
   the action server (bot/understanding). When that server cannot be reached or fails, an FAQ
   question is still answered, with the ResponseSelector's pick (what Rasa alone would say):
   no context, no reasoning over the plans, but the customer gets the knowledge base's answer
   instead of an apology. Everything else still fails as before (the channels apologise).
"""

from __future__ import annotations

import asyncio
import logging
from functools import cache
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import ActionExecutionRejection, ActionRetrieveResponse, RemoteAction
from rasa.core.channels.channel import OutputChannel
from rasa.core.nlg import NaturalLanguageGenerator
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from bot.understanding.resolve import FAQ_INTENT
from bot.understanding.words import ANSWER_ACTION, FAQ_RESPONSE

logger = logging.getLogger(__name__)


# -- 1. one schema validator --------------------------------------------------------------------


@cache
def action_response_validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    error = best_match(action_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


# -- 2. FAQ answers without the action server ---------------------------------------------------

_rasas_remote_run = RemoteAction.run


async def _run_or_answer_from_the_selector(
    self: RemoteAction,
    output_channel: OutputChannel,
    nlg: NaturalLanguageGenerator,
    tracker: DialogueStateTracker,
    domain: Domain,
) -> list[Event]:
    try:
        return await _rasas_remote_run(self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:  # a form's "not this slot": Rasa's own business
        raise
    except (RasaException, asyncio.TimeoutError) as failure:
        # Rasa raises RasaException for a refused connection or an error status, and lets
        # the request's timeout through as it is.
        if self.name() != ANSWER_ACTION or tracker.latest_message.intent.get("name") != FAQ_INTENT:
            raise
        logger.warning(
            "%s failed (%s); the FAQ question gets the ResponseSelector's answer",
            ANSWER_ACTION,
            type(failure).__name__,
        )
        selector_answer = ActionRetrieveResponse(FAQ_RESPONSE, silent_fail=True)
        return await selector_answer.run(output_channel, nlg, tracker, domain)


def install() -> None:
    """Both changes, on Rasa's class. Idempotent."""
    RemoteAction._validate_action_result = _validate_action_result
    RemoteAction.run = _run_or_answer_from_the_selector


__all__ = ["ValidationError", "action_response_validator", "install"]
