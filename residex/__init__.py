"""Residex: a resident index and relationship explorer for UK councils and partner agencies."""

__version__ = "0.1.0"
