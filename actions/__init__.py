"""Custom actions for the action server (`python -m bot.actionserver`), one module per capability.

Importing the package masks personal data in everything the action server logs: the server
imports it after configuring its logging, so the root logger's handlers exist by then.
"""

import logging

from bot.privacy import protect_process_logs

protect_process_logs(logging.getLogger("rasa_sdk"))
