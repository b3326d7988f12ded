"""The customers' chat page on the operator's website: Rasa's socket.io channel plus the page
itself (static/), both served by the Rasa server at /webchat."""
