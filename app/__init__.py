"""KSCMS desk: a desk tool for agency automatic bank debits (CMS)."""

__version__ = "0.1.0"
