"""Tests of the mock account service: its store, its HTTP API and the actions' client."""
