"""Business rules, plain Python: no Qt imports here."""
