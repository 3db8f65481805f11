"""Keyed pseudonyms for de-personalised views: HMAC-SHA256 of the resident ID with a secret held
outside the graph, so they are stable across runs and cannot be reversed without the key."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_ENV = "RESIDEX_PSEUDONYM_KEY"


def load_key(data_dir: Path) -> bytes:
    """The key from ``$RESIDEX_PSEUDONYM_KEY``, else ``DATA/secrets/pseudonym.key`` (created 0600)."""
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode()
    path = Path(data_dir) / "secrets" / "pseudonym.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def pseudonym(key: bytes, resident_id: str) -> str:
    """A short, stable, keyed pseudonym such as ``P-3f9c2a1b7d4e``."""
    return "P-" + hmac.new(key, resident_id.encode(), hashlib.sha256).hexdigest()[:12]
