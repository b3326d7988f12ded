"""Chinese language understanding: text normalisation, the spaCy pipeline and guards.

`text` is pure Python (the action server uses it too); the Rasa components and the spaCy
pipeline import spaCy. The pipeline's "telecom_words" factory is registered by
`spacy_pipeline`, which `normalizer` (the first component of config.yml) imports, so that
Rasa can load the built pipeline wherever the model is loaded.
"""
