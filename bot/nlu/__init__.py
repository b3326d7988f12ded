"""Chinese language understanding: text normalisation, the spaCy pipeline and guards.

Importing this package registers the spaCy factory that the built pipeline needs, so Rasa
can load it wherever a component of ours appears in config.yml.
"""

from bot.nlu import spacy_pipeline  # noqa: F401  (registers the "telecom_words" factory)
