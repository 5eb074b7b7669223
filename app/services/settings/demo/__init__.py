"""The demo academy: its cast, its three months of history, and the copy into an empty database."""
