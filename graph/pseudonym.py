"""Keyed pseudonyms for de-personalised views: HMAC-SHA256 of the resident ID with a secret held
outside the graph, so they are stable across runs and cannot be reversed without the key."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from graph.keys import secret

KEY_ENV = "RESIDEX_PSEUDONYM_KEY"


def load_key(data_dir: Path) -> bytes:
    """The key from ``$RESIDEX_PSEUDONYM_KEY``, else ``DATA/secrets/pseudonym.key`` (created 0600)."""
    return secret(data_dir, "pseudonym", KEY_ENV).encode()


def pseudonym(key: bytes, resident_id: str) -> str:
    """A short, stable, keyed pseudonym such as ``P-3f9c2a1b7d4e``."""
    return "P-" + hmac.new(key, resident_id.encode(), hashlib.sha256).hexdigest()[:12]


def pseudonyms(key: bytes, resident_ids: list[str]) -> list[str]:
    """``pseudonym`` over a column, reusing one keyed HMAC state (the key schedule is computed once)."""
    base = hmac.new(key, digestmod=hashlib.sha256)
    out = []
    for rid in resident_ids:
        h = base.copy()
        h.update(rid.encode())
        out.append("P-" + h.hexdigest()[:12])
    return out


def household_ids(key: bytes, uprns: list[str]) -> list[str]:
    """Keyed, opaque household IDs such as ``H-9b1c0e…``: a household is one dwelling's residents, and an
    ID built from the UPRN would locate a protected dwelling (a refuge) to anyone who saw it."""
    base = hmac.new(key, digestmod=hashlib.sha256)
    out = []
    for uprn in uprns:
        h = base.copy()
        h.update(b"household:" + uprn.encode())
        out.append("H-" + h.hexdigest()[:12])
    return out
