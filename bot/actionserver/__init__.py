"""The action server process: rasa_sdk's own app for the `actions` package, reachable on
loopback only and only with the token Rasa sends (`python -m bot.actionserver`)."""
