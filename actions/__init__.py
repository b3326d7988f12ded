"""Custom actions for the rasa_sdk action server (`rasa run actions`), a module per capability.

Importing the package masks phone numbers in everything the action server logs: the server
imports it after configuring its logging, so the root logger's handlers exist by then.
"""

import logging

from bot.privacy import install_personal_data_filter

install_personal_data_filter(logging.getLogger(), logging.getLogger("rasa_sdk"))
