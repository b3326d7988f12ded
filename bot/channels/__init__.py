"""Input channels of the Rasa server: Rasa's own, behind the handoff gate."""
