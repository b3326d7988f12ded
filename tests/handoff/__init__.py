"""Tests of the agent desk: its store, its HTTP API and web page, and our processes' client."""
