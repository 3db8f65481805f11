"""Names: case, accents, punctuation, titles, generational suffixes, nicknames, double-barrels.

``rx_name_clean`` keeps letters, spaces and hyphens (for display and token splits);
``rx_name_key`` keeps letters only (for exact and fuzzy comparison: O'Brien == OBRIEN).
Full names written `SURNAME, Forename`, `Forename SURNAME` or `Forename Surname` are split by
``rx_split_*`` macros. Nicknames come from the `nicknames` package (a kept US/UK list): a record's
``first_name_nicks`` is its name plus every canonical form, and two records match on nickname when
the lists intersect (Bob, Rob and Robert all share ROBERT).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

TITLES = ("MR", "MRS", "MS", "MISS", "MX", "DR", "REV", "PROF", "SIR", "DAME", "LADY", "LORD", "MASTER",
          "FR", "CLLR")
SUFFIXES = ("JR", "JNR", "JUNIOR", "SR", "SNR", "SENIOR", "II", "III", "IV")
_SUFFIX_CANON = {"JR": "JR", "JNR": "JR", "JUNIOR": "JR", "SR": "SR", "SNR": "SR", "SENIOR": "SR",
                 "II": "II", "III": "III", "IV": "IV"}

_titles_re = "|".join(TITLES)
_suffix_re = "|".join(SUFFIXES)

MACROS = [
    # upper case, accents stripped, apostrophes/dots removed, other punctuation -> space, hyphens tidy
    """CREATE OR REPLACE MACRO rx_name_clean(x) AS nullif(trim(regexp_replace(regexp_replace(
        regexp_replace(regexp_replace(upper(strip_accents(coalesce(x, ''))), '[''`.’]', '', 'g'),
        '[^A-Z\\- ]', ' ', 'g'), '\\s*-\\s*', '-', 'g'), '\\s+', ' ', 'g')), '')""",
    f"""CREATE OR REPLACE MACRO rx_strip_title(x) AS nullif(trim(regexp_replace(coalesce(x, ''),
        '^((?:{_titles_re})\\s+)+', '')), '')""",
    # generational suffix, case-insensitive on the raw text (`John Smith Jnr`, `SMITH, John Jr.`)
    f"""CREATE OR REPLACE MACRO rx_suffix(x) AS (
        CASE upper(regexp_extract(coalesce(x, ''), '(?i)\\s({_suffix_re})\\.?\\s*$', 1))
        {" ".join(f"WHEN '{k}' THEN '{v}'" for k, v in _SUFFIX_CANON.items())} END)""",
    # raw name without leading titles and a trailing suffix, case kept for the full-name split
    f"""CREATE OR REPLACE MACRO rx_name_core(x) AS nullif(trim(regexp_replace(regexp_replace(coalesce(x, ''),
        '(?i)^\\s*((?:{_titles_re})\\.?\\s+)+', ''), '(?i)\\s+({_suffix_re})\\.?\\s*$', '')), '')""",
    "CREATE OR REPLACE MACRO rx_name_key(x) AS nullif(regexp_replace(coalesce(x, ''), '[^A-Z]', '', 'g'), '')",
    # tokens of a cleaned name, splitting double-barrels: SMITH-JONES -> [SMITH, JONES]
    """CREATE OR REPLACE MACRO rx_name_tokens(x) AS
        list_filter(string_split_regex(coalesce(x, ''), '[ \\-]+'), lambda t: length(t) > 0)""",
    # full-name split. `SURNAME, Forenames`: comma form. Otherwise trailing all-capitals tokens of a
    # mixed-case name are the surname (`Mary Anne SMITH-JONES`), else the last token. A one-word
    # name is a forename with no surname (not both: `Willie` would match every other `Willie`).
    """CREATE OR REPLACE MACRO rx_split_last(raw) AS (
        CASE WHEN strpos(raw, ',') > 0 THEN split_part(raw, ',', 1)
             WHEN regexp_matches(trim(raw), '^.*[a-z].*\\s((?:[A-Z][A-Z''\\-]+\\s*)+)$')
             THEN regexp_extract(trim(raw), '^.*?\\s((?:[A-Z][A-Z''\\-]+\\s*)+)$', 1)
             WHEN NOT regexp_matches(trim(raw), '\\s') THEN NULL
             ELSE regexp_extract(trim(raw), '(\\S+)$', 1) END)""",
    """CREATE OR REPLACE MACRO rx_split_rest(raw) AS (
        CASE WHEN strpos(raw, ',') > 0 THEN substr(raw, strpos(raw, ',') + 1)
             WHEN regexp_matches(trim(raw), '^.*[a-z].*\\s((?:[A-Z][A-Z''\\-]+\\s*)+)$')
             THEN regexp_extract(trim(raw), '^(.*?)\\s((?:[A-Z][A-Z''\\-]+\\s*)+)$', 1)
             WHEN NOT regexp_matches(trim(raw), '\\s') THEN trim(raw)
             ELSE regexp_replace(trim(raw), '\\s*\\S+$', '') END)""",
]


def register(con: duckdb.DuckDBPyConnection) -> None:
    for sql in MACROS:
        con.execute(sql)
    load_nicknames(con)


def load_nicknames(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``nick(name, canon)``: each canonical name for a nickname (both upper case)."""
    import nicknames

    path = Path(nicknames.__file__).parent / "names.csv"
    con.execute("DROP TABLE IF EXISTS nick")
    con.execute(
        "CREATE TABLE nick AS SELECT DISTINCT upper(name2) AS name, upper(name1) AS canon "
        "FROM read_csv(?, header = true, all_varchar = true) WHERE relationship = 'has_nickname'",
        [str(path)],
    )
