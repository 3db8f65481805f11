"""Errors the graph layer raises; each carries a one-line message fit for a user."""


class StoreError(Exception):
    """The store could not be reached or refused a query."""


class ConnectionFailed(StoreError):
    """The configured store could not be opened (bad URI, server down, wrong credentials)."""


class ReadOnlyViolation(StoreError):
    """A query sent down the read path tried to write; the engine refused it."""


class QueryTimeout(StoreError):
    """A query ran past its time limit and was stopped by the engine."""
