"""Reading the YAML data files graph/ is configured by (model, access policy): one place that names
the file when it cannot be read or parsed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def read_yaml(path: Path, what: str, error: type[Exception]) -> Any:
    """The parsed document, or ``error("<path>: cannot read the <what>: <reason>")``."""
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise error(f"{path}: cannot read the {what}: {e}") from None
