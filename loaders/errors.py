"""Project exceptions for the loaders: one-line messages that name file, row and field.

The CLI prints ``str(exc)`` without a traceback, so every message must stand on its own.
"""

from __future__ import annotations


class ResidexError(Exception):
    """Base class for errors a user can fix by correcting a file."""


class MappingError(ResidexError):
    """A source mapping YAML file is invalid (unknown key, bad format, column not in the extract)."""

    def __init__(self, file: str, key: str, reason: str) -> None:
        self.file, self.key, self.reason = file, key, reason
        super().__init__(f"{file}: {key}: {reason}")


class SourceError(ResidexError):
    """A source extract cannot be read at all (missing, unreadable, no header)."""

    def __init__(self, file: str, reason: str, row: int | None = None, field: str | None = None) -> None:
        self.file, self.reason, self.row, self.field = file, reason, row, field
        where = file
        if row is not None:
            where += f": row {row}"
        if field:
            where += f": field {field}"
        super().__init__(f"{where}: {reason}")
