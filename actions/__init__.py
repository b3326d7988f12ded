"""Custom actions for the rasa_sdk action server (`rasa run actions`), a module per capability."""
