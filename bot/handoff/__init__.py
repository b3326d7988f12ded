"""The agent desk (human handoff): its own process, and the clients our processes use.

- `store`: handoffs and their messages in SQLite, every state change one transaction.
- `app`: the desk's HTTP API and web page for human agents (docs/agent_desk_api.md), run by
  `python -m bot.handoff`.
- `client`: the async client the Rasa server's handoff gate and the action server use.
- `notices`: what the desk and the gate say to customers (data/handoff/messages.yml).
"""
