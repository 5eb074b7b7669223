"""Scenario tests: a month of an office walked on an injected clock, checked against hand computations."""
