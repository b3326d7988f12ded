"""The assistant's own Python package: NLU parts, processes and command-line helpers."""
