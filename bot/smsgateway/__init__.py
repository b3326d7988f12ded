"""The mock SMS gateway: a stand-in for the operator's SMS gateway, its own process.

- `store`: every message sent through it (our bridge's replies) in SQLite.
- `app`: its HTTP API (docs/sms_gateway_mock.md): `/api/send` for the bridge, `/api/messages`
  to read what was sent (long-polling), and `/control/…` for tests and the customer's command
  line: play an inbound SMS (signed and posted to the bridge) and inject send failures.
- `cli`: `python -m bot.smsgateway send --from NUMBER --text TEXT` (what `make sms` runs):
  a customer texting the assistant from a terminal, replies printed as they arrive.

`python -m bot.smsgateway` serves it (127.0.0.1:8089 unless SMS_GATEWAY_HOST/PORT say
otherwise).
"""
