"""Custom actions for the action server (`python -m bot.actionserver`), one module per capability.

The server masks personal data in its logs before it loads this package
(bot/actionserver/__main__.py); importing it changes nothing.
"""
