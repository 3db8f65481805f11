"""Date parsing with each mapping's declared strptime formats, in DuckDB SQL."""

from __future__ import annotations

from loaders.mapping import DateField


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def parse_date_sql(col_sql: str, d: DateField) -> str:
    """A DATE expression: the first declared format that parses wins; NULL when none does.

    Day/month swaps in the data are kept (a DOB written 03/02 for 02/03 parses as a different valid
    date): the model compares them with a swap level rather than guessing here.
    """
    txt = f"nullif(trim({col_sql}), '')"
    parts = [f"try_strptime({txt}, {_lit(f)})" for f in d.formats]
    expr = parts[0] if len(parts) == 1 else "coalesce(" + ", ".join(parts) + ")"
    return f"CAST({expr} AS DATE)"


def unparseable_sql(col_sql: str, d: DateField) -> str:
    """TRUE when the column holds text that none of the formats parse (empty is not unparseable)."""
    return f"(nullif(trim({col_sql}), '') IS NOT NULL AND {parse_date_sql(col_sql, d)} IS NULL)"
