"""The production profile's servers: PostgreSQL, Redis and nginx in front of several Rasa
processes (started by bot/cli/run_prod.py)."""
