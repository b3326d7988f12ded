"""Every place our code overrides an internal of Rasa 3.6, Sanic 21.12 or python-socketio.

The rest of the code keeps its own logic where it is (the guard, the channels, the password
redaction); what reaches into the frameworks is here, one module per override, and each has a
test in tests/rasa_compat/ that pins what it relies on and shows that it changes something, so
an upgrade that moves the ground under one fails there, loudly, and not in front of customers.

Importing any of these modules changes nothing (tests/rasa_compat/test_install.py imports
every module of bot/ and checks). What is process-wide is installed by `install_rasa_server()`,
explicitly: Rasa's own `rasa run` starts the Rasa server (bot/cli/run.py), and the first call
it makes to our code once its logging is configured and its Sanic app exists is an input
channel's `blueprint()` (Rasa's `configure_app` → `rasa.core.channels.channel.register`), for
each channel of credentials.yml. So each of our channels calls it, first thing there
(bot/channels/rest.py, webchat/channel.py, sms/channel.py): whichever channels credentials.yml
keeps, the process is set up. It is idempotent. The other overrides are subclasses and
functions the channels and endpoints.yml's tracker store use where they use them.

The overrides, what of Rasa's or Sanic's each relies on, and why we need it:

- `remote_action` — replaces `RemoteAction._validate_action_result(self, result)` and
  `RemoteAction.run(self, output_channel, nlg, tracker, domain)` on Rasa's class (installed by
  `install_rasa_server()`). Relies on `run` checking the action server's answer with
  `_validate_action_result`, on a refused connection or an error status being a RasaException
  and a timeout an `asyncio.TimeoutError`, on a form's rejection (`ActionExecutionRejection`)
  being a RasaException too, and on `ActionRetrieveResponse` reading the ResponseSelector's
  pick. Why: Rasa rebuilt the JSON-schema validator on every action call (35–48% of the Rasa
  server's CPU), and an FAQ question still gets the knowledge base's answer when the action
  server is down.
- `tracker_store` — `FilteringSQLTrackerStore(SQLTrackerStore)` overrides the private
  `_additional_events(session, tracker)` (the events `save` writes), replaces the store's
  `engine` and `sessionmaker` (`pool_pre_ping`), and takes endpoints.yml's `url`, which Rasa
  passes to a custom store as `host`. Why: bot/tracker_store.py stores no service password;
  conversations survive a database restart; one address configures the store.
- `rest_input` — overrides the private `RestInput._extract_sender(req)` (awaited, read first by
  the webhook) and `_extract_input_channel(req)`. Why: a body that is not a JSON object is a
  400, not Rasa's 500; the channel may refuse a sender id (bot/channels/rest.py: not an SMS
  conversation's); a caller cannot name the input channel.
- `socketio_blueprint` — the web chat rewrites `SocketIOInput.blueprint` on Rasa's
  `SocketBlueprint` (attaches the socket.io server when registered), the channel's `sio`
  attribute (read by `get_output_channel`), `SocketIOOutput` (sends to the room named after
  the recipient id) and python-socketio's `AsyncServer.enter_room`, a coroutine. Why: Rasa's
  blueprint lets any origin connect, lets a page pick any conversation and does not await
  `enter_room` (its replies reach nobody).
- `sanic_server` — replaces the Rasa app's `error_handler` when a channel's blueprint is
  registered (`Blueprint.register(app, options)`, which `app.blueprint()` calls), and swaps the
  `__class__` of the Blueprint Rasa's REST channel builds (possible because Sanic's metaclass
  gives every Blueprint subclass empty `__slots__`). Why: Sanic's own error pages answer 500 to
  a malformed Accept or Expect header, and HTML or tracebacks otherwise.

- `running_agent` — reads Rasa's loaded `Agent` from `app.ctx.agent` of the app our channels
  are registered on, with `is_ready()`, `parse_message(text)` and `domain.responses`, and
  handles a message as `Agent.handle_message` does (the lock store's lock around
  `processor.handle_message`), reading the tracker first. Why: the handoff gate reads a
  customer's message kept for a human agent with the server's own model, to suggest the
  assistant's answers to the agent (bot/channels/gate.py); a message sent again with its id
  is answered from the stored turn instead of handled twice (bot/channels/once.py).

Not here, because nothing of them overrides an internal: bot/lock_store.py (a LockStore
subclass on its public methods), bot/http.py's JsonErrorHandler (Sanic's documented
`ErrorHandler.default`), bot/nlu's components (Rasa's GraphComponent API).
"""

from __future__ import annotations

from bot.privacy import protect_process_logs
from bot.rasa_compat import remote_action


def install_rasa_server() -> None:
    """Everything of ours the Rasa server process installs, once its logging is configured:
    personal data masked in every record it logs, Rasa's and Sanic's loggers included
    (bot/privacy.py), and our changes to Rasa's RemoteAction. Idempotent."""
    protect_process_logs()
    remote_action.install()
