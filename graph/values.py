"""Value conversion shared by both engines: dates travel as ISO strings, come back as datetime.date.

Both engines store dates as `YYYY-MM-DD` strings so that saved queries compare and sort them the same
way (FalkorDB has no `datetime`/`duration.between`); the store converts at the boundary.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_ISO_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


def to_param(value: Any) -> Any:
    """Prepare a Python value for either engine (dates -> ISO strings, tuples -> lists)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_param(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_param(v) for v in value]
    return value


def from_stored(value: Any) -> Any:
    """Turn a scalar read back from the store into the project's Python value."""
    if isinstance(value, str) and len(value) == 10 and _ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return [from_stored(v) for v in value]
    if isinstance(value, dict):
        return {k: from_stored(v) for k, v in value.items()}
    return value
