"""Typo-tolerant search keys for residents, computed the same way at load time and at search time.

Phonetic keys (metaphone) make "Smyth"/"Smith" and "Kathryn"/"Catherine" meet on an indexed equality,
which both engines run fast; no engine-specific full-text index is needed.
"""

from __future__ import annotations

import re
import unicodedata

import jellyfish

_NON_ALPHA = re.compile(r"[^A-Z ]+")


def fold(name: str | None) -> str:
    """Upper-case ASCII letters and single spaces: accents, punctuation and apostrophes removed."""
    if not name:
        return ""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(_NON_ALPHA.sub(" ", ascii_name.upper().replace("'", "")).split())


def phonetic(name: str | None) -> str:
    """Metaphone of the folded name, parts of a double-barrelled name joined (so order-insensitive)."""
    parts = sorted(p for p in fold(name).replace("-", " ").split() if p)
    return "".join(jellyfish.metaphone(p) for p in parts)


def surname_keys(last_name: str | None) -> list[str]:
    """Keys a surname is findable by: the whole name, and each part of a double-barrelled one."""
    parts = [p for p in fold(last_name).split() if p]
    keys = {phonetic(last_name)} | {jellyfish.metaphone(p) for p in parts}
    return sorted(k for k in keys if k)


def phonetic_many(names: list[str | None]) -> list[str]:
    """``phonetic`` over a column, computed once per distinct name (names repeat heavily in a borough)."""
    cache: dict[str | None, str] = {}
    return [cache[n] if n in cache else cache.setdefault(n, phonetic(n)) for n in names]


def alt_surname_key(last_name: str | None) -> str | None:
    """The last part of a multi-part surname, phonetically (None for a one-part name)."""
    parts = fold(last_name).split()
    return phonetic(parts[-1]) if len(parts) > 1 else None


def alt_surname_keys(names: list[str | None]) -> list[str | None]:
    """``alt_surname_key`` over a column, once per distinct name."""
    cache: dict[str | None, str | None] = {}
    return [cache[n] if n in cache else cache.setdefault(n, alt_surname_key(n)) for n in names]
