"""A mock of the operator's account system, so the assistant can answer from real-looking data.

- `store`: the accounts in SQLite or PostgreSQL (seeded from `seed.yml` on first open) and
  every operation the API offers, with the operator's rules (billing, password lock-out, plan
  changes), composed of one module per responsibility: `records`, `seed`, `billing`,
  `subscriptions`, `verification`, `tickets`.
- `app`: the HTTP service around the store (docs/account_service_api.md), run by
  `python -m bot.accounts`.
- `client`: the async client the action server uses to call that service.
"""
