"""Understanding what a customer needs, across the conversation; pure Python, no Rasa.

- `words`: the vocabulary of data/understanding/ (topics, aspects, situations, plans), compiled
- `frame`: what one message names: topics, aspects, plans, numbers; split into its questions
- `context`: what the conversation was last about, kept in one slot
- `plans`: reasoning over the catalogue (attribute, comparison, extremes, cost, recommendation)
- `resolve`: the decision for one message: which answers, a clarification, or an offer

The action server's `action_answer` (actions/answer.py) is the Rasa side of it.
"""
