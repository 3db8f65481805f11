"""Installation secrets (the pseudonym key, the web session key): kept in DATA/secrets/, outside the
graph, created 0600 on first use, or taken from an environment variable where a council injects them."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def secret(data_dir: Path, name: str, env: str) -> str:
    """``$env`` if set, else the contents of ``DATA/secrets/<name>.key`` (created on first use)."""
    value = os.environ.get(env)
    if value:
        return value
    path = Path(data_dir) / "secrets" / f"{name}.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()
